import { LEDGER_KEY, type LedgerRecord } from '@cinnabar/core';
import pg from 'pg';
import { type PlaceRow, placeIndexOf, type VersionRow } from '../ledger/place-index.js';
import type { StoredTile } from '../log/stored-tile.js';
import {
  ACTIVITY_KINDS,
  type ActivityKind,
  type ActivityRow,
  activityRows,
  BACKFILL_KINDS,
  backfillActivity,
  type MoveKind,
  type MoveRow,
  POLICY_ENTRY_SUFFIXES,
  type PolicyChange,
  policyChanges,
  readsKind,
} from '../supervision/activity.js';
import {
  ACTIVITY_COLUMNS,
  type ActivitySqlRow,
  activityFromSql,
  activitySelect,
  assetConditions,
  FREEZE_PARTIES_BACKFILL,
  holdersSelect,
  LICENCE_PARTIES_BACKFILL,
  partySelect,
  placeSelect,
  prefixEnd,
  priceSum,
} from './ledger-queries.js';
import {
  type AccessLogEntry,
  type AccessLogQuery,
  type AccessLogRow,
  type ActivityDayCount,
  type ActivityQuery,
  type AssetQuery,
  type EntryRange,
  FenceError,
  type ImageRegistration,
  type LedgerReads,
  type LogBatch,
  type LogReads,
  type LogStorage,
  type MarkRow,
  type MediaRow,
  type PartyQuery,
  type PlaceMatch,
  type PlaceQuery,
  type RealNameRow,
  type StatsReads,
  type StoredCheckpoint,
  type SupervisionReads,
  type TileKey,
} from './log-storage.js';
import {
  imageRegistrationsSelect,
  itemMovesSelects,
  moveKinds,
  movesSelect,
  POSTGRES_TABLES,
  realNamesSelect,
} from './supervision-queries.js';

const SCHEMA_VERSION = '5';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cinnabar_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS cinnabar_entries (idx bigint PRIMARY KEY, data bytea NOT NULL);
CREATE TABLE IF NOT EXISTS cinnabar_tiles (
  level integer NOT NULL, idx bigint NOT NULL, width integer NOT NULL, data bytea NOT NULL,
  PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS cinnabar_checkpoints (size bigint PRIMARY KEY, root bytea NOT NULL, note text NOT NULL);
CREATE TABLE IF NOT EXISTS cinnabar_state (
  key text COLLATE "C" PRIMARY KEY, kind text NOT NULL, value text NOT NULL,
  owner text, media text, search text, idx bigint NOT NULL, party text
);
CREATE INDEX IF NOT EXISTS cinnabar_state_kind ON cinnabar_state (kind, idx);
CREATE INDEX IF NOT EXISTS cinnabar_state_owner ON cinnabar_state (owner, kind, idx) WHERE owner IS NOT NULL;
CREATE TABLE IF NOT EXISTS cinnabar_asset_media (
  asset text PRIMARY KEY, cid text NOT NULL, phash text, geometry text, idx bigint NOT NULL
);
-- Which works' content changed since an entry (the alert rules, brought up to date).
CREATE INDEX IF NOT EXISTS cinnabar_asset_media_idx ON cinnabar_asset_media (idx);
-- The place index (version 4): each asset revision's grid cells, and each revision's valid days.
CREATE TABLE IF NOT EXISTS cinnabar_asset_places (
  cell text COLLATE "C" NOT NULL, asset text NOT NULL, revision integer NOT NULL,
  south bigint NOT NULL, west bigint NOT NULL, north bigint NOT NULL, east bigint NOT NULL,
  valid_from text, valid_to text, idx bigint NOT NULL,
  PRIMARY KEY (cell, asset, revision)
);
CREATE TABLE IF NOT EXISTS cinnabar_asset_versions (
  asset text NOT NULL, revision integer NOT NULL, valid_from text, valid_to text,
  PRIMARY KEY (asset, revision)
);
CREATE TABLE IF NOT EXISTS cinnabar_asset_marks (
  asset text NOT NULL, other text NOT NULL, reason text NOT NULL, distance integer NOT NULL,
  PRIMARY KEY (asset, other, reason)
);
-- The market's activity (version 5): one row an entry that registered, moved, sold, listed or
-- licensed an item (supervision/activity.ts), and the policies the ledger took on.
CREATE TABLE IF NOT EXISTS cinnabar_activity (
  idx bigint PRIMARY KEY, kind text NOT NULL, time bigint NOT NULL, asset text NOT NULL,
  edition integer NOT NULL, from_did text NOT NULL, to_did text, price_fen bigint, media text, grade text
);
CREATE INDEX IF NOT EXISTS cinnabar_activity_time ON cinnabar_activity (time);
CREATE INDEX IF NOT EXISTS cinnabar_activity_asset ON cinnabar_activity (asset, kind);
CREATE TABLE IF NOT EXISTS cinnabar_policy_changes (idx bigint PRIMARY KEY, regime text NOT NULL, policy text NOT NULL);
-- Reads of graded content (GB/T 43697-2024): not on the log, nothing to backfill.
CREATE TABLE IF NOT EXISTS cinnabar_access_log (
  id bigserial PRIMARY KEY, time bigint NOT NULL, did text NOT NULL, asset text NOT NULL,
  cid text NOT NULL, target text NOT NULL, range text, outcome text NOT NULL, basis text
);
CREATE INDEX IF NOT EXISTS cinnabar_access_log_asset ON cinnabar_access_log (asset, id);
INSERT INTO cinnabar_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT DO NOTHING;
-- Version 1 had only the log's tables, which later versions keep as they were; version 3 added
-- the party column (a licence's grantor, a sale's seller) and fills it for the licences before it.
ALTER TABLE cinnabar_state ADD COLUMN IF NOT EXISTS party text;
CREATE INDEX IF NOT EXISTS cinnabar_state_party ON cinnabar_state (party, kind, idx) WHERE party IS NOT NULL;
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM cinnabar_meta WHERE key = 'schema_version' AND value IN ('1', '2')) THEN
    ${LICENCE_PARTIES_BACKFILL.postgres};
  END IF;
  IF EXISTS (SELECT 1 FROM cinnabar_meta WHERE key = 'schema_version' AND value IN ('1', '2', '3', '4')) THEN
    ${FREEZE_PARTIES_BACKFILL.postgres};
  END IF;
  -- Version 4 added the place index, version 5 the activity; init fills them for the state before.
  UPDATE cinnabar_meta SET value = '${SCHEMA_VERSION}' WHERE key = 'schema_version' AND value IN ('1', '2', '3', '4');
