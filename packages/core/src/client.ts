/**
 * CinnabarClient: a typed client of a node's HTTP API (/v1/ and /log/), with nothing but `fetch`, so
 * the CLI and the web app share it. Every answer is read with a bound on its size; a non-2xx answer
 * throws CinnabarApiError carrying the node's RFC 9457 problem (its stable `code`, and extension
 * members such as `rule`, `details` or `errors`).
 */

import { base64Decode } from './base64.js';
import { utf8Decode } from './bytes.js';
import { CinnabarError } from './errors.js';
import { parseJsonStrict } from './jcs.js';
import type {
  AssetEventRecord,
  AssetRecord,
  AssetRevisionRecord,
  CredentialRecord,
  DisputeRecord,
  EditionRecord,
  FreezeRecord,
  IdentityRecord,
  LedgerRecord,
  LicenceRecord,
  ListingRecord,
  LogRef,
  SaleRecord,
  TakedownRecord,
  ValuationRecord,
} from './ledger/records.js';
import type { Acceptance } from './ledger/rules.js';
import type { AssetDescription } from './ledger/schemas.js';
import { MAX_SEALED_DESCRIPTION_BYTES, openSealedDescription } from './ledger/sealed-description.js';
import { MAX_NOTE_SIZE } from './note.js';
import { readAtMost } from './read-bounded.js';
import type { Receipt } from './receipt.js';
import { decodeEntryBundle, entryBundlePath, entryBundleWidth, MAX_ENTRY_SIZE, TILE_WIDTH } from './tiles.js';
import { encodeTransaction, type SignedTransaction } from './tx/transaction.js';

export interface CinnabarClientOptions {
  /** The node's base URL, e.g. http://localhost:7470/ (a missing trailing slash is added). */
  baseUrl: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Largest JSON answer read, in bytes; a longer one is refused unread (default 4 MiB). */
  maxJsonBytes?: number;
}

export const CINNABAR_CLIENT_DEFAULTS = Object.freeze({
  maxJsonBytes: 4 * 1024 * 1024,
  /** A problem body is small; more than this is not read. */
  maxProblemBytes: 64 * 1024,
});

// ---------------------------------------------------------------------------------------------
// The node's answers

/** An identity as GET /v1/identities/:did shows it. */
export interface IdentityView extends IdentityRecord {
  /** Whether this identity is the ledger's operator. */
  isOperator: boolean;
}

/** A "possible prior work" mark: another registered asset that looks or is shaped like this one. */
export interface PriorWorkMark {
  asset: string;
  /** What matched: 'geometry' (same mesh) or 'perceptual-hash' (a near-identical image). */
  reason: string;
  /** 0 for identical geometry; the Hamming distance of the perceptual hashes otherwise. */
  distance: number;
}

/** A mark as the asset view shows it: with which of the two came first, and the other's title. */
export interface PriorWorkView extends PriorWorkMark {
  registeredEarlier: boolean;
  title?: string;
  owner?: string;
}

/** An asset as GET /v1/assets/:id shows it: its record and its "possible prior work". */
export interface AssetView extends AssetRecord {
  possiblePriorWork: PriorWorkView[];
}

/** GET /v1/assets/:id/history: the registration, then every transfer offered and every change of hands. */
export interface AssetHistory {
  asset: string;
  registered: LogRef & { by: string };
  /** Oldest first. */
  events: AssetEventRecord[];
  /** Set when the asset has more events than the node lists. */
  truncated?: true;
}

/** GET /v1/assets/:id/licences: every licence of the work, revoked and lapsed ones too. */
export interface AssetLicences {
  asset: string;
  licences: LicenceRecord[];
  truncated?: true;
}

export interface AssetRevisions {
  asset: string;
  /** Revision 0 (the registration) first. */
  revisions: AssetRevisionRecord[];
}

