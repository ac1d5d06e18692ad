// Spatial queries of the node's place index (packages/node/src/ledger/place-index.ts) at a million
// registered places, on either backend: the latency of searchPlaces (what GET /v1/assets?cell=|bbox=|
// near=&radius=[&at=] runs, with its reads of the assets) for cells, boxes and distances in cities.
//
// The data: `assets` assets, each with its asset/<id> record, its revision-0 record (and, for 5%, a
// revision 1 with another time span), and their place index rows (placeRows), written straight into
// a fresh storage (init() makes the schema). SQLite: by the storage's own commit(), 50,000 assets a
// transaction, with one small log entry per record index so that the commit's fence and checkpoint
// hold as in a node (random keys dirty most index pages a commit touches, so fewer, larger commits
// write far less: 10,000 a commit took 214 s, 50,000 take ~160 s). PostgreSQL: by bulk SQL, 10,000
// assets a statement on a connection of its own, ~3 times faster than commit(), whose text[]
// parameters cost more to escape and parse than the rows cost to write; no log entries.
// Places: 70% within ~10 km (normal scatter) of one of 33 Chinese cities, weighted by population,
// 30% uniform over 18-53°N, 73-135°E; 90% points at level 10, 10% boxes of 40-140 m a side at level 6
// (a few cells each). Time spans: none for 40%, a start year (and for half of those an end year) for
// the rest; the revised 5% run 1990-2009 in revision 0 and from 2010 in revision 1. Every asset's
// data comes from its own seeded PRNG (mulberry32), so a query can find any asset's place again
// without the data in memory. A built SQLite file is kept under the bench cache and reused; the
// PostgreSQL data lives in a throwaway cluster and is rebuilt (and VACUUM ANALYZEd, as autovacuum
// would do) on every run.
//
// The queries: centres at the places of random city assets (a sample of the city distribution that
// is sure to hold something), the same centres for every kind of query, one at a time after a
// warm-up; limit 20, as the HTTP route's default page.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AssetMetadata,
  type AssetRecord,
  type AssetRevisionRecord,
  assetKey,
  assetRevisionKey,
  base32Encode,
  encodeGrid,
  type LogRef,
  type Place,
} from '@cinnabar/core';
import { type LedgerReads, type LogStorage, PostgresStorage, SqliteStorage } from '@cinnabar/node';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type SpatialParams, searchPlaces } from '../../packages/node/src/http/place-search.js';
import { stateRow } from '../../packages/node/src/ledger/node-ledger.js';
import { type PlaceRow, placeRows, type VersionRow } from '../../packages/node/src/ledger/place-index.js';
import { placeSelect } from '../../packages/node/src/storage/ledger-queries.js';
import type { PlaceQuery, StateRow } from '../../packages/node/src/storage/log-storage.js';
import { fmt, mulberry32, nowMs, quantile } from '../support.js';

/** Bump when the generated data changes: a cached SQLite file of another version is built again. */
const DATA_VERSION = 1;

