import {
  CinnabarError,
  EMPTY_ROOT,
  hashesAtLevel,
  leafHash,
  MAX_ENTRY_SIZE,
  type NoteSigner,
  type NoteVerifier,
  signCheckpoint,
  TILE_WIDTH,
} from '@cinnabar/core';
import { useNodeCrypto } from '../node-crypto.js';
import type { LedgerBatch, LogStorage, StoredCheckpoint } from '../storage/log-storage.js';
import { type LogState, loadLogState } from './log-state.js';
import { EdgeTile, rootFromEdgeTiles, type StoredTile } from './stored-tile.js';

export interface SequencerOptions {
  /** Most entries in one commit. */
  maxBatchSize: number;
  /** Most entry bytes in one commit (a batch closes at whichever limit comes first). */
  maxBatchBytes: number;
  /** Most appends waiting for a commit; more are refused (503) until the backlog drains. */
  maxPending: number;
  /** Longest an append waits for its batch to fill before the batch is committed anyway. */
  maxBatchDelayMs: number;
}

export const SEQUENCER_DEFAULTS: SequencerOptions = {
  maxBatchSize: 4096,
  maxBatchBytes: 32 * 1024 * 1024,
  maxPending: 65536,
  maxBatchDelayMs: 0,
};

/** What an append resolves with once its batch is durable. */
export interface Appended {
  index: number;
  /** What the ledger hook decided for the entry (undefined without a hook). */
  result: unknown;
  /** The checkpoint the batch published: it covers the entry. */
  checkpoint: StoredCheckpoint;
}

interface PendingAppend {
  entry: Uint8Array;
  /** What the submitter already knows about the entry (e.g. the prepared transaction), for the hook. */
  submission: unknown;
  resolve: (appended: Appended) => void;
  reject: (error: unknown) => void;
}

/** The hook's decision for each entry of a batch, in order, and what to commit with them. */
export interface BatchPlan {
  decisions: ({ ok: true; result: unknown } | { ok: false; error: Error })[];
  ledger: LedgerBatch;
  /** Called once the batch is durable. */
  committed(): void;
}

/**
 * Decides which entries of a batch are appended, and what state they write, just before the
 * batch is committed: in log order, with the index each would get (`firstIndex` onwards, counting
 * only accepted entries).
 */
export interface LedgerHook {
  plan(items: readonly { entry: Uint8Array; submission: unknown }[], firstIndex: number): Promise<BatchPlan>;
  /** A commit failed and may or may not have reached storage: forget anything cached. */
  reset(): void;
}

/** The sequencer is stopped or lost its storage; appends are refused until it recovers. */
export class SequencerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SequencerUnavailableError';
  }
}

/**
 * Takes appends concurrently and commits them in batches. One batch = one storage commit holding
 * its entries, every tile they change and the newly signed checkpoint; an append resolves with its
 * index only after that commit returned. Batches are committed one at a time, in order.
 */
export class Sequencer {
  private pending: PendingAppend[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** Set after a failed commit: the stored state is unknown until reloaded. */
  private stale = false;
  private committed = { batches: 0, entries: 0 };

  private constructor(
    private readonly storage: LogStorage,
    private readonly signer: NoteSigner,
    private readonly verifier: NoteVerifier,
    private readonly origin: string,
    private readonly options: SequencerOptions,
    private state: LogState,
    private readonly hook: LedgerHook | undefined,
  ) {}

  /** Recover the last durable state (checked, see loadLogState) and publish a first checkpoint if none. */
  static async start(
    storage: LogStorage,
    signer: NoteSigner,
    verifier: NoteVerifier,
    origin: string,
    options: Partial<SequencerOptions> = {},
    hook?: LedgerHook,
  ): Promise<Sequencer> {
    const opts = { ...SEQUENCER_DEFAULTS, ...options };
    useNodeCrypto();
    let state = await loadLogState(storage, verifier, origin);
    if (!state) {
      const checkpoint = signedCheckpoint(origin, 0, EMPTY_ROOT, signer);
      await storage.commit({ firstIndex: 0, entries: [], tiles: [], checkpoint });
      state = { checkpoint, edgeTiles: [] };
    }
    return new Sequencer(storage, signer, verifier, origin, opts, state, hook);
  }

  get checkpoint(): StoredCheckpoint {
    return this.state.checkpoint;
  }

  /** Batches and entries committed since start (for metrics and benchmarks). */
  get stats(): { batches: number; entries: number } {
    return { ...this.committed };
  }

  /** Append one entry; resolves with its index once it is durable. */
  async append(entry: Uint8Array): Promise<number> {
    return (await this.submit(entry, undefined)).index;
  }

  /**
   * Append one entry with what the caller knows of it for the ledger hook; resolves once it is
   * durable, or rejects with the hook's reason if the hook refuses it.
   */
  submit(entry: Uint8Array, submission: unknown): Promise<Appended> {
    if (entry.length > MAX_ENTRY_SIZE)
      return Promise.reject(
        new CinnabarError('entry_too_large', `entry is ${entry.length} bytes; the most is ${MAX_ENTRY_SIZE}`),
      );
    if (this.closed) return Promise.reject(new SequencerUnavailableError('the sequencer is closed'));
    if (this.pending.length >= this.options.maxPending)
      return Promise.reject(
        new SequencerUnavailableError(`${this.pending.length} appends are already waiting`),
      );
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, submission, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing) return; // the running flush loop picks the new append up
    if (this.pending.length >= this.options.maxBatchSize || this.options.maxBatchDelayMs <= 0) {
      this.flushSoon();
    } else {
      this.timer ??= setTimeout(() => this.flushSoon(), this.options.maxBatchDelayMs);
    }
  }