/** GET /v1/assets: one page, newest first. */
export interface AssetPage {
  /** With `at`: the revision valid on that day, and its metadata, as revisionAt. */
  items: (AssetRecord & { revisionAt?: { revision: number; metadata: AssetRevisionRecord['metadata'] } })[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface AssetQuery {
  /** The owner's did:key. */
  owner?: string;
  /** Words in the title, description or creators. */
  q?: string;
  /** A media type, or a prefix such as "model/". */
  media?: string;
  /** A Beidou grid code: assets whose places lie inside that cell. */
  cell?: string;
  /** south,west,north,east in degrees: assets whose places meet the box. */
  bbox?: string;
  /** lat,lng in degrees: assets whose places come within `radius` metres (default 1,000). */
  near?: string;
  radius?: number;
  /** With cell, bbox or near: each asset's revision valid on this day (in `revisionAt`). */
  at?: string;
  /** nextCursor of the previous page. */
  cursor?: string;
  /** Page size, 1 to 100 (the node's default is 20). */
  limit?: number;
}

/** A page of an identity's records (holdings, licences, listings, sales), newest first. */
export interface RecordPage<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageQuery {
  cursor?: string;
  /** Page size, 1 to 100 (the node's default is 20). */
  limit?: number;
}

/** GET /v1/assets/:id/editions: a page of a work's editions, by number. */
export interface AssetEditions {
  asset: string;
  /** 0 if the work has no editions. */
  supply: number;
  editions: EditionRecord[];
  nextCursor: string | null;
}

/** GET /v1/entries/:index: an entry and its inclusion proof in the latest checkpoint. */
export interface LogEntryView {
  index: number;
  /** Standard base64 of the entry bytes. */
  entry: string;
  leafHash: string;
  /** The tree size the proof is for. */
  size: number;
  proof: string[];
  checkpoint: string;
  tlogProof: string;
}

/** POST /v1/tx: an accepted transaction and its receipt. */
export interface TxAccepted {
  txId: string;
  index: number;
  type: string;
  actor: string;
  /** What it made or changed, as the ledger's rules name it. */
  subject: Acceptance['subject'];
  /** Registered assets that look or are shaped like this one. */
  possiblePriorWork?: PriorWorkMark[];
  receipt: Receipt;
}

export interface InspectionIssue {
  code: string;
  message: string;
  pointer?: string;
  offset?: number;
}

/** What the node found when it inspected uploaded bytes (packages/node/src/media/inspect.ts). */
export interface BlobInspection {
  mediaType: string;
  kind: 'model' | 'image' | 'video' | 'audio' | 'other';
  ok: boolean;
  errors: InspectionIssue[];
  warnings: InspectionIssue[];
  model?: {
    meshes: number;
    primitives: number;
    triangles: number;
    vertices: number;
    materials: number;
    textures: number;
    bounds: { min: [number, number, number]; max: [number, number, number] } | null;
    geometryHash: string;
  };
  image?: { width: number; height: number; perceptualHash?: string };
}

/** PUT /v1/blobs: the stored blob and the media type the node inspected it to be. */
export interface BlobUploaded {
  cid: string;
  size: number;
  mediaType: string;
  inspection: BlobInspection;
  /** false when the node already stored these bytes. */
  created: boolean;
}

export interface UploadBlobOptions {
  /** The bytes (the way to upload from a browser: fetch cannot stream a request body over HTTP/1.1 there). */
  bytes?: Uint8Array;
  /** Or a stream of exactly `size` bytes (Node: Readable.toWeb(createReadStream(path))). */
  stream?: ReadableStream<Uint8Array>;
  cid: string;
  size: number;
  /** The Authorization header value (signUploadAuthorization). */
  authorization: string;
  /** Called as bytes are handed to the network (for `bytes`, once, when the upload is answered). */
  onProgress?: (sent: number, size: number) => void;
  signal?: AbortSignal;
}

/** Signs a read: the Authorization header value for a target such as "GET /v1/blobs/bafkrei…" (readSigner). */
export type ReadAuthorizer = (target: string) => string;

export interface ReadRequestOptions {
  /** Signs the request when the node asks for it (graded content). */
  authorize?: ReadAuthorizer;
  /** Sign the first request, not only after a 401: for bytes known to need it (a graded work's, a sealed description). */
  signFirst?: boolean;
  /** A Range header value, e.g. bytes=0-1023. */
  range?: string;
  signal?: AbortSignal;
}

/** GET /v1/assets/:id/access-log: reads of a graded work's content, newest first. */
export interface AccessLogPage {
  asset: string;
  items: {
    id: number;
    time: string;
    did: string;
    cid: string;
    target: string;
    range: string | null;
    outcome: 'allowed' | 'refused';
    /** Why it was allowed: owner, edition-owner, licensee, operator or regulator; null when refused. */
    basis: string | null;
  }[];
  nextCursor: string | null;
}

/** An RFC 9457 problem body as the node sends it. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status: number;
  /** The stable code (docs/errors.md), e.g. rights_conflict. */
  code: string;
  detail?: string;
  requestId?: string;
  /** Extension members, e.g. `rule` and `details` of a refused transaction, `errors` of malformed media. */
  [extension: string]: unknown;
}

/**
 * Any failure of a client call. `status` is the HTTP status (0 when no answer came), `code` the
 * problem's code, or 'fetch_failed' (no answer: the node is unreachable, the connection broke) or
 * 'malformed_response' (an answer that is too long or not the JSON expected).
 */
export class CinnabarApiError extends Error {
  override name = 'CinnabarApiError';
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  /** The whole problem body, when the node sent one. */
  readonly problem: ProblemDetails | undefined;

