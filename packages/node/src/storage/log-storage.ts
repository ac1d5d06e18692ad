import type { CellSearch, PlaceRow, VersionRow } from '../ledger/place-index.js';
import type { StoredTile } from '../log/stored-tile.js';
import type { ActivityKind, ActivityRow, MoveKind, MoveRow, PolicyChange } from '../supervision/activity.js';

/** A signed checkpoint as stored: its tree size, root hash and the signed note text. */
export interface StoredCheckpoint {
  size: number;
  rootHash: Uint8Array;
  note: string;
}

/**
 * One ledger state record as stored: its key and JSON, with the columns the read API queries by
 * (null where a kind of record has no such thing).
 */
export interface StateRow {
  key: string;
  kind: string;
  value: string;
  /** Whose it is: an asset's or edition's owner, a licence's licensee, a listing's seller, a sale's buyer. */
  owner: string | null;
  /** The other side: a licence's grantor, a sale's seller. */
  party: string | null;
  media: string | null;
  /** Lower-case text that a search matches: title, description, creators. */
  search: string | null;
  /** The log index the record was made at (assets list newest first by it). */
  idx: number;
}

/** The perceptual and geometric fingerprints of a registered asset's bytes (node-derived, not on the log). */
export interface MediaRow {
  asset: string;
  cid: string;
  phash: string | null;
  geometry: string | null;
  idx: number;
}

/** "Possible prior work": `asset` resembles `other`, registered earlier. Stored both ways. */
export interface MarkRow {
  asset: string;
  other: string;
  reason: 'perceptual-hash' | 'geometry';
  distance: number;
}

export interface LedgerBatch {
  rows: readonly StateRow[];
  media: readonly MediaRow[];
  marks: readonly MarkRow[];
  /** The place index of the asset revisions the batch wrote (absent: none). */
  places?: readonly PlaceRow[];
  versions?: readonly VersionRow[];
}

/** A spatial (and time) query of the place index: answers list assets newest first. */
export interface PlaceQuery {
  search: CellSearch;
  /** A day, YYYY-MM-DD: each asset's revision valid on it, rather than its current one. */
  at?: string;
  /** Only assets registered before this log index (the cursor). */
  before?: number;
  limit: number;
}

/** A place query's answer: an asset, the revision whose place matched, its registration index. */
export interface PlaceMatch {
  asset: string;
  revision: number;
  idx: number;
}

export interface AssetQuery {
  owner?: string;
  /** Media type, or a prefix ending in "/" (e.g. "model/"). */
  media?: string;
  /** Words that must all appear in the title, description or creators (case-insensitive). */
  q?: string;
  /** Only assets registered before this log index (the cursor). */
  before?: number;
  limit: number;
}

/** Records of some kinds that belong to an identity (as owner or as the other party), newest first. */
export interface PartyQuery {
  kinds: readonly string[];
  owner?: string;
  party?: string;
  /** Only records after this one in the listing's order (the cursor): made earlier, or at the same index with a greater key. */
  after?: { idx: number; key: string };
  limit: number;
}

/** What an activity report counts: the entries in [from, to) (milliseconds), broken down by `by`. */
export interface ActivityQuery {
  from?: number;
  to?: number;
  by?: 'regime' | 'mediaType' | 'grade';
  /** The policies in force (by regime), oldest first: read with readPolicyChanges. */
  policies?: readonly PolicyChange[];
}

/** One UTC day's count of one kind of activity, in one breakdown group. */
export interface ActivityDayCount {
  /** Days since 1970-01-01 (UTC). */
  day: number;
  kind: ActivityKind;
  /** The regime, media type or grade (null: no breakdown, or unknown). */
  group: string | null;
  count: number;
  /** The sum of the prices (sales), in fen. */
  priceFen: bigint;
}

/** A real-name credential: whose it is, the commitment to the person it names, where it was issued. */
export interface RealNameRow {
  commitment: string;
  subject: string;
  /** The credential's issue (credential.issue), the alert's evidence. */
  idx: number;
  credential: string;
}

/** A registered image: its perceptual hash (16 hex digits) and when it was registered. */
export interface ImageRegistration {
  asset: string;
  idx: number;
  time: number;
  phash: string;
}

/** Entries `from` (inclusive) to `before` (exclusive); either bound may be absent. */
export interface EntryRange {
  from?: number;
  before?: number;
}

