import pg from 'pg';
import type { StoredTile } from '../log/stored-tile.js';
import {
  FenceError,
  type LogBatch,
  type LogStorage,
  type StoredCheckpoint,
  type TileKey,
} from './log-storage.js';

const SCHEMA_VERSION = '1';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cinnabar_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS cinnabar_entries (idx bigint PRIMARY KEY, data bytea NOT NULL);
CREATE TABLE IF NOT EXISTS cinnabar_tiles (
  level integer NOT NULL, idx bigint NOT NULL, width integer NOT NULL, data bytea NOT NULL,
  PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS cinnabar_checkpoints (size bigint PRIMARY KEY, root bytea NOT NULL, note text NOT NULL);
INSERT INTO cinnabar_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT DO NOTHING;
`;

/** Advisory lock key shared by every Cinnabar sequencer on a database ("cinnabar" in ASCII). */
const WRITER_LOCK_KEY = '7163378102668779890'; // 0x63696e6e61626172

/**
 * PostgreSQL storage: several API processes share one database; exactly one of them holds the
 * writer lock (a session advisory lock on a dedicated connection) and sequences. A commit runs in
 * one transaction with the default synchronous_commit, so it is durable when COMMIT returns.
 */
export class PostgresStorage implements LogStorage {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private lockClient: pg.Client | undefined;
  private readonly lockLostListeners: ((error: Error) => void)[] = [];

  constructor(
    private readonly url: string,
    poolSize = 8,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize });
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
  }

  async init(): Promise<void> {
    const client = await this.pool.connect();
    try {
      // Serialize schema creation between processes starting together.
      await client.query('SELECT pg_advisory_lock(1)');
      await client.query(SCHEMA);
      const { rows } = await client.query<{ value: string }>(
        "SELECT value FROM cinnabar_meta WHERE key = 'schema_version'",
      );
      if (rows[0]?.value !== SCHEMA_VERSION)
        throw new Error(
          `database schema version ${rows[0]?.value} is not supported (expected ${SCHEMA_VERSION})`,
        );
    } finally {
      await client.query('SELECT pg_advisory_unlock(1)').catch(() => {});
      client.release();
    }
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.pool.query(
      'SELECT size, root, note FROM cinnabar_checkpoints ORDER BY size DESC LIMIT 1',
    );
    return toCheckpoint(rows[0]);
  }

  async checkpointAt(size: number): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.pool.query(
      'SELECT size, root, note FROM cinnabar_checkpoints WHERE size = $1',
      [size],
    );
    return toCheckpoint(rows[0]);
  }

  async readEntries(start: number, count: number): Promise<Uint8Array[]> {
    const { rows } = await this.pool.query<{ data: Buffer }>(
      'SELECT data FROM cinnabar_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx',
      [start, start + count],
    );
    return rows.map((r) => asBytes(r.data));
  }

  async readTiles(keys: readonly TileKey[]): Promise<(StoredTile | undefined)[]> {
    if (keys.length === 0) return [];
    // Named (server-side prepared) statements: planned once per connection, not per proof.
    const { rows } = await this.pool.query<{ level: number; idx: string; width: number; data: Buffer }>({
      name: 'cinnabar_read_tiles',
      text:
        'SELECT t.level, t.idx, t.width, t.data FROM cinnabar_tiles t ' +
        'JOIN unnest($1::int[], $2::bigint[]) AS k(level, idx) ON t.level = k.level AND t.idx = k.idx',
      values: [keys.map((k) => k.level), keys.map((k) => k.index)],
    });
    const found = new Map(rows.map((r) => [`${r.level}/${r.idx}`, r]));
    return keys.map((k) => {
      const r = found.get(`${k.level}/${k.index}`);
      return r && { level: r.level, index: Number(r.idx), width: r.width, data: asBytes(r.data) };
    });
  }

  async countEntries(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT coalesce(max(idx) + 1, 0) AS n FROM cinnabar_entries',
    );
    return Number(rows[0]!.n);
  }

  async commit(batch: LogBatch): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ size: string }>(
        'SELECT coalesce(max(size), 0) AS size FROM cinnabar_checkpoints',
      );
      const size = Number(rows[0]!.size);
      if (size !== batch.firstIndex) throw new FenceError(batch.firstIndex, size);
      const indexes = batch.entries.map((_, i) => batch.firstIndex + i);
      if (indexes.length > 0)
        await client.query(
          'INSERT INTO cinnabar_entries (idx, data) SELECT * FROM unnest($1::bigint[], $2::bytea[])',
          [indexes, batch.entries.map(Buffer.from)],
        );
      if (batch.tiles.length > 0)
        await client.query(
          'INSERT INTO cinnabar_tiles (level, idx, width, data) ' +
            'SELECT * FROM unnest($1::int[], $2::bigint[], $3::int[], $4::bytea[]) ' +
            'ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, data = excluded.data',
          [
            batch.tiles.map((t) => t.level),
            batch.tiles.map((t) => t.index),
            batch.tiles.map((t) => t.width),
            batch.tiles.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
          ],
        );
      const c = batch.checkpoint;
      await client.query('INSERT INTO cinnabar_checkpoints (size, root, note) VALUES ($1, $2, $3)', [
        c.size,
        Buffer.from(c.rootHash),
        c.note,
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async tryAcquireWriterLock(): Promise<boolean> {
    if (this.lockClient) return true;
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(${WRITER_LOCK_KEY}::bigint) AS locked`,
    );
    if (!rows[0]?.locked) {
      await client.end();
      return false;
    }
    // The lock lives as long as this session: if the connection drops, another process may take it.
    client.on('error', (error) => this.loseLock(error));
    client.on('end', () => this.loseLock(new Error('writer lock connection closed')));
    this.lockClient = client;
    return true;
  }

  private loseLock(error: Error): void {
    if (!this.lockClient) return;
    this.lockClient = undefined;
    for (const listener of this.lockLostListeners) listener(error);
  }

  onWriterLockLost(listener: (error: Error) => void): void {
    this.lockLostListeners.push(listener);
  }

  async close(): Promise<void> {
    const lock = this.lockClient;
    this.lockClient = undefined;
    if (lock) await lock.end().catch(() => {});
    await this.pool.end();
  }
}

/** A plain Uint8Array view of a driver's Buffer, so callers compare bytes, not classes. */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function toCheckpoint(
  row: { size: string; root: Buffer; note: string } | undefined,
): StoredCheckpoint | undefined {
  return row && { size: Number(row.size), rootHash: new Uint8Array(row.root), note: row.note };
}