  constructor(
    init: { status: number; code: string; message: string; detail?: string; problem?: ProblemDetails },
    options?: { cause?: unknown },
  ) {
    super(init.message, options);
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.problem = init.problem;
  }
}

/** Whether `error` is a CinnabarApiError, with the given code if one is passed. */
export function isCinnabarApiError(error: unknown, code?: string): error is CinnabarApiError {
  return error instanceof CinnabarApiError && (code === undefined || error.code === code);
}

// ---------------------------------------------------------------------------------------------

const JSON_TYPE = 'application/json';

/** An activity report's periods: UTC days, ISO weeks (from Monday), calendar months. */
export const REPORT_BUCKETS = ['day', 'week', 'month'] as const;
/** What an activity report can break each period down by. */
export const REPORT_BREAKDOWNS = ['regime', 'mediaType', 'grade'] as const;
/** The suspicious-pattern rules (their thresholds are the policy's `detection`). */
export const DETECTION_RULES = ['washTrading', 'rapidFlip', 'sharedRealName', 'duplicateBurst'] as const;
/** What a node assumes where a report's query says nothing. */
export const SUPERVISION_REPORT_DEFAULTS = Object.freeze({
  bucket: 'month' as (typeof REPORT_BUCKETS)[number],
  holdersLimit: 20,
  alertsLimit: 100,
});

/** The supervision reports a node serves (supervisionReport). */
export const SUPERVISION_REPORTS = ['activity', 'holders', 'alerts'] as const;
export type SupervisionReportName = (typeof SUPERVISION_REPORTS)[number];

function supervisionReportPath(report: SupervisionReportName, query: Record<string, string>): string {
  const base = report === 'alerts' ? 'v1/supervision/alerts' : `v1/supervision/reports/${report}`;
  const search = new URLSearchParams(query).toString();
  return search ? `${base}?${search}` : base;
}

export class CinnabarClient {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly maxJsonBytes: number;

  constructor(options: CinnabarClientOptions) {
    const base = new URL(options.baseUrl); // throws a TypeError on a malformed URL
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new TypeError(`the node URL must be http: or https:, not ${base.protocol}`);
    if (base.search || base.hash) throw new TypeError('the node URL must not have a query or fragment');
    this.baseUrl = base.href.endsWith('/') ? base.href : `${base.href}/`;
    const given = options.fetch;
    // Call the global fetch unbound from `this` (browsers reject fetch called on another object).
    this.fetchFn = given ?? ((input, init) => globalThis.fetch(input, init));
    const max = options.maxJsonBytes ?? CINNABAR_CLIENT_DEFAULTS.maxJsonBytes;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new RangeError('maxJsonBytes must be a positive integer');
    this.maxJsonBytes = max;
  }

  /** GET /v1/ledger: the ledger's name, operator and policy. */
  ledger(): Promise<LedgerRecord> {
    return this.getJson<LedgerRecord>('v1/ledger');
  }

  /** GET /v1/identities/:did; undefined if the DID is not registered. */
  identity(did: string): Promise<IdentityView | undefined> {
    return this.lookup<IdentityView>(`v1/identities/${encodeURIComponent(did)}`, 'identity_not_found');
  }

  /** The sequence number the identity's next transaction must carry: its last one + 1 (1 if unregistered). */
  async nextSeq(did: string): Promise<number> {
    const identity = await this.identity(did);
    return identity === undefined ? 1 : identity.seq + 1;
  }

