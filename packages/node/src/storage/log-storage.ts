import type { StoredTile } from '../log/stored-tile.js';

/** A signed checkpoint as stored: its tree size, root hash and the signed note text. */
export interface StoredCheckpoint {
  size: number;
  rootHash: Uint8Array;
  note: string;
}

/** Everything one sequencer batch makes durable, in one commit. */
export interface LogBatch {
  /** Index of the first entry; must equal the size of the stored log (a fence against a second writer). */
  firstIndex: number;
  entries: readonly Uint8Array[];
  /** Every stored tile the batch created or widened, in full. */
  tiles: readonly StoredTile[];
  checkpoint: StoredCheckpoint;
}

export interface TileKey {
  level: number;
  index: number;
}

/**
 * The log's storage. One interface, one class per backend (SQLite embedded, PostgreSQL), chosen at
 * start-up. A commit is atomic: after a crash either all of a batch is there or none of it is.
 */
/** The reads of the log's storage. */
export interface LogReads {
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** The checkpoint stored for exactly this tree size, if one was published. */
  checkpointAt(size: number): Promise<StoredCheckpoint | undefined>;
  /** `count` entries from `start`; fewer if the log ends sooner. */
  readEntries(start: number, count: number): Promise<Uint8Array[]>;
  readTiles(keys: readonly TileKey[]): Promise<(StoredTile | undefined)[]>;
  /** Number of entries stored (equal to the latest checkpoint's size: both are written in one commit). */
  countEntries(): Promise<number>;
}

export interface LogStorage extends LogReads {
  readonly kind: 'sqlite' | 'postgres';
  /** Create the schema if needed and check its version. */
  init(): Promise<void>;
  /** Run `fn` with reads that all see one consistent state, whatever a writer commits meanwhile. */
  snapshot<T>(fn: (reads: LogReads) => Promise<T>): Promise<T>;
  commit(batch: LogBatch): Promise<void>;
  /**
   * Try to become the one writer. SQLite: an exclusive lock on the data directory's database
   * held by this process; PostgreSQL: a session advisory lock. Returns false if another holds it.
   */
  tryAcquireWriterLock(): Promise<boolean>;
  /** Whether this process holds the writer lock now. */
  holdsWriterLock(): boolean;
  /** Give the writer lock up (after a failed take-over, so that another process may try). */
  releaseWriterLock(): Promise<void>;
  /** Called when the writer lock is lost (PostgreSQL connection dropped). */
  onWriterLockLost(listener: (error: Error) => void): void;
  close(): Promise<void>;
}

/** Raised when a commit's fence fails: another writer has moved the log on. */
export class FenceError extends Error {
  constructor(expected: number, actual: number) {
    super(`log size in storage is ${actual}, this sequencer expected ${expected}: another writer is active`);
    this.name = 'FenceError';
  }
}

/** Raised when the storage is owned by another process. */
export class StorageInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageInUseError';
  }
}