  private flushSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) return;
    // setImmediate lets every append made in this turn of the event loop join the batch.
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushLoop());
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        let batch = this.pending.splice(0, this.batchLength());
        try {
          if (this.stale) await this.reload();
          let plan: BatchPlan | undefined;
          const results: unknown[] = [];
          if (this.hook) {
            const items = batch;
            plan = await this.hook.plan(items, this.state.checkpoint.size);
            batch = [];
            plan.decisions.forEach((decision, i) => {
              if (decision.ok) {
                batch.push(items[i]!);
                results.push(decision.result);
              } else items[i]!.reject(decision.error);
            });
            if (batch.length === 0) continue;
          }
          const first = await this.commitBatch(
            batch.map((p) => p.entry),
            plan?.ledger,
          );
          plan?.committed();
          const checkpoint = this.state.checkpoint;
          batch.forEach((p, i) => {
            p.resolve({ index: first + i, result: results[i], checkpoint });
          });
        } catch (error) {
          // The commit may or may not have reached storage: reload before the next batch.
          this.stale = true;
          this.hook?.reset();
          const failure = new SequencerUnavailableError('the log storage failed to commit the batch', {
            cause: error,
          });
          for (const p of batch) p.reject(failure);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** How many pending appends the next batch takes: up to the count and byte limits, at least one. */
  private batchLength(): number {
    let bytes = 0;
    let n = 0;
    for (const p of this.pending) {
      if (n === this.options.maxBatchSize || (n > 0 && bytes + p.entry.length > this.options.maxBatchBytes))
        break;
      bytes += p.entry.length;
      n++;
    }
    return n;
  }

  private async reload(): Promise<void> {
    const state = await loadLogState(this.storage, this.verifier, this.origin);
    if (!state) throw new SequencerUnavailableError('the log storage lost its checkpoint');
    this.state = state;
    this.stale = false;
  }

  /** Compute the batch's tiles and checkpoint on copies, commit, then swap the state in. */
  private async commitBatch(entries: Uint8Array[], ledger: LedgerBatch | undefined): Promise<number> {
    const firstIndex = this.state.checkpoint.size;
    let size = firstIndex;
    const edges = this.state.edgeTiles.map((tile) => tile.clone());
    const tiles: StoredTile[] = [];
    const touched = new Set<number>(); // tile levels whose edge tile changed
    for (const entry of entries) {
      let hash: Uint8Array | undefined = leafHash(entry);
      size++;
      for (let level = 0; hash; level++) {
        if (edges[level] === undefined) edges[level] = EdgeTile.empty();
        const edge = edges[level]!;
        const root = edge.push(hash);
        touched.add(level);
        if (root) {
          // The tile is full: store it, and carry its root to the level above.
          const index = Math.floor((hashesAtLevel(level, size) - 1) / TILE_WIDTH);
          tiles.push({ level, index, width: TILE_WIDTH, data: edge.serialize() });
          edges[level] = EdgeTile.empty();
        }
        hash = root;
      }
    }
    for (const level of touched) {
      const edge = edges[level]!;
      if (edge.width === 0) continue;
      const index = Math.floor(hashesAtLevel(level, size) / TILE_WIDTH);
      tiles.push({ level, index, width: edge.width, data: edge.serialize() });
    }
    const checkpoint = signedCheckpoint(this.origin, size, rootFromEdgeTiles(size, edges), this.signer);
    await this.storage.commit(
      ledger === undefined
        ? { firstIndex, entries, tiles, checkpoint }
        : { firstIndex, entries, tiles, checkpoint, ledger },
    );
    this.state = { checkpoint, edgeTiles: edges };
    this.committed.batches++;
    this.committed.entries += entries.length;
    return firstIndex;
  }

  /** Stop at once (the writer lock was lost): refuse what is pending and every further append. */
  abort(reason: Error): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const failure = new SequencerUnavailableError('this node lost the writer lock', { cause: reason });
    for (const p of this.pending.splice(0)) p.reject(failure);
  }

  /** Commit what is pending, then refuse further appends. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) this.flushSoon();
    while (this.flushing) await this.flushing;
  }
}

function signedCheckpoint(
  origin: string,
  size: number,
  rootHash: Uint8Array,
  signer: NoteSigner,
): StoredCheckpoint {
  const note = signCheckpoint({ origin, size, rootHash, extensions: [] }, signer);
  return { size, rootHash, note };
}