  /** GET /v1/credentials/:id; undefined if there is no such credential. */
  credential(id: string): Promise<CredentialRecord | undefined> {
    return this.lookup<CredentialRecord>(`v1/credentials/${encodeURIComponent(id)}`, 'credential_not_found');
  }

  /** GET /v1/assets/:id, with its possible prior work; undefined if there is no such asset. */
  asset(id: string): Promise<AssetView | undefined> {
    return this.lookup<AssetView>(`v1/assets/${encodeURIComponent(id)}`, 'asset_not_found');
  }

  /** GET /v1/assets/:id/revisions; undefined if there is no such asset. */
  async assetRevisions(id: string): Promise<AssetRevisions | undefined> {
    return this.lookup<AssetRevisions>(`v1/assets/${encodeURIComponent(id)}/revisions`, 'asset_not_found');
  }

  /** GET /v1/assets/:id/history; undefined if there is no such asset. */
  async assetHistory(id: string): Promise<AssetHistory | undefined> {
    return this.lookup<AssetHistory>(`v1/assets/${encodeURIComponent(id)}/history`, 'asset_not_found');
  }

  /** GET /v1/supervision/freezes/:id; undefined if there is no such freeze. */
  freeze(id: string): Promise<FreezeRecord | undefined> {
    return this.lookup<FreezeRecord>(`v1/supervision/freezes/${encodeURIComponent(id)}`, 'freeze_not_found');
  }

  /** GET /v1/supervision/takedowns/:id; undefined if there is no such takedown. */
  takedown(id: string): Promise<TakedownRecord | undefined> {
    return this.lookup<TakedownRecord>(
      `v1/supervision/takedowns/${encodeURIComponent(id)}`,
      'takedown_not_found',
    );
  }

  /** GET /v1/supervision/disputes/:id; undefined if there is no such dispute. */
  dispute(id: string): Promise<DisputeRecord | undefined> {
    return this.lookup<DisputeRecord>(
      `v1/supervision/disputes/${encodeURIComponent(id)}`,
      'dispute_not_found',
    );
  }

  /** GET /v1/assets/:id/licences; undefined if there is no such asset. */
  assetLicences(id: string): Promise<AssetLicences | undefined> {
    return this.lookup<AssetLicences>(`v1/assets/${encodeURIComponent(id)}/licences`, 'asset_not_found');
  }

  /** GET /v1/assets/:id/valuations; undefined if there is no such asset. */
  assetValuations(id: string): Promise<{ asset: string; valuations: ValuationRecord[] } | undefined> {
    return this.lookup(`v1/assets/${encodeURIComponent(id)}/valuations`, 'asset_not_found');
  }

  /** GET /v1/assets/:id/licences/:licence; undefined if the work has no such licence. */
  licence(asset: string, id: string): Promise<LicenceRecord | undefined> {
    return this.lookup<LicenceRecord>(
      `v1/assets/${encodeURIComponent(asset)}/licences/${encodeURIComponent(id)}`,
      'licence_not_found',
    );
  }

  /** GET /v1/assets/:id/editions: editions after `cursor` (a number), `limit` of them (default 100). */
  assetEditions(id: string, page: PageQuery = {}): Promise<AssetEditions | undefined> {
    return this.lookup<AssetEditions>(
      `v1/assets/${encodeURIComponent(id)}/editions${pageSearch(page)}`,
      'asset_not_found',
    );
  }

  /** GET /v1/assets/:id/editions/:n; undefined if the work has no such edition. */
  edition(asset: string, n: number): Promise<EditionRecord | undefined> {
    return this.lookup<EditionRecord>(
      `v1/assets/${encodeURIComponent(asset)}/editions/${n}`,
      'edition_not_found',
    );
  }

  /** GET /v1/assets/:id/listings: the work's and its editions' listings, oldest first. */
  assetListings(id: string): Promise<{ asset: string; listings: ListingRecord[] } | undefined> {
    return this.lookup(`v1/assets/${encodeURIComponent(id)}/listings`, 'asset_not_found');
  }

  /** GET /v1/assets/:id/sales: the work's and its editions' sales with their splits, oldest first. */
  assetSales(id: string): Promise<{ asset: string; sales: SaleRecord[] } | undefined> {
    return this.lookup(`v1/assets/${encodeURIComponent(id)}/sales`, 'asset_not_found');
  }

