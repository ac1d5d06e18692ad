import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { StoredTile } from '../log/stored-tile.js';
import { startWorker } from '../worker-thread.js';
import { assetConditions, prefixEnd } from './ledger-queries.js';
import {
  type AssetQuery,
  FenceError,
  type LogBatch,
  type LogReads,
  type LogStorage,
  type MarkRow,
  type MediaRow,
  StorageInUseError,
  type StoredCheckpoint,
  type TileKey,
} from './log-storage.js';
import type { WriterReply } from './sqlite-writer.js';

const SCHEMA_VERSION = '2';
/** Versions this one upgrades in place (their tables are a subset; init adds the rest). */
const UPGRADABLE_VERSIONS = ['1'];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tiles (
  level INTEGER NOT NULL, idx INTEGER NOT NULL, width INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_state (
  key TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL,
  owner TEXT, media TEXT, search TEXT, idx INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_state_kind ON ledger_state (kind, idx);
CREATE INDEX IF NOT EXISTS ledger_state_owner ON ledger_state (owner, kind, idx) WHERE owner IS NOT NULL;
CREATE TABLE IF NOT EXISTS asset_media (
  asset TEXT PRIMARY KEY, cid TEXT NOT NULL, phash TEXT, geometry TEXT, idx INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS asset_marks (
  asset TEXT NOT NULL, other TEXT NOT NULL, reason TEXT NOT NULL, distance INTEGER NOT NULL,
  PRIMARY KEY (asset, other, reason)
);
`;

interface CheckpointRow {
  size: number;
  root: Uint8Array;
  note: string;
}

/**
 * Embedded storage: one SQLite file in WAL mode. Batches are written by a worker thread
 * (sqlite-writer.ts) with synchronous=FULL, so a commit resolves once it is on disk, and the event
 * loop prepares the next batch meanwhile instead of waiting for SQLite and the disk. Reads run on
 * the event loop over a connection of their own, which sees committed batches only. One process
 * owns the data directory: it holds an exclusive lock on `<database>.lock` for as long as it runs.
 */
export class SqliteStorage implements LogStorage {
  readonly kind = 'sqlite';
  /** The reading connection (the writer has its own, on its thread). */
  private readonly db: Database.Database;
  private statements!: ReturnType<SqliteStorage['prepare']>;
  /** Holds the data directory's lock while open. */
  private lock: Database.Database | undefined;
  private writer: SqliteWriter | undefined;
  /** The snapshot being read, if any: snapshots take turns on the reading connection. */
  private reading: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {
    this.db = new Database(path, { timeout: 5000 });
  }

  async init(): Promise<void> {
    // One process owns an embedded log. The lock is a SQLite file held in EXCLUSIVE mode: the OS
    // releases it when the process dies, however it dies.
    const lock = new Database(`${this.path}.lock`, { timeout: 0 });
    try {
      lock.pragma('locking_mode = EXCLUSIVE');
      lock.pragma('journal_mode = MEMORY'); // it holds no data: no journal file beside it
      lock.exec('BEGIN EXCLUSIVE; COMMIT;');
    } catch (error) {
      lock.close();
      if (!(error as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw error;
      throw new StorageInUseError(
        `${this.path} is in use by another process (is another node running on it?)`,
      );
    }
    this.lock = lock;
    this.db.pragma('page_size = 32768'); // only takes effect on a new database
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    const version = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as
      | { value: string }
      | undefined;
    if (!version)
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', SCHEMA_VERSION);
    else if (UPGRADABLE_VERSIONS.includes(version.value))
      this.db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(SCHEMA_VERSION, 'schema_version');
    else if (version.value !== SCHEMA_VERSION)
      throw new Error(
        `database schema version ${version.value} is not supported (expected ${SCHEMA_VERSION})`,
      );
    this.statements = this.prepare();
    this.writer = await SqliteWriter.start(this.path);
  }

  private prepare() {
    const db = this.db;
    return {
      latest: db.prepare('SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1'),
      at: db.prepare('SELECT size, root, note FROM checkpoints WHERE size = ?'),
      entries: db.prepare('SELECT data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx').pluck(),
      tile: db.prepare('SELECT level, idx AS "index", width, data FROM tiles WHERE level = ? AND idx = ?'),
      count: db.prepare('SELECT coalesce(max(idx) + 1, 0) FROM entries').pluck(),
      getState: db.prepare('SELECT value FROM ledger_state WHERE key = ?').pluck(),
      scanState: db
        .prepare('SELECT value FROM ledger_state WHERE key >= ? AND key < ? ORDER BY key LIMIT ?')
        .pluck(),
      marks: db.prepare(
        'SELECT asset, other, reason, distance FROM asset_marks WHERE asset = ? ORDER BY other',
      ),
      media: db.prepare('SELECT asset, cid, phash, geometry, idx FROM asset_media ORDER BY idx'),
    };
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return toCheckpoint(this.statements.latest.get() as CheckpointRow | undefined);
  }

  async checkpointAt(size: number): Promise<StoredCheckpoint | undefined> {
    return toCheckpoint(this.statements.at.get(size) as CheckpointRow | undefined);
  }

  async readEntries(start: number, count: number): Promise<Uint8Array[]> {
    return (this.statements.entries.all(start, start + count) as Buffer[]).map(asBytes);
  }

  async readTiles(keys: readonly TileKey[]): Promise<(StoredTile | undefined)[]> {
    return keys.map((k) => {
      const tile = this.statements.tile.get(k.level, k.index) as StoredTile | undefined;
      return tile && { ...tile, data: asBytes(tile.data as Buffer) };
    });
  }

  async countEntries(): Promise<number> {
    return this.statements.count.get() as number;
  }

  commit(batch: LogBatch): Promise<void> {
    if (!this.writer) return Promise.reject(new Error('the storage is not open'));
    return this.writer.write(batch);
  }

  async readState(keys: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const key of keys) {
      const value = this.statements.getState.get(key) as string | undefined;
      if (value !== undefined) found.set(key, value);
    }
    return found;
  }

  async scanState(prefix: string, limit: number): Promise<string[]> {
    return this.statements.scanState.all(prefix, prefixEnd(prefix), limit) as string[];
  }

  async queryAssets(query: AssetQuery): Promise<string[]> {
    const { where, params } = assetConditions(query, () => '?');
    return this.db
      .prepare(`SELECT value FROM ledger_state WHERE ${where.join(' AND ')} ORDER BY idx DESC LIMIT ?`)
      .pluck()
      .all(...params, query.limit) as string[];
  }

  async readMarks(asset: string): Promise<MarkRow[]> {
    return this.statements.marks.all(asset) as MarkRow[];
  }

  async readMedia(): Promise<MediaRow[]> {
    return this.statements.media.all() as MediaRow[];
  }

  async snapshot<T>(fn: (reads: LogReads) => Promise<T>): Promise<T> {
    // One read transaction: the writer's commits meanwhile are not seen. Other reads on this
    // connection while it is open see the snapshot too, which is only a little older.
    const turn = this.reading.then(async () => {
      this.db.exec('BEGIN');
      try {
        return await fn(this);
      } finally {
        this.db.exec('COMMIT');
      }
    });
    this.reading = turn.catch(() => {});
    return turn;
  }

  holdsWriterLock(): boolean {
    return this.lock?.open === true;
  }

  async releaseWriterLock(): Promise<void> {
    // The exclusive lock is this process's for as long as the file is open.
  }

  async tryAcquireWriterLock(): Promise<boolean> {
    return true; // taken in init(): this process is the only one using the file
  }

  onWriterLockLost(): void {
    // A process-held file lock cannot be lost while the process lives.
  }

  async close(): Promise<void> {
    await this.writer?.close();
    this.writer = undefined;
    if (this.db.open) this.db.close();
    if (this.lock?.open) this.lock.close();
  }
}

/** The writer thread (sqlite-writer.ts) and the batches it has not answered yet. */
class SqliteWriter {
  private readonly jobs = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WriterReply | 'ready') => {
      if (reply === 'ready') return;
      const job = this.jobs.get(reply.id);
      if (!job) return;
      this.jobs.delete(reply.id);
      if (reply.ok) job.resolve();
      else job.reject(writerError(reply));
      if (this.jobs.size === 0) worker.unref();
    });
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const job of this.jobs.values()) job.reject(error);
      this.jobs.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (code ${code})`)));
  }

  static async start(path: string): Promise<SqliteWriter> {
    const worker = startWorker(import.meta.url, './sqlite-writer', { workerData: { path } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the SQLite writer thread exited (code ${code})`)));
    });
    worker.unref(); // referenced only while a batch is out
    return new SqliteWriter(worker);
  }

  write(batch: LogBatch): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, batch });
    });
  }

  /** Let the writer finish what it was given, close its connection and stop. */
  async close(): Promise<void> {
    if (this.failure) return;
    this.worker.ref();
    this.worker.postMessage('close');
    await this.exited;
  }
}

function writerError(reply: Extract<WriterReply, { ok: false }>): Error {
  if (reply.fence) return new FenceError(reply.fence.expected, reply.fence.actual);
  const error = new Error(reply.message);
  error.name = reply.name;
  return error;
}

/** A plain Uint8Array view of a driver's Buffer, so callers compare bytes, not classes. */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function toCheckpoint(row: CheckpointRow | undefined): StoredCheckpoint | undefined {
  return row && { size: row.size, rootHash: new Uint8Array(row.root), note: row.note };
}