END $$;
`;

// Advisory lock keys, namespaced so they do not collide with other applications' locks:
// "cinnabar" and "cinnabaS" in ASCII, as signed 64-bit integers.
/** Held for its whole life by the one process that sequences. */
const WRITER_LOCK_KEY = '7163378102668779890'; // 0x63696e6e61626172
/** Held briefly while a process creates or checks the schema. */
const SCHEMA_LOCK_KEY = '7163378102668779891'; // 0x63696e6e61626173

type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** The read queries, over a pool (each query its own snapshot) or one transaction's client. */
class PostgresReads implements LogReads, LedgerReads, SupervisionReads, StatsReads {
  constructor(private readonly db: Queryable) {}

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.db.query(
      'SELECT size, root, note FROM cinnabar_checkpoints ORDER BY size DESC LIMIT 1',
    );
    return toCheckpoint(rows[0]);
  }

  async checkpointAt(size: number): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.db.query(
      'SELECT size, root, note FROM cinnabar_checkpoints WHERE size = $1',
      [size],
    );
    return toCheckpoint(rows[0]);
  }

  async readEntries(start: number, count: number): Promise<Uint8Array[]> {
    const { rows } = await this.db.query<{ data: Buffer }>(
      'SELECT data FROM cinnabar_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx',
      [start, start + count],
    );
    return rows.map((r) => asBytes(r.data));
  }

  async readTiles(keys: readonly TileKey[]): Promise<(StoredTile | undefined)[]> {
    if (keys.length === 0) return [];
    // Named (server-side prepared) statements: planned once per connection, not per proof.
    const { rows } = await this.db.query<{ level: number; idx: string; width: number; data: Buffer }>({
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
    const { rows } = await this.db.query<{ n: string }>(
      'SELECT coalesce(max(idx) + 1, 0) AS n FROM cinnabar_entries',
    );
    return Number(rows[0]!.n);
  }
  async readState(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.db.query<{ key: string; value: string }>(
      'SELECT key, value FROM cinnabar_state WHERE key = ANY($1::text[])',
      [keys],
    );
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async scanState(prefix: string, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ value: string }>(
      'SELECT value FROM cinnabar_state WHERE key >= $1 AND key < $2 ORDER BY key LIMIT $3',
      [prefix, prefixEnd(prefix), limit],
    );
    return rows.map((r) => r.value);
  }

  async queryAssets(query: AssetQuery): Promise<string[]> {
    const { where, params } = assetConditions(query, (n) => `$${n}`);
    const { rows } = await this.db.query<{ value: string }>(
      `SELECT value FROM cinnabar_state WHERE ${where.join(' AND ')} ORDER BY idx DESC LIMIT $${params.length + 1}`,
      [...params, query.limit],
    );
    return rows.map((r) => r.value);
  }

  async queryPlaces(query: PlaceQuery): Promise<PlaceMatch[]> {
    const { sql, params } = placeSelect(
      query,
      { places: 'cinnabar_asset_places', versions: 'cinnabar_asset_versions' },
      (n) => `$${n}`,
      'postgres',
    );
    const { rows } = await this.db.query<{ asset: string; revision: number; idx: string }>(sql, params);
    return rows.map((r) => ({ asset: r.asset, revision: r.revision, idx: Number(r.idx) }));
  }

  async queryParty(query: PartyQuery): Promise<{ key: string; idx: number; value: string }[]> {
    const { sql, params } = partySelect('cinnabar_state', query, (n) => `$${n}`);
    const { rows } = await this.db.query<{ key: string; idx: string; value: string }>(sql, params);
    return rows.map((r) => ({ key: r.key, idx: Number(r.idx), value: r.value }));
  }

  async countRecords(kinds: readonly string[]): Promise<Record<string, number>> {
    const counts: Record<string, number> = Object.fromEntries(kinds.map((kind) => [kind, 0]));
    if (kinds.length === 0) return counts;
    const { rows } = await this.db.query<{ kind: string; n: string }>(
      'SELECT kind, count(*) AS n FROM cinnabar_state WHERE kind = ANY($1::text[]) GROUP BY kind',
      [kinds],
    );
    for (const row of rows) counts[row.kind] = Number(row.n);
    return counts;
  }

  async readMarks(asset: string): Promise<MarkRow[]> {
    const { rows } = await this.db.query<MarkRow>(
      'SELECT asset, other, reason, distance FROM cinnabar_asset_marks WHERE asset = $1 ORDER BY other',
      [asset],
    );
    return rows;
  }

  async readMedia(): Promise<MediaRow[]> {
    const { rows } = await this.db.query<MediaRow & { idx: string }>(
      'SELECT asset, cid, phash, geometry, idx FROM cinnabar_asset_media ORDER BY idx',
    );
    return rows.map((r) => ({ ...r, idx: Number(r.idx) }));
  }

  async activityByDay(query: ActivityQuery): Promise<ActivityDayCount[]> {
    const { sql, params } = activitySelect(query, 'cinnabar_activity', (n) => `$${n}`);
    const { rows } = await this.db.query<{
      day: string;
      kind: ActivityKind;
      grp: string | null;
      n: string;
      hi: string | null;
      lo: string | null;
    }>(sql, params);
    return rows.map((r) => ({
      day: Number(r.day),
      kind: r.kind,
      group: r.grp,
      count: Number(r.n),
      priceFen: priceSum(r.hi, r.lo),
    }));
  }

  async readActivity(kinds: readonly ActivityKind[]): Promise<ActivityRow[]> {
    const wanted = kinds.filter((k) => ACTIVITY_KINDS.includes(k));
    if (wanted.length === 0) return [];
    const { rows } = await this.db.query<ActivitySqlRow>(
      'SELECT idx, kind, time, asset, edition, from_did, to_did, price_fen::text AS price, media, grade ' +
        'FROM cinnabar_activity WHERE kind = ANY($1::text[]) ORDER BY idx',
      [wanted],
    );
    return rows.map(activityFromSql);
  }

  async readMoves(kinds: readonly MoveKind[], range?: EntryRange): Promise<MoveRow[]> {
    const wanted = moveKinds(kinds);
    if (wanted.length === 0) return [];
    const { sql, params } = movesSelect(POSTGRES_TABLES, wanted, range);
    return (await this.db.query<MoveRow>(sql, params)).rows;
  }

  async readItemMoves(
    kinds: readonly MoveKind[],
    assets: readonly string[],
    range?: EntryRange,
  ): Promise<MoveRow[]> {
    const wanted = moveKinds(kinds);
    if (wanted.length === 0) return [];
    const rows: MoveRow[] = [];
    for (const { sql, params } of itemMovesSelects(POSTGRES_TABLES, wanted, assets, range))
      rows.push(...(await this.db.query<MoveRow>(sql, params)).rows);
    return rows.sort((a, b) => a.idx - b.idx);
  }

  async readPolicyChanges(): Promise<PolicyChange[]> {
    const { rows } = await this.db.query<PolicyChange & { idx: string }>(
      'SELECT idx, regime, policy FROM cinnabar_policy_changes ORDER BY idx',
    );
    return rows.map((r) => ({ ...r, idx: Number(r.idx) }));
  }

  async topHolders(limit: number): Promise<{ owner: string; items: number }[]> {
    const { rows } = await this.db.query<{ owner: string; items: string }>(
      holdersSelect('cinnabar_state', '$1', 'postgres'),
      [limit],
    );
    return rows.map((r) => ({ owner: r.owner, items: Number(r.items) }));
  }

  async readRealNames(writtenFrom?: number): Promise<RealNameRow[]> {
    const { sql, params } = realNamesSelect(POSTGRES_TABLES, writtenFrom);
    return (await this.db.query<RealNameRow>(sql, params)).rows;
  }

  async readImageRegistrations(range?: EntryRange): Promise<ImageRegistration[]> {
    const { sql, params } = imageRegistrationsSelect(POSTGRES_TABLES, range);
    return (await this.db.query<ImageRegistration>(sql, params)).rows;
  }
}

/**
 * PostgreSQL storage: several API processes share one database; exactly one of them holds the
 * writer lock (a session advisory lock) and sequences. Its commits run on the very session that
 * holds the lock, so a writer whose session died cannot commit. Each commit is one transaction with
 * synchronous_commit forced on, so it is durable when COMMIT returns.
 */
export class PostgresStorage extends PostgresReads implements LogStorage {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private lockClient: pg.Client | undefined;
  private readonly lockLostListeners: ((error: Error) => void)[] = [];

  constructor(
    private readonly url: string,
    poolSize = 8,
  ) {
    // No JIT: the node's queries are short, and compiling one took longer than running it (a spatial
    // query at a million places spent 247 of its 506 ms in JIT; BENCHMARKS.md).
    const pool = new pg.Pool({ connectionString: url, max: poolSize, options: '-c jit=off' });
    super(pool);
    this.pool = pool;
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
  }

  async init(): Promise<void> {
    const client = await this.pool.connect();
    try {
      // Serialize schema creation between processes starting together.
      await client.query(`SELECT pg_advisory_lock(${SCHEMA_LOCK_KEY}::bigint)`);
      await client.query(SCHEMA);
      const { rows } = await client.query<{ value: string }>(
        "SELECT value FROM cinnabar_meta WHERE key = 'schema_version'",
      );
      if (rows[0]?.value !== SCHEMA_VERSION)
        throw new Error(
          `database schema version ${rows[0]?.value} is not supported (expected ${SCHEMA_VERSION})`,
        );
      await indexPlaces(client);
      await indexActivity(client);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${SCHEMA_LOCK_KEY}::bigint)`).catch(() => {});
      client.release();
    }
  }

  /** Any process of the node appends (not only the sequencer); durable when it returns. */
  async appendAccess(e: AccessLogEntry): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = on');
      await client.query(
        'INSERT INTO cinnabar_access_log (time, did, asset, cid, target, range, outcome, basis) ' +
          'VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [e.time, e.did, e.asset, e.cid, e.target, e.range, e.outcome, e.basis],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async readAccessLog(query: AccessLogQuery): Promise<AccessLogRow[]> {
    const { rows } = await this.pool.query<Omit<AccessLogRow, 'id' | 'time'> & { id: string; time: string }>(
      'SELECT id, time, did, asset, cid, target, range, outcome, basis FROM cinnabar_access_log ' +
        'WHERE asset = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
      [query.asset, query.before ?? Number.MAX_SAFE_INTEGER, query.limit],
    );
    // bigint columns come back as strings.
    return rows.map((r) => ({ ...r, id: Number(r.id), time: Number(r.time) }));
  }

  /** All reads of `fn` see one consistent snapshot, whatever the writer commits meanwhile. */
  async snapshot<T>(fn: (reads: LogReads) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(new PostgresReads(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async commit(batch: LogBatch): Promise<void> {
    // The writer commits on the session that holds its lock: if that session is gone, so is the
    // right to append.
    const client = this.lockClient;
    if (!client) throw new Error('this process does not hold the writer lock');
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = on');
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
      if (batch.ledger) await writeLedger(client, batch.ledger, batch);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  holdsWriterLock(): boolean {
    return this.lockClient !== undefined;
  }

  async tryAcquireWriterLock(): Promise<boolean> {
    if (this.lockClient) return true;
    // keepAlive: a half-open connection is noticed, and with it the loss of the lock.
    const client = new pg.Client({ connectionString: this.url, keepAlive: true });
    client.on('error', (error) => this.loseLock(client, error));
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock(${WRITER_LOCK_KEY}::bigint) AS locked`,
      );
      if (!rows[0]?.locked) {
        await client.end();
        return false;
      }
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    // The lock lives as long as this session: if the connection drops, another process may take it.
    client.on('end', () => this.loseLock(client, new Error('writer lock connection closed')));
    this.lockClient = client;
    return true;
  }

  async releaseWriterLock(): Promise<void> {
    const lock = this.lockClient;
    this.lockClient = undefined;
    if (lock) await lock.end().catch(() => {});
  }

  private loseLock(client: pg.Client, error: Error): void {
    if (this.lockClient !== client) return;
    this.lockClient = undefined;
    for (const listener of this.lockLostListeners) listener(error);
  }

  onWriterLockLost(listener: (error: Error) => void): void {
    this.lockLostListeners.push(listener);
  }

  async close(): Promise<void> {
    await this.releaseWriterLock();
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

/** Fill the place index from the asset revisions stored before version 4 (once). */
async function indexPlaces(client: pg.ClientBase): Promise<void> {
  const done = await client.query("SELECT 1 FROM cinnabar_meta WHERE key = 'places_indexed'");
  if (done.rowCount) return;
  const { rows } = await client.query<{ value: string }>(
    "SELECT value FROM cinnabar_state WHERE kind = 'asset-revision' ORDER BY key",
  );
  const { places, versions } = placeIndexOf(rows.map((r) => r.value));
  await client.query('BEGIN');
  try {
    await writePlaces(client, places, versions);
    await client.query("INSERT INTO cinnabar_meta (key, value) VALUES ('places_indexed', '1')");
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function writePlaces(
  client: pg.ClientBase,
  places: readonly PlaceRow[],
  versions: readonly VersionRow[],
): Promise<void> {
  if (places.length > 0)
    await client.query(
      'INSERT INTO cinnabar_asset_places (cell, asset, revision, south, west, north, east, valid_from, valid_to, idx) ' +
        'SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::bigint[]) ' +
        'ON CONFLICT (cell, asset, revision) DO NOTHING',
      [
        places.map((r) => r.cell),
        places.map((r) => r.asset),
        places.map((r) => r.revision),
        places.map((r) => r.south),
        places.map((r) => r.west),
        places.map((r) => r.north),
        places.map((r) => r.east),
        places.map((r) => r.validFrom),
        places.map((r) => r.validTo),
        places.map((r) => r.idx),
      ],
    );
  if (versions.length > 0)
    await client.query(
      'INSERT INTO cinnabar_asset_versions (asset, revision, valid_from, valid_to) ' +
        'SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[]) ON CONFLICT (asset, revision) DO NOTHING',
      [
        versions.map((v) => v.asset),
        versions.map((v) => v.revision),
        versions.map((v) => v.validFrom),
        versions.map((v) => v.validTo),
      ],
    );
}

/** Fill the activity and policy tables from the state and entries stored before version 5 (once). */
async function indexActivity(client: pg.ClientBase): Promise<void> {
  const done = await client.query("SELECT 1 FROM cinnabar_meta WHERE key = 'activity_indexed'");
  if (done.rowCount) return;
  await client.query('BEGIN');
  try {
    await backfillActivity(
      async (after, limit) =>
        (
          await client.query<{ key: string; kind: string; value: string; media: string | null }>(
            "SELECT key, kind, CASE WHEN kind = 'asset' THEN '' ELSE value END AS value, media FROM cinnabar_state " +
              'WHERE key > $1 AND kind = ANY($2::text[]) ORDER BY key LIMIT $3',
            [after, BACKFILL_KINDS, limit],
          )
        ).rows,
      (rows) => writeActivity(client, rows),
    );
    const ledger = await client.query<{ value: string }>('SELECT value FROM cinnabar_state WHERE key = $1', [
      LEDGER_KEY,
    ]);
    if (ledger.rows[0]) {
      const { rows } = await client.query<{ idx: string; data: Buffer }>(
        'SELECT idx, data FROM cinnabar_entries WHERE ' +
          POLICY_ENTRY_SUFFIXES.map(
            (_, i) =>
              `substring(data from octet_length(data) - octet_length($${i + 1}::bytea) + 1) = $${i + 1}::bytea`,
          ).join(' OR ') +
          ' ORDER BY idx',
        POLICY_ENTRY_SUFFIXES.map((suffix) => Buffer.from(suffix)),
      );
      const changes = policyChanges(
        rows.map((r) => ({ idx: Number(r.idx), entry: new Uint8Array(r.data) })),
        JSON.parse(ledger.rows[0].value) as LedgerRecord,
      );
      await writePolicyChanges(client, changes);
    }
    await client.query("INSERT INTO cinnabar_meta (key, value) VALUES ('activity_indexed', '1')");
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Activity rows; a work's media type and grade, after its registration, from its registration's row. */
async function writeActivity(client: pg.ClientBase, rows: readonly ActivityRow[]): Promise<void> {
  const registrations = rows.filter((r) => r.kind === 'registration');
  const others = rows.filter((r) => r.kind !== 'registration');
  for (const part of [registrations, others]) {
    if (part.length === 0) continue;
    await client.query(
      `INSERT INTO cinnabar_activity (${ACTIVITY_COLUMNS}) ` +
        'SELECT u.idx, u.kind, u.time, u.asset, u.edition, u.from_did, u.to_did, u.price_fen, ' +
        'coalesce(u.media, r.media), coalesce(u.grade, r.grade) ' +
        'FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[]) ' +
        `AS u(${ACTIVITY_COLUMNS}) ` +
        "LEFT JOIN cinnabar_activity r ON r.asset = u.asset AND r.kind = 'registration' " +
        'ON CONFLICT (idx) DO NOTHING',
      [
        part.map((r) => r.idx),
        part.map((r) => r.kind),
        part.map((r) => r.time),
        part.map((r) => r.asset),
        part.map((r) => r.edition),
        part.map((r) => r.from),
        part.map((r) => r.to),
        part.map((r) => (r.priceFen === null ? null : r.priceFen.toString())),
        part.map((r) => r.media),
        part.map((r) => r.grade),
      ],
    );
  }
}

async function writePolicyChanges(client: pg.ClientBase, changes: readonly PolicyChange[]): Promise<void> {
  for (const c of changes)
    await client.query(
      'INSERT INTO cinnabar_policy_changes (idx, regime, policy) VALUES ($1, $2, $3) ' +
        'ON CONFLICT (idx) DO UPDATE SET regime = excluded.regime, policy = excluded.policy',
      [c.idx, c.regime, c.policy],
    );
}

async function writeLedger(
  client: pg.ClientBase,
  ledger: NonNullable<LogBatch['ledger']>,
  batch: LogBatch,
): Promise<void> {
  const { rows, media, marks } = ledger;
  if (rows.length > 0)
    await client.query(
      'INSERT INTO cinnabar_state (key, kind, value, owner, party, media, search, idx) ' +
        'SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[]) ' +
        'ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, value = excluded.value, owner = excluded.owner, ' +
        'party = excluded.party, media = excluded.media, search = excluded.search, idx = excluded.idx',
      [
        rows.map((r) => r.key),
        rows.map((r) => r.kind),
        rows.map((r) => r.value),
        rows.map((r) => r.owner),
        rows.map((r) => r.party),
        rows.map((r) => r.media),
        rows.map((r) => r.search),
        rows.map((r) => r.idx),
      ],
    );
  for (const m of media)
    await client.query(
      'INSERT INTO cinnabar_asset_media (asset, cid, phash, geometry, idx) VALUES ($1, $2, $3, $4, $5) ' +
        'ON CONFLICT (asset) DO UPDATE SET cid = excluded.cid, phash = excluded.phash, geometry = excluded.geometry',
      [m.asset, m.cid, m.phash, m.geometry, m.idx],
    );
  await writePlaces(client, ledger.places ?? [], ledger.versions ?? []);
  for (const m of marks)
    await client.query(
      'INSERT INTO cinnabar_asset_marks (asset, other, reason, distance) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [m.asset, m.other, m.reason, m.distance],
    );
  await writeActivity(
    client,
    activityRows(
      rows.filter((r) => readsKind(r.kind)),
      batch.firstIndex,
    ),
  );
  const ledgerRow = rows.find((r) => r.key === LEDGER_KEY);
  if (ledgerRow)
    await writePolicyChanges(
      client,
      policyChanges(
        batch.entries.map((entry, i) => ({ idx: batch.firstIndex + i, entry })),
        JSON.parse(ledgerRow.value) as LedgerRecord,
      ),
    );
}