  /** GET /v1/listings: every listing, newest first. */
  listings(page: PageQuery = {}): Promise<RecordPage<ListingRecord>> {
    return this.getJson(`v1/listings${pageSearch(page)}`);
  }

  /** GET /v1/identities/:did/holdings: the works and editions the identity owns. */
  holdings(did: string, page: PageQuery = {}): Promise<RecordPage<AssetRecord | EditionRecord>> {
    return this.getJson(`v1/identities/${encodeURIComponent(did)}/holdings${pageSearch(page)}`);
  }

  /** GET /v1/identities/:did/offers: works and editions offered to the identity, waiting for it to accept. */
  offers(did: string, page: PageQuery = {}): Promise<RecordPage<AssetRecord | EditionRecord>> {
    return this.getJson(`v1/identities/${encodeURIComponent(did)}/offers${pageSearch(page)}`);
  }

  /** GET /v1/identities/:did/licences: licences the identity holds (or, as grantor, granted). */
  identityLicences(
    did: string,
    as: 'licensee' | 'grantor' = 'licensee',
    page: PageQuery = {},
  ): Promise<RecordPage<LicenceRecord>> {
    return this.getJson(`v1/identities/${encodeURIComponent(did)}/licences${pageSearch(page, { as })}`);
  }

  /** GET /v1/identities/:did/listings: the identity's listings. */
  identityListings(did: string, page: PageQuery = {}): Promise<RecordPage<ListingRecord>> {
    return this.getJson(`v1/identities/${encodeURIComponent(did)}/listings${pageSearch(page)}`);
  }

  /** GET /v1/identities/:did/sales: sales the identity bought (or, as seller, made). */
  identitySales(
    did: string,
    as: 'buyer' | 'seller' = 'buyer',
    page: PageQuery = {},
  ): Promise<RecordPage<SaleRecord>> {
    return this.getJson(`v1/identities/${encodeURIComponent(did)}/sales${pageSearch(page, { as })}`);
  }

  /**
   * A supervision report (GET /v1/supervision/reports/activity or /holders, or
   * /v1/supervision/alerts) as JSON; `query` is passed as it is (from, to, bucket, by, limit, rule).
   */
  supervisionReport<T = Record<string, unknown>>(
    report: SupervisionReportName,
    query: Record<string, string> = {},
  ): Promise<T> {
    return this.getJson<T>(supervisionReportPath(report, { ...query, format: 'json' }));
  }

  /** The same report as RFC 4180 CSV text. */
  async supervisionReportCsv(
    report: SupervisionReportName,
    query: Record<string, string> = {},
  ): Promise<string> {
    const path = supervisionReportPath(report, { ...query, format: 'csv' });
    return utf8Decode(await this.getBytes(path, this.maxJsonBytes, { headers: { accept: 'text/csv' } }));
  }