/** Everything one sequencer batch makes durable, in one commit. */
export interface LogBatch {
  /** Index of the first entry; must equal the size of the stored log (a fence against a second writer). */
  firstIndex: number;
  entries: readonly Uint8Array[];
  /** Every stored tile the batch created or widened, in full. */
  tiles: readonly StoredTile[];
  checkpoint: StoredCheckpoint;
  /** The ledger state the batch's transactions wrote. */
  ledger?: LedgerBatch;
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

/** The reads of the ledger state. */
export interface LedgerReads {
  /** The JSON of the records under these keys (absent keys are missing from the map). */
  readState(keys: readonly string[]): Promise<Map<string, string>>;
  /** Records whose key starts with `prefix`, in key order, at most `limit`. */
  scanState(prefix: string, limit: number): Promise<string[]>;
  /** Assets (JSON), newest registration first. */
  queryAssets(query: AssetQuery): Promise<string[]>;
  /** Assets whose places match a spatial query (see PlaceQuery). */
  queryPlaces(query: PlaceQuery): Promise<PlaceMatch[]>;
  /** Records (with their keys and indexes, for the next cursor), newest first, then by key. */
  queryParty(query: PartyQuery): Promise<{ key: string; idx: number; value: string }[]>;
  readMarks(asset: string): Promise<MarkRow[]>;
  /** Every registered asset's fingerprints (to find near duplicates). */
  readMedia(): Promise<MediaRow[]>;
}

/** The reads of supervision reports and alerts (the activity table, supervision/activity.ts). */
export interface SupervisionReads {
  /** Activity counted per UTC day, kind and group (supervision reports). */
  activityByDay(query: ActivityQuery): Promise<ActivityDayCount[]>;
  /** Activity rows of these kinds, in log order. */
  readActivity(kinds: readonly ActivityKind[]): Promise<ActivityRow[]>;
  /** The moves and listings of these kinds, in log order, with only what the alert rules read. */
  readMoves(kinds: readonly MoveKind[], range?: EntryRange): Promise<MoveRow[]>;
  /** The moves and listings of these kinds of the works `assets` (and their editions), in log order. */
  readItemMoves(
    kinds: readonly MoveKind[],
    assets: readonly string[],
    range?: EntryRange,
  ): Promise<MoveRow[]>;
  /** The policies the ledger took on (genesis, each policy.set), in log order. */
  readPolicyChanges(): Promise<PolicyChange[]>;
  /** The identities holding the most items (works and editions), most first, then by DID. */
  topHolders(limit: number): Promise<{ owner: string; items: number }[]>;
  /**
   * Every real-name credential issued (revoked ones too), in log order; with `writtenFrom`, only
   * those whose record was written (issued or revoked) at or after that entry.
   */
  readRealNames(writtenFrom?: number): Promise<RealNameRow[]>;
  /** Every registered image with a perceptual hash (registered in `range`), in log order. */
  readImageRegistrations(range?: EntryRange): Promise<ImageRegistration[]>;
}

/** Counts of the ledger state's records, for the explorer's summary (GET /v1/stats). */
export interface StatsReads {
  /** How many records of each of these kinds the state holds (0 for a kind it has none of). */
  countRecords(kinds: readonly string[]): Promise<Record<string, number>>;
}

/**
 * One read (or refused read) of a graded work's content (GB/T 43697-2024; http/content-access.ts):
 * who asked, for what, and what the node answered. Kept by the node, not on the log.
 */
export interface AccessLogEntry {
  /** When the node decided, in milliseconds since 1970 (UTC). */
  time: number;
  did: string;
  asset: string;
  cid: string;
  /** The signed target, e.g. "GET /v1/blobs/bafkrei…". */
  target: string;
  /** The Range header as sent (cut to 100 characters), or null for the whole. */
  range: string | null;
  outcome: 'allowed' | 'refused';
  /** Why it was allowed (owner, edition-owner, licensee, operator, regulator); null when refused. */
  basis: string | null;
}

/** An access log entry as stored, with its id (increasing: the listing's cursor). */
export interface AccessLogRow extends AccessLogEntry {
  id: number;
}

/** A work's access log, newest first. */
export interface AccessLogQuery {
  asset: string;
  /** Only entries with a smaller id (the cursor). */
  before?: number;
  limit: number;
}

/**
 * The content access log: written by the read routes, not by the sequencer. A node's storage
 * keeps it in its own table; an append is durable when it returns.
 */
export interface AccessLogStorage {
  appendAccess(entry: AccessLogEntry): Promise<void>;
  readAccessLog(query: AccessLogQuery): Promise<AccessLogRow[]>;
}

export interface LogStorage extends LogReads, LedgerReads, SupervisionReads, StatsReads, AccessLogStorage {
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