export interface PlacesOptions {
  backend: 'sqlite' | 'postgres';
  /** PostgreSQL: a fresh database. */
  databaseUrl?: string;
  /** SQLite: where the built file is kept between runs. */
  cacheDir: string;
  assets?: number;
  /** Assets per transaction: 50,000 on SQLite, 10,000 on PostgreSQL unless given. */
  batch?: number;
  /** Timed queries per kind, and untimed ones before them. */
  queries?: number;
  warmup?: number;
  limit?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface PlacesKindResult {
  kind: string;
  /** The parameters of the first timed query, for example. */
  example: SpatialParams;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  meanItems: number;
  /** Share of the queries that found nothing. */
  empty: number;
  /** storage.queryPlaces calls per search (a near query reads pages until it has `limit` within range). */
  meanPlaceQueries: number;
  /** Share of the time spent in storage.queryPlaces (the place SQL); the rest reads asset records. */
  placeSqlShare: number;
}

export interface PlacesResult {
  backend: string;
  assets: number;
  rows: { places: number; versions: number; state: number };
  build: {
    method: string;
    /** Undefined where the SQLite file was reused from the cache (see cachedBuildSeconds). */
    seconds?: number;
    cachedBuildSeconds?: number;
    /** Node's own share: making the records, their JSON and their index rows. */
    generateSeconds?: number;
    /** PostgreSQL: VACUUM ANALYZE of the place and state tables after loading. */
    vacuumAnalyzeSeconds?: number;
  };
  queries: number;
  warmup: number;
  limit: number;
  kinds: PlacesKindResult[];
  sizes: {
    /** SQLite: the database file (after a checkpoint). */
    fileBytes?: number;
    /** PostgreSQL: pg_database_size. */
    databaseBytes?: number;
    /**
     * Tables with their indexes: SQLite from dbstat, PostgreSQL pg_total_relation_size (and, under
     * "<table> (indexes)", pg_indexes_size: the part of it that is indexes).
     */
    tables: Record<string, number>;
  };
  /** The kind with the highest p95: the place SQL of its slowest query, its plan and its time alone. */
  slowest: { kind: string; sql: string; params: (string | number)[]; plan: string[]; ms: number };
}

/** Cities and their weights (urban population, millions, roughly). */
const CITIES: { name: string; lat: number; lng: number; weight: number }[] = [
  { name: 'Beijing', lat: 39.9042, lng: 116.4074, weight: 21 },
  { name: 'Shanghai', lat: 31.2304, lng: 121.4737, weight: 24 },
  { name: 'Guangzhou', lat: 23.1291, lng: 113.2644, weight: 18 },
  { name: 'Shenzhen', lat: 22.5431, lng: 114.0579, weight: 17 },
  { name: 'Chengdu', lat: 30.5728, lng: 104.0668, weight: 16 },
  { name: 'Chongqing', lat: 29.563, lng: 106.5516, weight: 15 },
  { name: 'Wuhan', lat: 30.5928, lng: 114.3055, weight: 12 },
  { name: "Xi'an", lat: 34.3416, lng: 108.9398, weight: 12 },
  { name: 'Hangzhou', lat: 30.2741, lng: 120.1551, weight: 12 },
  { name: 'Nanjing', lat: 32.0603, lng: 118.7969, weight: 9 },
  { name: 'Tianjin', lat: 39.3434, lng: 117.3616, weight: 13 },
  { name: 'Suzhou', lat: 31.2989, lng: 120.5853, weight: 12 },
  { name: 'Zhengzhou', lat: 34.7466, lng: 113.6254, weight: 12 },
  { name: 'Changsha', lat: 28.2282, lng: 112.9388, weight: 10 },
  { name: 'Shenyang', lat: 41.8057, lng: 123.4315, weight: 9 },
  { name: 'Qingdao', lat: 36.0671, lng: 120.3826, weight: 10 },
  { name: 'Dongguan', lat: 23.0207, lng: 113.7518, weight: 10 },
  { name: 'Foshan', lat: 23.0218, lng: 113.1219, weight: 9 },
  { name: 'Harbin', lat: 45.8038, lng: 126.5349, weight: 10 },
  { name: 'Kunming', lat: 24.8801, lng: 102.8329, weight: 8 },
  { name: 'Jinan', lat: 36.6512, lng: 117.1201, weight: 9 },
  { name: 'Hefei', lat: 31.8206, lng: 117.2272, weight: 9 },
  { name: 'Dalian', lat: 38.914, lng: 121.6147, weight: 7 },
  { name: 'Xiamen', lat: 24.4798, lng: 118.0894, weight: 5 },
  { name: 'Fuzhou', lat: 26.0745, lng: 119.2965, weight: 8 },
  { name: 'Nanning', lat: 22.817, lng: 108.3665, weight: 8 },
  { name: 'Changchun', lat: 43.8171, lng: 125.3235, weight: 9 },
  { name: 'Shijiazhuang', lat: 38.0428, lng: 114.5149, weight: 11 },
  { name: 'Taiyuan', lat: 37.8706, lng: 112.5489, weight: 5 },
  { name: 'Urumqi', lat: 43.8256, lng: 87.6168, weight: 4 },
  { name: 'Lanzhou', lat: 36.0611, lng: 103.8343, weight: 4 },
  { name: 'Guiyang', lat: 26.647, lng: 106.6302, weight: 6 },
  { name: 'Nanchang', lat: 28.682, lng: 115.8579, weight: 6 },
];
const CUMULATIVE_WEIGHTS = CITIES.map((_, i) => CITIES.slice(0, i + 1).reduce((s, c) => s + c.weight, 0));
const TOTAL_WEIGHT = CUMULATIVE_WEIGHTS.at(-1)!;
const CITY_SHARE = 0.7;
const SCATTER_KM = 10;
const BOX_SHARE = 0.1;
const REVISED_SHARE = 0.05;
const KM_PER_DEGREE = 111.32;
const MEDIA_TYPES = ['model/gltf-binary', 'image/jpeg', 'image/tiff', 'application/pdf'];
const OWNERS = 1000;
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const START_MS = Date.parse('2025-01-01T00:00:00Z');

const round7 = (n: number) => Math.round(n * 1e7) / 1e7;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One asset as generated: where it is, how its place is given, its revisions' time spans. */
interface AssetSpec {
  id: string;
  city: string | undefined;
  lat: number;
  lng: number;
  place: Place;
  /** One per revision. */
  spans: ({ start: string; end?: string } | undefined)[];
  owner: number;
  mediaType: string;
  size: number;
}

function assetSpec(seed: number, i: number): AssetSpec {
  const random = mulberry32((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  let lat: number;
  let lng: number;
  let city: string | undefined;
  if (random() < CITY_SHARE) {
    const pick = random() * TOTAL_WEIGHT;
    const c = CITIES[CUMULATIVE_WEIGHTS.findIndex((w) => pick < w)] ?? CITIES.at(-1)!;
    city = c.name;
    lat = c.lat + (gaussian() * SCATTER_KM) / KM_PER_DEGREE;
    lng = c.lng + (gaussian() * SCATTER_KM) / (KM_PER_DEGREE * Math.cos((c.lat * Math.PI) / 180));
  } else {
    lat = 18 + random() * 35;
    lng = 73 + random() * 62;
  }
  lat = round7(lat);
  lng = round7(lng);
  let place: Place;
  if (random() < BOX_SHARE) {
    // 40-140 m a side: 2-3 level-6 cells (2" x 2", ~62 m x ~50 m) each way.
    const halfNorth = (20 + random() * 50) / 1000 / KM_PER_DEGREE;
    const halfEast = (20 + random() * 50) / 1000 / (KM_PER_DEGREE * Math.cos((lat * Math.PI) / 180));
    place = {
      box: {
        south: round7(lat - halfNorth),
        west: round7(lng - halfEast),
        north: round7(lat + halfNorth),
        east: round7(lng + halfEast),
      },
      level: 6,
    };
  } else place = { point: { lat, lng }, level: 10 };
  let spans: AssetSpec['spans'];
  if (random() < REVISED_SHARE) spans = [{ start: '1990', end: '2009' }, { start: '2010' }];
  else if (random() < 0.4) spans = [undefined];
  else {
    const start = 1900 + Math.floor(random() * 125);
    spans = [
      random() < 0.5
        ? { start: String(start), end: String(Math.min(2025, start + Math.floor(random() * 40))) }
        : { start: String(start) },
    ];
  }
  return {
    id: sha256(`places:${seed}:${i}`),
    city,
    lat,
    lng,
    place,
    spans,
    owner: Math.floor(random() * OWNERS),
    mediaType: MEDIA_TYPES[Math.floor(random() * MEDIA_TYPES.length)]!,
    size: 10_000 + Math.floor(random() * 50_000_000),
  };
}

function owners(seed: number): string[] {
  const random = mulberry32(seed ^ 0x5eed);
  return Array.from({ length: OWNERS }, () => {
    let key = 'did:key:z6Mk';
    for (let i = 0; i < 44; i++) key += BASE58[Math.floor(random() * BASE58.length)];
    return key;
  });
}

/** Not the CID of anything: the right shape (bafkrei and 52 base32 characters). */
function cidOf(id: string): string {
  return `bafkrei${base32Encode(createHash('sha256').update(id).digest())}`;
}

interface Generated {
  rows: StateRow[];
  places: PlaceRow[];
  versions: VersionRow[];
  /** Log indexes the records take. */
  indexes: number;
}

/** The records of asset `i`, registered at log index `index` (and revised at `index + 1`). */
function generate(seed: number, i: number, index: number, dids: readonly string[], out: Generated): void {
  const spec = assetSpec(seed, i);
  const owner = dids[spec.owner]!;
  const metadata = (revision: number): AssetMetadata => {
    const span = spec.spans[revision];
    return {
      title: `${spec.city ?? 'Site'} survey ${i}${revision ? ' (revised)' : ''}`,
      description: `A photogrammetric model of a site${spec.city ? ` in ${spec.city}` : ''}, with its survey notes.`,
      creators: [{ name: `Surveyor ${spec.owner}` }],
      licence: 'CC-BY-4.0',
      grade: 'general',
      place: spec.place,
      ...(span ? { timeSpan: span } : {}),
    };
  };
  const refs: LogRef[] = spec.spans.map((_, revision) => ({
    index: index + revision,
    txId: revision ? sha256(`${spec.id}/${revision}`) : spec.id,
    time: new Date(START_MS + (index + revision) * 1000).toISOString(),
  }));
  const revisions: AssetRevisionRecord[] = spec.spans.map((_, revision) => ({
    kind: 'asset-revision',
    asset: spec.id,
    revision,
    actor: owner,
    metadata: metadata(revision),
    at: refs[revision]!,
  }));
  const latest = revisions.at(-1)!;
  const asset: AssetRecord = {
    kind: 'asset',
    id: spec.id,
    cid: cidOf(spec.id),
    size: spec.size,
    mediaType: spec.mediaType,
    owner,
    registrant: owner,
    revision: latest.revision,
    metadata: latest.metadata,
    registered: refs[0]!,
    updated: latest.at,
  };
  out.rows.push(stateRow(assetKey(spec.id), asset));
  for (const revision of revisions) {
    out.rows.push(stateRow(assetRevisionKey(spec.id, revision.revision), revision));
    const rows = placeRows(revision, index);
    out.places.push(...rows.places);
    out.versions.push(rows.version);
  }
  out.indexes += revisions.length;
}

/** Where the query centres are: the places of random city assets. */
function centres(
  seed: number,
  assets: number,
  count: number,
  stream: number,
): { lat: number; lng: number }[] {
  const random = mulberry32(seed ^ stream);
  const found: { lat: number; lng: number }[] = [];
  while (found.length < count) {
    const spec = assetSpec(seed, Math.floor(random() * assets));
    if (spec.city) found.push({ lat: spec.lat, lng: spec.lng });
  }
  return found;
}

/** A box of `sideM` metres a side around a point, as bbox= takes it (south,west,north,east). */
function boxAround(c: { lat: number; lng: number }, sideM: number): string {
  const dLat = sideM / 2 / 1000 / KM_PER_DEGREE;
  const dLng = sideM / 2 / 1000 / (KM_PER_DEGREE * Math.cos((c.lat * Math.PI) / 180));
  return [c.lat - dLat, c.lng - dLng, c.lat + dLat, c.lng + dLng].map(round7).join(',');
}

const KINDS: { kind: string; params: (c: { lat: number; lng: number }) => SpatialParams }[] = [
  { kind: 'cell L4', params: (c) => ({ cell: encodeGrid(c.lat, c.lng, 4) }) },
  { kind: 'cell L7', params: (c) => ({ cell: encodeGrid(c.lat, c.lng, 7) }) },
  { kind: 'bbox 1 km', params: (c) => ({ bbox: boxAround(c, 1000) }) },
  { kind: 'bbox 10 km', params: (c) => ({ bbox: boxAround(c, 10_000) }) },
  { kind: 'near 500 m', params: (c) => ({ near: `${c.lat},${c.lng}`, radius: '500' }) },
  { kind: 'near 5 km', params: (c) => ({ near: `${c.lat},${c.lng}`, radius: '5000' }) },
  { kind: 'cell L5 at 2005-06-01', params: (c) => ({ cell: encodeGrid(c.lat, c.lng, 5), at: '2005-06-01' }) },
];

function openStorage(backend: string, path: string, databaseUrl: string | undefined): LogStorage {
  return backend === 'postgres' ? new PostgresStorage(databaseUrl!) : new SqliteStorage(path);
}

/** Separates the values of a column sent as one text (JSON escapes control characters: no value has it)... */
const SEPARATOR = '\x1e';
/** ...and stands for NULL. */
const NULL_MARK = '\x1f';

/**
 * One INSERT ... SELECT FROM unnest(string_to_array($n, ...)) per table, in one statement (so one
 * transaction and one round trip): far cheaper to send and parse than the text[] parameters the
 * storage's commit binds, whose array literals escape every quote of every JSON value.
 */
function bulkInsert(
  tables: { table: string; columns: [name: string, type: string][]; rows: readonly object[] }[],
): { text: string; values: string[] } {
  const values: string[] = [];
  const inserts = tables.map(({ table, columns, rows }) => {
    const arrays = columns.map(([name, type]) => {
      const field = name.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
      values.push(
        rows
          .map((row) => {
            const value = (row as Record<string, string | number | null>)[field];
            return value === null || value === undefined ? NULL_MARK : String(value);
          })
          .join(SEPARATOR),
      );
      return `string_to_array($${values.length}, E'\\x1e', E'\\x1f')::${type}[]`;
    });
    return `INSERT INTO ${table} (${columns.map(([name]) => name).join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})`;
  });
  const last = inserts.pop()!;
  const text = inserts.length
    ? `WITH ${inserts.map((sql, i) => `w${i} AS (${sql})`).join(', ')} ${last}`
    : last;
  return { text, values };
}

/** Writes one batch of generated records whose first takes log index `firstIndex`. */
type BatchWriter = (out: Generated, firstIndex: number) => Promise<void>;

/** SQLite: the storage's own commit, with one small log entry per record index. */
function commitWriter(storage: LogStorage): BatchWriter {
  const entry = new Uint8Array(32);
  return (out, firstIndex) =>
    storage.commit({
      firstIndex,
      entries: new Array<Uint8Array>(out.indexes).fill(entry),
      tiles: [],
      checkpoint: { size: firstIndex + out.indexes, rootHash: new Uint8Array(32), note: 'bench places\n' },
      ledger: { rows: out.rows, media: [], marks: [], places: out.places, versions: out.versions },
    });
}

/** PostgreSQL: the state and place index rows in one bulk statement per batch (no log entries). */
function bulkWriter(client: pg.Client): BatchWriter {
  return async (out) => {
    const { text, values } = bulkInsert([
      {
        table: 'cinnabar_state',
        columns: [
          ['key', 'text'],
          ['kind', 'text'],
          ['value', 'text'],
          ['owner', 'text'],
          ['party', 'text'],
          ['media', 'text'],
          ['search', 'text'],
          ['idx', 'bigint'],
        ],
        rows: out.rows,
      },
      {
        table: 'cinnabar_asset_places',
        columns: [
          ['cell', 'text'],
          ['asset', 'text'],
          ['revision', 'int'],
          ['south', 'bigint'],
          ['west', 'bigint'],
          ['north', 'bigint'],
          ['east', 'bigint'],
          ['valid_from', 'text'],
          ['valid_to', 'text'],
          ['idx', 'bigint'],
        ],
        rows: out.places,
      },
      {
        table: 'cinnabar_asset_versions',
        columns: [
          ['asset', 'text'],
          ['revision', 'int'],
          ['valid_from', 'text'],
          ['valid_to', 'text'],
        ],
        rows: out.versions,
      },
    ]);
    await client.query(text, values);
  };
}

/** Write the data in batches; returns the seconds it took and Node's own share of them. */
async function build(
  write: BatchWriter,
  o: { assets: number; batch: number; seed: number; log: (line: string) => void },
): Promise<{ seconds: number; generateSeconds: number }> {
  const dids = owners(o.seed);
  const start = nowMs();
  let generateMs = 0;
  let index = 0;
  let pending: Promise<void> | undefined;
  for (let first = 0; first < o.assets; first += o.batch) {
    const t = nowMs();
    const out: Generated = { rows: [], places: [], versions: [], indexes: 0 };
    for (let i = first; i < Math.min(o.assets, first + o.batch); i++)
      generate(o.seed, i, index + out.indexes, dids, out);
    generateMs += nowMs() - t;
    // PostgreSQL works on the last batch while this process makes the next.
    await pending;
    pending = write(out, index);
    index += out.indexes;
    const done = Math.min(o.assets, first + o.batch);
    if (done % 200_000 < o.batch)
      o.log(`  places: ${fmt(done)} assets in ${fmt((nowMs() - start) / 1000, 1)} s`);
  }
  await pending;
  return { seconds: (nowMs() - start) / 1000, generateSeconds: generateMs / 1000 };
}

/** A LedgerReads over the storage that counts the place queries and times them. */
function countingReads(storage: LogStorage) {
  const counts = { placeQueries: 0, placeMs: 0, first: undefined as PlaceQuery | undefined };
  const reads: LedgerReads = {
    readState: (keys) => storage.readState(keys),
    scanState: (prefix, limit) => storage.scanState(prefix, limit),
    queryAssets: (query) => storage.queryAssets(query),
    queryParty: (query) => storage.queryParty(query),
    readMarks: (asset) => storage.readMarks(asset),
    readMedia: () => storage.readMedia(),
    queryPlaces: async (query) => {
      counts.placeQueries++;
      counts.first ??= query;
      const t = nowMs();
      const found = await storage.queryPlaces(query);
      counts.placeMs += nowMs() - t;
      return found;
    },
  };
  return { reads, counts };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

export async function placesBench(options: PlacesOptions): Promise<PlacesResult> {
  const o = {
    assets: 1_000_000,
    batch: options.backend === 'sqlite' ? 50_000 : 10_000,
    queries: 200,
    warmup: 20,
    limit: 20,
    seed: 0x91ace5,
    log: () => {},
    ...options,
  };
  const { log } = o;
  mkdirSync(o.cacheDir, { recursive: true });
  const path = join(o.cacheDir, `places-sqlite-${o.assets}-v${DATA_VERSION}-${o.seed}.db`);
  const marker = `${path}.json`;
  const resultBuild: PlacesResult['build'] = { method: 'reused' };

  if (o.backend === 'sqlite' && existsSync(marker)) {
    const cached = JSON.parse(readFileSync(marker, 'utf8')) as { seconds: number; method: string };
    resultBuild.method = `reused (${cached.method})`;
    resultBuild.cachedBuildSeconds = cached.seconds;
    log(`places sqlite: reusing ${path} (built in ${fmt(resultBuild.cachedBuildSeconds, 1)} s)`);
  } else {
    if (o.backend === 'sqlite') for (const end of ['', '-wal', '-shm']) rmSync(path + end, { force: true });
    log(`places ${o.backend}: building ${fmt(o.assets)} assets in batches of ${fmt(o.batch)}`);
    const storage = openStorage(o.backend, path, o.databaseUrl);
    await storage.init();
    const client = o.backend === 'postgres' ? new pg.Client({ connectionString: o.databaseUrl }) : undefined;
    try {
      if (!(await storage.tryAcquireWriterLock())) throw new Error('the writer lock is taken');
      await client?.connect();
      resultBuild.method = client
        ? `one INSERT ... SELECT FROM unnest(string_to_array(...)) per table, in one statement per ${fmt(o.batch)} assets, on a connection of its own (no log entries)`
        : `storage.commit() per ${fmt(o.batch)} assets (one transaction, one small log entry per record index)`;
      const built = await build(client ? bulkWriter(client) : commitWriter(storage), o);
      resultBuild.seconds = round2(built.seconds);
      resultBuild.generateSeconds = round2(built.generateSeconds);
      if (client) {
        const t = nowMs();
        await client.query('VACUUM ANALYZE cinnabar_asset_places, cinnabar_asset_versions, cinnabar_state');
        resultBuild.vacuumAnalyzeSeconds = round2((nowMs() - t) / 1000);
      }
    } finally {
      await client?.end();
      await storage.close();
    }
    if (o.backend === 'sqlite')
      writeFileSync(
        marker,
        `${JSON.stringify({ seconds: resultBuild.seconds, method: resultBuild.method })}\n`,
      );
    log(
      `places ${o.backend}: built in ${fmt(resultBuild.seconds!, 1)} s (${fmt(resultBuild.generateSeconds!, 1)} s of it making records)`,
    );
  }

  // The queries, on a storage opened afresh.
  const storage = openStorage(o.backend, path, o.databaseUrl);
  await storage.init();
  const kinds: PlacesKindResult[] = [];
  const slowestQuery = new Map<string, { ms: number; query: PlaceQuery }>();
  try {
    const timed = centres(o.seed, o.assets, o.queries, 0x71);
    const warm = centres(o.seed, o.assets, o.warmup, 0x72);
    for (const { kind, params } of KINDS) {
      for (const c of warm) await searchPlaces(storage, params(c), o.limit);
      const samples: number[] = [];
      let items = 0;
      let empty = 0;
      let placeQueries = 0;
      let placeMs = 0;
      for (const c of timed) {
        const { reads, counts } = countingReads(storage);
        const t = nowMs();
        const answer = await searchPlaces(reads, params(c), o.limit);
        const ms = nowMs() - t;
        samples.push(ms);
        items += answer.items.length;
        if (answer.items.length === 0) empty++;
        placeQueries += counts.placeQueries;
        placeMs += counts.placeMs;
        if (counts.first && ms > (slowestQuery.get(kind)?.ms ?? -1))
          slowestQuery.set(kind, { ms, query: counts.first });
      }
      const sorted = samples.slice().sort((a, b) => a - b);
      const total = samples.reduce((s, x) => s + x, 0);
      const result: PlacesKindResult = {
        kind,
        example: params(timed[0]!),
        latencyMs: {
          p50: round3(quantile(sorted, 0.5)),
          p95: round3(quantile(sorted, 0.95)),
          p99: round3(quantile(sorted, 0.99)),
          max: round3(sorted.at(-1)!),
          mean: round3(total / samples.length),
        },
        meanItems: round2(items / samples.length),
        empty: round3(empty / samples.length),
        meanPlaceQueries: round2(placeQueries / samples.length),
        placeSqlShare: round2(placeMs / total),
      };
      kinds.push(result);
      const l = result.latencyMs;
      log(
        `  ${o.backend} ${kind.padEnd(22)} p50 ${fmt(l.p50, 2)}  p95 ${fmt(l.p95, 2)}  p99 ${fmt(l.p99, 2)}  ` +
          `max ${fmt(l.max, 2)} ms; ${fmt(result.meanItems, 1)} items, ${fmt(result.meanPlaceQueries, 1)} place queries`,
      );
    }
  } finally {
    await storage.close();
  }

  // Sizes, row counts and the plan of the slowest kind's slowest place query, on a connection of its own.
  const worst = kinds.reduce((a, b) => (b.latencyMs.p95 > a.latencyMs.p95 ? b : a));
  const worstQuery = slowestQuery.get(worst.kind)!.query;
  let sizes: PlacesResult['sizes'];
  let rows: PlacesResult['rows'];
  let slowest: PlacesResult['slowest'];
  if (o.backend === 'sqlite') {
    const db = new Database(path);
    try {
      const tables = Object.fromEntries(
        (
          db
            .prepare(
              'SELECT s.tbl_name AS tbl, sum(d.pgsize) AS bytes FROM dbstat d JOIN sqlite_schema s ON s.name = d.name GROUP BY s.tbl_name',
            )
            .all() as { tbl: string; bytes: number }[]
        ).map((r) => [r.tbl, r.bytes]),
      );
      sizes = { fileBytes: statSync(path).size, tables };
      const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
      rows = {
        places: count('asset_places'),
        versions: count('asset_versions'),
        state: count('ledger_state'),
      };
      const { sql, params } = placeSelect(
        worstQuery,
        { places: 'asset_places', versions: 'asset_versions' },
        () => '?',
        'sqlite',
      );
      const plan = (
        db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
          id: number;
          parent: number;
          detail: string;
        }[]
      ).map((r) => `${r.id} ${r.parent} ${r.detail}`);
      const statement = db.prepare(sql);
      statement.all(...params);
      const t = nowMs();
      statement.all(...params);
      slowest = { kind: worst.kind, sql, params, plan, ms: round3(nowMs() - t) };
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: o.databaseUrl });
    await client.connect();
    try {
      const size = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
      const tables: Record<string, number> = {};
      for (const table of ['cinnabar_asset_places', 'cinnabar_asset_versions', 'cinnabar_state']) {
        tables[table] = await size(`SELECT pg_total_relation_size('${table}') AS n`);
        tables[`${table} (indexes)`] = await size(`SELECT pg_indexes_size('${table}') AS n`);
      }
      sizes = { databaseBytes: await size('SELECT pg_database_size(current_database()) AS n'), tables };
      rows = {
        places: await size('SELECT count(*) AS n FROM cinnabar_asset_places'),
        versions: await size('SELECT count(*) AS n FROM cinnabar_asset_versions'),
        state: await size('SELECT count(*) AS n FROM cinnabar_state'),
      };
      const { sql, params } = placeSelect(
        worstQuery,
        { places: 'cinnabar_asset_places', versions: 'cinnabar_asset_versions' },
        (n) => `$${n}`,
        'postgres',
      );
      await client.query(sql, params);
      const t = nowMs();
      await client.query(sql, params);
      const ms = round3(nowMs() - t);
      const plan = (
        await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)
      ).rows.map((r) => r['QUERY PLAN']);
      slowest = { kind: worst.kind, sql, params, plan, ms };
    } finally {
      await client.end();
    }
  }
  const mb = (n: number) => `${fmt(n / 2 ** 20)} MiB`;
  const placeBytes =
    (sizes.tables.asset_places ?? sizes.tables.cinnabar_asset_places ?? 0) +
    (sizes.tables.asset_versions ?? sizes.tables.cinnabar_asset_versions ?? 0);
  log(
    `places ${o.backend}: ${fmt(rows.places)} place rows, ${fmt(rows.versions)} versions, ${fmt(rows.state)} state rows; ` +
      `place tables ${mb(placeBytes)}, ${o.backend === 'sqlite' ? `file ${mb(sizes.fileBytes!)}` : `database ${mb(sizes.databaseBytes!)}`}`,
  );
  log(
    `places ${o.backend}: slowest kind by p95 is ${slowest.kind}; its slowest place query alone takes ${fmt(slowest.ms, 2)} ms:`,
  );
  for (const line of slowest.plan) log(`    ${line}`);
  return {
    backend: o.backend,
    assets: o.assets,
    rows,
    build: resultBuild,
    queries: o.queries,
    warmup: o.warmup,
    limit: o.limit,
    kinds,
    sizes,
    slowest,
  };
}