  /** GET /v1/assets: one page of assets, newest first, filtered by the query. */
  assets(query: AssetQuery = {}): Promise<AssetPage> {
    const params = new URLSearchParams();
    for (const name of [
      'owner',
      'q',
      'media',
      'cell',
      'bbox',
      'near',
      'radius',
      'at',
      'cursor',
      'limit',
    ] as const) {
      const value = query[name];
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.toString();
    return this.getJson<AssetPage>(`v1/assets${search ? `?${search}` : ''}`);
  }

  /** The asset registered for the bytes with this CID (GET /v1/assets?cid=), if any. */
  async assetByCid(cid: string): Promise<AssetView | undefined> {
    const page = await this.getJson<{ items: AssetView[] }>(`v1/assets?cid=${encodeURIComponent(cid)}`);
    return page.items[0];
  }

  /** GET /v1/entries/:index: the entry (base64) with its inclusion proof in the latest checkpoint. */
  entry(index: number): Promise<LogEntryView> {
    checkIndex(index, 'index');
    return this.getJson<LogEntryView>(`v1/entries/${index}`);
  }

  /** GET /log/checkpoint: the signed checkpoint note, as text (its signature is not checked here). */
  async checkpoint(): Promise<string> {
    return utf8Decode(await this.getBytes('log/checkpoint', MAX_NOTE_SIZE, { cache: 'no-cache' }));
  }

  /** GET /log/vkey: the log's verifier key as the node serves it (not a trust anchor). */
  async vkey(): Promise<string> {
    return utf8Decode(await this.getBytes('log/vkey', 4096)).trim();
  }

  /**
   * Entries `start` up to `end` (exclusive) of a tree of `treeSize` entries, read from the C2SP
   * tlog-tiles entry bundles (256 entries a request). Not checked against any checkpoint: see
   * LogVerifier for that.
   */
  async logEntries(start: number, end: number, treeSize: number): Promise<Uint8Array[]> {
    checkIndex(start, 'start');
    checkIndex(end, 'end');
    checkIndex(treeSize, 'treeSize');
    if (start > end || end > treeSize)
      throw new RangeError(`need start <= end <= treeSize; got ${start}, ${end}, ${treeSize}`);
    const out: Uint8Array[] = [];
    for (let bundle = Math.floor(start / TILE_WIDTH); bundle * TILE_WIDTH < end; bundle++) {
      const width = entryBundleWidth(bundle, treeSize);
      const bytes = await this.getBytes(
        `log/${entryBundlePath(bundle, width)}`,
        width * (2 + MAX_ENTRY_SIZE),
      );
      let entries: Uint8Array[];
      try {
        entries = decodeEntryBundle(bytes, width);
      } catch (error) {
        throw malformedResponse(`entry bundle ${bundle}: ${messageOf(error)}`, error);
      }
      const first = bundle * TILE_WIDTH;
      for (let i = Math.max(start, first); i < Math.min(end, first + width); i++)
        out.push(entries[i - first]!);
    }
    return out;
  }

  /** POST /v1/tx: submit a signed transaction; resolves with its index and receipt. */
  submit(signed: SignedTransaction): Promise<TxAccepted> {
    const entry = encodeTransaction(signed);
    return this.requestJson<TxAccepted>('POST', 'v1/tx', {
      body: asBody(entry),
      headers: { 'content-type': JSON_TYPE },
    });
  }

  /**
   * PUT /v1/blobs: upload bytes (or a stream of them) with a signed upload authorization. Resolves
   * with the media type the node inspected the bytes to be, which a registration must state.
   */
  async uploadBlob(options: UploadBlobOptions): Promise<BlobUploaded> {
    const { cid, size, authorization, onProgress } = options;
    checkIndex(size, 'size');
    if ((options.bytes === undefined) === (options.stream === undefined))
      throw new TypeError('uploadBlob: give exactly one of bytes and stream');
    const headers: Record<string, string> = {
      authorization,
      'content-type': 'application/octet-stream',
    };
    let body: BodyInit;
    let streaming = false;
    if (options.bytes !== undefined) {
      if (options.bytes.length !== size)
        throw new RangeError(`uploadBlob: ${options.bytes.length} bytes given for a size of ${size}`);
      body = asBody(options.bytes);
    } else {
      // A stream has no length fetch could know: the node needs it (it refuses chunked uploads).
      headers['content-length'] = String(size);
      body = onProgress ? options.stream!.pipeThrough(progressCounter(size, onProgress)) : options.stream!;
      streaming = true;
    }
    const uploaded = await this.requestJson<Omit<BlobUploaded, 'created'>>(
      'PUT',
      'v1/blobs',
      {
        body,
        headers,
        ...(streaming ? { duplex: 'half' } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (status) => status === 201,
    );
    if (uploaded.cid !== cid || uploaded.size !== size)
      throw malformedResponse(
        `PUT ${this.baseUrl}v1/blobs: the node stored ${String(uploaded.cid)} (${String(uploaded.size)} bytes), not ${cid} (${size} bytes)`,
      );
    if (!streaming) onProgress?.(size, size);
    return uploaded as BlobUploaded;
  }

  /** Where the node serves the bytes of `cid` (GET /v1/blobs/:cid). */
  blobUrl(cid: string): string {
    return `${this.baseUrl}v1/blobs/${encodeURIComponent(cid)}`;
  }

  /**
   * GET /v1/blobs/:cid: the answer, its body unread (a stream the caller reads or cancels). Asked
   * without credentials first; when the node answers 401 `read_authorization_required` (a work
   * graded `important` or `core`, docs/data-grades.md) and `authorize` is given, asked again with
   * the Authorization header it returns for the target (readSigner from read-auth.ts). So the
   * reader is named only where the node needs to know; with `signFirst`, signed at once.
   */
  async openBlob(cid: string, options: ReadRequestOptions = {}): Promise<Response> {
    const path = `v1/blobs/${encodeURIComponent(cid)}`;
    const init: RequestInit = {
      ...(options.range ? { headers: { range: options.range } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    if (options.signFirst && options.authorize)
      return this.send('GET', path, this.signedInit('GET', path, init, options.authorize));
    try {
      return await this.send('GET', path, init);
    } catch (error) {
      if (!options.authorize || !isCinnabarApiError(error, 'read_authorization_required')) throw error;
      return this.send('GET', path, this.signedInit('GET', path, init, options.authorize));
    }
  }

  /**
   * The sealed description of a work (`metadata.sealed`, docs/sealed-descriptions.md), read like
   * graded content: signed with `authorize` (the work's owner, an edition owner,
   * a licensee, the operator or a regulator), and recorded in the work's access log. Checked against
   * its CID and opened; throws CinnabarError('malformed_sealed_description') if the node sent
   * anything else.
   */
  async sealedDescription(cid: string, authorize: ReadAuthorizer): Promise<AssetDescription> {
    // Always private (whatever the work's grade now): signed at once.
    const response = await this.openBlob(cid, { authorize, signFirst: true });
    const bytes = await readAtMost(
      response,
      MAX_SEALED_DESCRIPTION_BYTES,
      () =>
        new CinnabarError(
          'malformed_sealed_description',
          `the node sent more than ${MAX_SEALED_DESCRIPTION_BYTES} bytes for the sealed description ${cid}`,
        ),
    );
    return openSealedDescription(bytes, cid);
  }

  /**
   * GET /v1/assets/:id/access-log: a graded work's access log, newest first, signed with
   * `authorize` (its owner, the operator or a regulator); undefined if there is no such asset.
   */
  async accessLog(
    id: string,
    authorize: ReadAuthorizer,
    page: PageQuery = {},
  ): Promise<AccessLogPage | undefined> {
    const path = `v1/assets/${encodeURIComponent(id)}/access-log`;
    try {
      return await this.requestJson<AccessLogPage>(
        'GET',
        `${path}${pageSearch(page)}`,
        this.signedInit('GET', path, {}, authorize),
      );
    } catch (error) {
      if (isCinnabarApiError(error, 'asset_not_found')) return undefined;
      throw error;
    }
  }

  /** `init` with an Authorization header signed for `method` and the path of `path` as the node sees it. */
  private signedInit(
    method: string,
    path: string,
    init: RequestInit,
    authorize: ReadAuthorizer,
  ): RequestInit {
    const target = `${method} ${new URL(this.baseUrl + path).pathname}`;
    return {
      ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), authorization: authorize(target) },
    };
  }

  // -------------------------------------------------------------------------------------------

  private getJson<T>(path: string): Promise<T> {
    return this.requestJson<T>('GET', path, {});
  }

  /** GET, with undefined for a 404 whose problem code is `notFound` (a 404 for another reason throws). */
  private async lookup<T>(path: string, notFound: string): Promise<T | undefined> {
    try {
      return await this.getJson<T>(path);
    } catch (error) {
      if (error instanceof CinnabarApiError && error.status === 404 && error.code === notFound)
        return undefined;
      throw error;
    }
  }

  /**
   * Send a request and parse its JSON answer. `created` receives the status of a 2xx answer, for
   * callers that want to know (uploadBlob: 201 new, 200 already stored).
   */
  private async requestJson<T>(
    method: string,
    path: string,
    init: RequestInit & { duplex?: 'half' },
    created?: (status: number) => boolean,
  ): Promise<T> {
    const response = await this.send(method, path, {
      ...init,
      headers: { accept: JSON_TYPE, ...(init.headers as Record<string, string> | undefined) },
    });
    const url = this.baseUrl + path;
    const bytes = await readBody(response, this.maxJsonBytes, `${method} ${url}`);
    let value: unknown;
    try {
      value = parseJsonStrict(bytes, { maxBytes: this.maxJsonBytes, maxDepth: 64 });
    } catch (error) {
      throw malformedResponse(`${method} ${url}: the answer is not JSON: ${messageOf(error)}`, error);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw malformedResponse(`${method} ${url}: the answer is not a JSON object`);
    if (created) (value as { created?: boolean }).created = created(response.status);
    return value as T;
  }

  private async getBytes(path: string, limit: number, init: RequestInit = {}): Promise<Uint8Array> {
    const response = await this.send('GET', path, init);
    return readBody(response, limit, `GET ${this.baseUrl}${path}`);
  }

  /** fetch, mapping a failure to fetch_failed and a non-2xx answer to its problem. */
  private async send(method: string, path: string, init: RequestInit): Promise<Response> {
    const url = this.baseUrl + path;
    let response: Response;
    try {
      response = await this.fetchFn(url, { ...init, method });
    } catch (error) {
      // undici says only "fetch failed"; the reason (ECONNREFUSED, a DNS failure) is its cause.
      const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
      const reason =
        typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : undefined;
      throw new CinnabarApiError(
        {
          status: 0,
          code: 'fetch_failed',
          message: `${method} ${url} failed: ${messageOf(error)}${reason ? ` (${reason})` : ''}`,
        },
        { cause: error },
      );
    }
    if (response.ok) return response;
    throw await problemError(response, `${method} ${url}`);
  }
}

// ---------------------------------------------------------------------------------------------

function checkIndex(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${name} must be a non-negative integer, not ${n}`);
}

/** Bytes as a fetch body (a view of a SharedArrayBuffer is copied; fetch takes only ArrayBuffer views). */
function asBody(bytes: Uint8Array): BodyInit {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function malformedResponse(message: string, cause?: unknown): CinnabarApiError {
  return new CinnabarApiError(
    { status: 0, code: 'malformed_response', message },
    cause === undefined ? undefined : { cause },
  );
}

/** The error for a non-2xx answer: its problem body if it sent one, else its status. */
async function problemError(response: Response, what: string): Promise<CinnabarApiError> {
  const status = response.status;
  let problem: ProblemDetails | undefined;
  try {
    const bytes = await readBody(response, CINNABAR_CLIENT_DEFAULTS.maxProblemBytes, what);
    const value = parseJsonStrict(bytes, {
      maxBytes: CINNABAR_CLIENT_DEFAULTS.maxProblemBytes,
      maxDepth: 16,
    });
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof (value as { code?: unknown }).code === 'string'
    )
      problem = { ...(value as ProblemDetails), status };
  } catch {
    // Not a problem body (a proxy's HTML page, a truncated answer): the status is all there is.
  }
  if (!problem) {
    await response.body?.cancel().catch(() => {});
    return new CinnabarApiError({
      status,
      code: `http_${status}`,
      message: `${what}: HTTP ${status} ${response.statusText}`.trimEnd(),
    });
  }
  const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
  const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
  return new CinnabarApiError({
    status,
    code: problem.code,
    message: `${problem.code}: ${detail ?? title}`,
    ...(detail === undefined ? {} : { detail }),
    problem,
  });
}

/** The body of `response`, refusing one longer than `limit` bytes without reading it all. */
async function readBody(response: Response, limit: number, what: string): Promise<Uint8Array> {
  const tooLong = () => malformedResponse(`${what}: the answer is longer than the ${limit} bytes accepted`);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await response.body?.cancel().catch(() => {});
    throw tooLong();
  }
  try {
    return await readAtMost(response, limit, tooLong);
  } catch (error) {
    if (error instanceof CinnabarApiError) throw error;
    throw new CinnabarApiError(
      { status: 0, code: 'fetch_failed', message: `${what}: reading the answer failed: ${messageOf(error)}` },
      { cause: error },
    );
  }
}

/** A pass-through stream that reports how many bytes went by. */
function progressCounter(
  size: number,
  onProgress: (sent: number, size: number) => void,
): TransformStream<Uint8Array, Uint8Array> {
  let sent = 0;
  return new TransformStream({
    transform(chunk, controller) {
      sent += chunk.length;
      onProgress(sent, size);
      controller.enqueue(chunk);
    },
  });
}

/** The entry bytes of a GET /v1/entries/:index answer. */
export function entryBytes(view: LogEntryView): Uint8Array {
  return base64Decode(view.entry);
}

/** "?cursor=..&limit=.." (and any extra parameters), or "" if there are none. */
function pageSearch(page: PageQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  if (page.cursor !== undefined) params.set('cursor', page.cursor);
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  const search = params.toString();
  return search ? `?${search}` : '';
}
