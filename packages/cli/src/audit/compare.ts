/**
 * The replayed state beside what the node's read API says: the ledger (GET /v1/ledger: operator
 * and policy), every asset (/v1/assets), each identity (/v1/identities/{did}), what it holds
 * (…/holdings), is licensed (…/licences) and bought (…/sales), each credential
 * (/v1/credentials/{id}), each work's editions and valuations (/v1/assets/{id}/editions|valuations),
 * every listing (/v1/listings), space (/v1/spaces) and freeze, takedown and dispute
 * (/v1/supervision/freezes|takedowns|disputes), page by page. Records are compared whole, field by
 * field; each difference names the key, the field, both values, the entry that last wrote the
 * replayed record and the latest entry the node's record itself cites. The node is untrusted: every
 * answer is bounded in size, every page in count.
 */
import {
  type AssetRecord,
  assetKey,
  type CredentialRecord,
  canonicalize,
  type DisputeRecord,
  disputeKey,
  type EditionRecord,
  editionKey,
  type FreezeRecord,
  freezeKey,
  type IdentityRecord,
  identityKey,
  LEDGER_KEY,
  type LicenceRecord,
  type ListingRecord,
  licenceKey,
  listingKey,
  parseJsonStrict,
  type SaleRecord,
  type SpaceRecord,
  type StateRecord,
  saleKey,
  spaceKey,
  type TakedownRecord,
  takedownKey,
  type ValuationRecord,
  valuationKey,
} from '@cinnabar/core';
import { AuditError } from './audit-error.js';
import { readBounded } from './read-bounded.js';
import type { LogReplay } from './replay.js';

export interface CompareOptions {
  /** Largest answer read from the node, in bytes. */
  maxJsonBytes: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Divergences reported in full; beyond this only counted. */
  maxDivergences: number;
  fetch?: typeof fetch;
}

export const COMPARE_DEFAULTS: CompareOptions = {
  maxJsonBytes: 4 * 1024 * 1024,
  concurrency: 8,
  maxDivergences: 1000,
};

export type DivergenceView =
  | 'ledger'
  | 'asset'
  | 'identity'
  | 'credential'
  | 'holding'
  | 'edition'
  | 'licence'
  | 'sale'
  | 'valuation'
  | ListedView;

/** The records the node lists whole, each kind in one paginated listing. */
type ListedView = 'listing' | 'space' | 'freeze' | 'takedown' | 'dispute';

const WHOLE_LISTS = [
  {
    view: 'listing',
    path: 'v1/listings',
    key: (r: Json) => listingKey(String(r.asset), String(r.id)),
    counted: 'listings',
  },
  { view: 'space', path: 'v1/spaces', key: (r: Json) => spaceKey(String(r.id)), counted: 'spaces' },
  {
    view: 'freeze',
    path: 'v1/supervision/freezes',
    key: (r: Json) => freezeKey(String(r.id)),
    counted: 'freezes',
  },
  {
    view: 'takedown',
    path: 'v1/supervision/takedowns',
    key: (r: Json) => takedownKey(String(r.id)),
    counted: 'takedowns',
  },
  {
    view: 'dispute',
    path: 'v1/supervision/disputes',
    key: (r: Json) => disputeKey(String(r.id)),
    counted: 'disputes',
  },
] as const satisfies readonly {
  view: ListedView;
  path: string;
  key: (record: Json) => string;
  counted: keyof CompareResult['compared'];
}[];

/** One difference between the replayed state and the node's answer. */
export interface Divergence {
  /** Which listing showed it. */
  view: DivergenceView;
  /** The state key, e.g. asset/<id>, asset/<id>/edition/<n>, freeze/<id>, dispute/<id>. */
  key: string;
  /** The record's field that differs; "(record)" when one side has no such record. */
  field: string;
  /** The value by the log (null: no such record). Long values are cut. */
  replayed: unknown;
  /** The value the node gave. */
  node: unknown;
  /** The entry that last wrote the replayed record: where the log says its current value comes from. */
  entry?: number;
  /** The latest log index the node's record cites: the node's own claim of its last change. */
  nodeEntry?: number;
}

export interface CompareResult {
  requests: number;
  compared: {
    /** 1 once the ledger record (operator, policy) is compared. */
    ledger: number;
    assets: number;
    identities: number;
    credentials: number;
    editions: number;
    holdings: number;
    licences: number;
    listings: number;
    sales: number;
    valuations: number;
    spaces: number;
    freezes: number;
    takedowns: number;
    disputes: number;
  };
  divergences: Divergence[];
  divergenceCount: number;
}

/**
 * Fields the API adds to a record from what the node derived itself (never stored, not on the log):
 * not compared. An asset's aiLabel there is the declared label beside the node's inspection; the
 * declared one is compared, in metadata.aiLabel.
 */
const ADDED_FIELDS = new Set(['possiblePriorWork', 'isOperator', 'revisionAt', 'aiLabel']);
const PAGE = 100;
const EDITION_PAGE = 1000;

export async function compareWithNode(
  replay: LogReplay,
  nodeUrl: string,
  options: Partial<CompareOptions> = {},
): Promise<CompareResult> {
  const opts = { ...COMPARE_DEFAULTS, ...options };
  const api = new ApiReader(nodeUrl, opts);
  const state = indexState(replay);
  const found: Divergence[] = [];
  let count = 0;
  const reported = new Set<string>();
  const compared: CompareResult['compared'] = {
    ledger: 0,
    assets: 0,
    identities: 0,
    credentials: 0,
    editions: 0,
    holdings: 0,
    licences: 0,
    listings: 0,
    sales: 0,
    valuations: 0,
    spaces: 0,
    freezes: 0,
    takedowns: 0,
    disputes: 0,
  };

  const report = (d: Divergence) => {
    const id = `${d.key}\u0000${d.field}`;
    if (reported.has(id)) return;
    reported.add(id);
    count++;
    if (found.length < opts.maxDivergences) found.push(d);
  };
  /** Where a divergence at `key` starts: the entry that last wrote it, and the latest the node's record cites. */
  const at = (key: string, theirs?: Json) => {
    const entry = replay.lastWrite.get(key);
    const nodeEntry = theirs === undefined ? undefined : latestIndex(theirs);
    return {
      ...(entry === undefined ? {} : { entry }),
      ...(nodeEntry === undefined ? {} : { nodeEntry }),
    };
  };
  /** Compare a record the node gave with the replayed one under the same key. */
  const diff = (view: DivergenceView, key: string, mine: StateRecord | undefined, theirs: Json) => {
    const where = at(key, theirs);
    if (!mine) {
      report({ view, key, field: '(record)', replayed: null, node: clip(theirs), ...where });
      return;
    }
    const fields = new Set([...Object.keys(mine), ...Object.keys(theirs)]);
    for (const field of fields) {
      if (ADDED_FIELDS.has(field)) continue;
      const a = (mine as unknown as Json)[field];
      const b = theirs[field];
      if (a === b || (a !== undefined && b !== undefined && canonicalize(a) === canonicalize(b))) continue;
      report({ view, key, field, replayed: clip(a ?? null), node: clip(b ?? null), ...where });
    }
  };
  const missing = (
    view: DivergenceView,
    key: string,
    mine: StateRecord,
    field = '(record)',
    node: unknown = null,
  ) => {
    const replayed = field === 'owner' ? (mine as AssetRecord).owner : clip(summary(mine));
    report({ view, key, field, replayed, node, ...at(key) });
  };

  // The ledger itself: its operator, name and the policy in force.
  const ledgerRecord = replay.ledger.get(LEDGER_KEY);
  const theirLedger = await api.record('v1/ledger');
  if (theirLedger) {
    if (theirLedger.kind !== 'ledger') throw malformed('GET /v1/ledger: the answer is not a ledger record');
    compared.ledger++;
    diff('ledger', LEDGER_KEY, ledgerRecord, theirLedger);
  } else if (ledgerRecord) missing('ledger', LEDGER_KEY, ledgerRecord);

  // Every asset the node lists, newest first; the cursor is a registration index and must fall.
  const seenAssets = new Set<string>();
  await api.pages(
    'v1/assets',
    PAGE,
    Math.ceil(state.assets.size / PAGE) + 2,
    (cursor) => /^\d+$/.test(cursor),
    (items) => {
      for (const item of items) {
        const asset = recordOf(item, 'asset', 'GET /v1/assets');
        const key = assetKey(String(asset.id));
        if (seenAssets.has(key)) throw malformed(`GET /v1/assets lists ${key} twice`);
        seenAssets.add(key);
        compared.assets++;
        diff('asset', key, state.assets.get(key), asset);
      }
    },
    () =>
      report({
        view: 'asset',
        key: '(asset list)',
        field: '(count)',
        replayed: state.assets.size,
        node: 'more',
      }),
  );
  for (const [key, asset] of state.assets) if (!seenAssets.has(key)) missing('asset', key, asset);

  // Each identity (roles, real-name credentials, its freeze), what it holds, is licensed and bought.
  const seenSales = new Set<string>();
  await forEachLimit([...state.identities], opts.concurrency, async (did) => {
    const key = identityKey(did);
    const theirs = await api.record(`v1/identities/${encodeURIComponent(did)}`);
    if (!theirs) missing('identity', key, replay.ledger.get(key)!);
    else {
      compared.identities++;
      diff('identity', key, replay.ledger.get(key), theirs);
    }

    const held = state.holdings.get(did) ?? new Map<string, StateRecord>();
    const listed = new Set<string>();
    await api.pages(
      `v1/identities/${encodeURIComponent(did)}/holdings`,
      PAGE,
      Math.ceil(held.size / PAGE) + 2,
      isOpaqueCursor,
      (items) => {
        for (const item of items) {
          const record = recordOf(item, ['asset', 'edition'], 'GET /v1/identities/{did}/holdings');
          const key = holdingKey(record);
          listed.add(key);
          compared.holdings++;
          const mine = state.items.get(key);
          if (mine && (mine as AssetRecord).owner !== did)
            report({
              view: 'holding',
              key,
              field: 'owner',
              replayed: (mine as AssetRecord).owner,
              node: did,
              ...at(key, record),
            });
          diff('holding', key, mine, record);
        }
      },
      () =>
        report({
          view: 'holding',
          key: `identity/${did}`,
          field: '(count)',
          replayed: held.size,
          node: 'more',
        }),
    );
    for (const [key, record] of held)
      if (!listed.has(key)) missing('holding', key, record, 'owner', `(not among ${did}'s holdings)`);

    const licensed = state.licences.get(did) ?? new Map<string, LicenceRecord>();
    const listedLicences = new Set<string>();
    await api.pages(
      `v1/identities/${encodeURIComponent(did)}/licences`,
      PAGE,
      Math.ceil(licensed.size / PAGE) + 2,
      isOpaqueCursor,
      (items) => {
        for (const item of items) {
          const licence = recordOf(item, 'licence', 'GET /v1/identities/{did}/licences');
          const key = licenceKey(String(licence.asset), String(licence.id));
          listedLicences.add(key);
          compared.licences++;
          diff('licence', key, state.allLicences.get(key), licence);
        }
      },
      () =>
        report({
          view: 'licence',
          key: `identity/${did}`,
          field: '(count)',
          replayed: licensed.size,
          node: 'more',
        }),
    );
    for (const [key, licence] of licensed) if (!listedLicences.has(key)) missing('licence', key, licence);

    const bought = state.sales.get(did) ?? new Map<string, SaleRecord>();
    await api.pages(
      `v1/identities/${encodeURIComponent(did)}/sales`,
      PAGE,
      Math.ceil(bought.size / PAGE) + 2,
      isOpaqueCursor,
      (items) => {
        for (const item of items) {
          const sale = recordOf(item, 'sale', 'GET /v1/identities/{did}/sales');
          const key = saleKey(String(sale.asset), String(sale.id));
          seenSales.add(key);
          compared.sales++;
          const mine = state.allSales.get(key);
          if (mine && mine.buyer !== did)
            report({
              view: 'sale',
              key,
              field: 'buyer',
              replayed: mine.buyer,
              node: `(among ${did}'s purchases)`,
              ...at(key, sale),
            });
          diff('sale', key, mine, sale);
        }
      },
      () =>
        report({
          view: 'sale',
          key: `identity/${did}`,
          field: '(count)',
          replayed: bought.size,
          node: 'more',
        }),
    );
  });
  // A sale is listed under its buyer; one whose buyer the node does not list it under is missing.
  for (const [key, sale] of state.allSales) if (!seenSales.has(key)) missing('sale', key, sale);

  // Each credential the log issued (an identity's record names those it holds, compared above).
  await forEachLimit([...state.credentials], opts.concurrency, async ([key, credential]) => {
    const theirs = await api.record(`v1/credentials/${encodeURIComponent(credential.id)}`);
    if (!theirs) return missing('credential', key, credential);
    if (theirs.kind !== 'credential' || theirs.id !== credential.id)
      throw malformed(`GET /v1/credentials/${credential.id}: the answer is not that credential`);
    compared.credentials++;
    diff('credential', key, credential, theirs);
  });

  // The editions of each work that has them.
  await forEachLimit([...state.editions], opts.concurrency, async ([asset, editions]) => {
    const seen = new Set<string>();
    await api.pages(
      `v1/assets/${asset}/editions`,
      EDITION_PAGE,
      Math.ceil(editions.size / EDITION_PAGE) + 1,
      (cursor) => /^\d+$/.test(cursor),
      (items) => {
        for (const item of items) {
          const edition = recordOf(item, 'edition', 'GET /v1/assets/{id}/editions');
          if (edition.asset !== asset)
            throw malformed(`GET /v1/assets/${asset}/editions lists another work's edition`);
          const key = holdingKey(edition);
          seen.add(key);
          compared.editions++;
          diff('edition', key, editions.get(key), edition);
        }
      },
      () =>
        report({
          view: 'edition',
          key: assetKey(asset),
          field: '(count)',
          replayed: editions.size,
          node: 'more',
        }),
      'editions',
    );
    for (const [key, edition] of editions) if (!seen.has(key)) missing('edition', key, edition);
  });

  // Each work's valuations, where the log has some.
  await forEachLimit([...state.valuations], opts.concurrency, async ([asset, valuations]) => {
    const seen = new Set<string>();
    const body = await api.record(`v1/assets/${asset}/valuations`);
    const items = body?.valuations;
    if (body && (!Array.isArray(items) || !items.every(isObject)))
      throw malformed(`GET /v1/assets/${asset}/valuations: "valuations" is not a list of records`);
    for (const item of (items ?? []) as Json[]) {
      const valuation = recordOf(item, 'valuation', 'GET /v1/assets/{id}/valuations');
      if (valuation.asset !== asset)
        throw malformed(`GET /v1/assets/${asset}/valuations lists another work's valuation`);
      const key = valuationKey(asset, String(valuation.id));
      seen.add(key);
      compared.valuations++;
      diff('valuation', key, valuations.get(key), valuation);
    }
    // A node lists at most 10,000 valuations of a work (and says so): the rest cannot be looked for.
    if (body?.truncated === true) return;
    for (const [key, valuation] of valuations) if (!seen.has(key)) missing('valuation', key, valuation);
  });

  // Every listing (open, cancelled, sold) and space; every freeze, takedown and dispute, lifted,
  // restored and resolved ones too.
  for (const list of WHOLE_LISTS) {
    const mine = state.listed[list.view];
    const seen = new Set<string>();
    await api.pages(
      list.path,
      PAGE,
      Math.ceil(mine.size / PAGE) + 2,
      isOpaqueCursor,
      (items) => {
        for (const item of items) {
          const record = recordOf(item, list.view, `GET /${list.path}`);
          const key = list.key(record);
          seen.add(key);
          compared[list.counted]++;
          diff(list.view, key, mine.get(key), record);
        }
      },
      () =>
        report({
          view: list.view,
          key: `(${list.view} list)`,
          field: '(count)',
          replayed: mine.size,
          node: 'more',
        }),
    );
    for (const [key, record] of mine) if (!seen.has(key)) missing(list.view, key, record);
  }

  found.sort((a, b) => (a.entry ?? Number.MAX_SAFE_INTEGER) - (b.entry ?? Number.MAX_SAFE_INTEGER));
  return { requests: api.requests, compared, divergences: found, divergenceCount: count };
}

type Json = Record<string, unknown>;

/** The replayed records the API lists, indexed the ways it lists them. */
function indexState(replay: LogReplay) {
  const assets = new Map<string, AssetRecord>();
  const items = new Map<string, StateRecord>(); // assets and editions
  const holdings = new Map<string, Map<string, StateRecord>>();
  const identities = new Set<string>();
  const editions = new Map<string, Map<string, EditionRecord>>();
  const licences = new Map<string, Map<string, LicenceRecord>>();
  const allLicences = new Map<string, LicenceRecord>();
  const sales = new Map<string, Map<string, SaleRecord>>(); // by buyer
  const allSales = new Map<string, SaleRecord>();
  const credentials = new Map<string, CredentialRecord>();
  const valuations = new Map<string, Map<string, ValuationRecord>>(); // by work
  const listed = {
    listing: new Map<string, ListingRecord>(),
    space: new Map<string, SpaceRecord>(),
    freeze: new Map<string, FreezeRecord>(),
    takedown: new Map<string, TakedownRecord>(),
    dispute: new Map<string, DisputeRecord>(),
  };
  const add = <K, V>(map: Map<string, Map<K, V>>, at: string, key: K, value: V) => {
    let inner = map.get(at);
    if (!inner) {
      inner = new Map();
      map.set(at, inner);
    }
    inner.set(key, value);
  };
  for (const [key, record] of replay.ledger.entries()) {
    switch (record.kind) {
      case 'identity':
        identities.add((record as IdentityRecord).did);
        break;
      case 'asset':
        assets.set(key, record);
        items.set(key, record);
        add(holdings, record.owner, key, record);
        break;
      case 'edition':
        items.set(key, record);
        add(holdings, record.owner, key, record);
        add(editions, record.asset, key, record);
        break;
      case 'licence':
        allLicences.set(key, record);
        add(licences, record.licensee, key, record);
        break;
      case 'sale':
        allSales.set(key, record);
        add(sales, record.buyer, key, record);
        break;
      case 'credential':
        credentials.set(key, record);
        break;
      case 'valuation':
        add(valuations, record.asset, key, record);
        break;
      case 'listing':
      case 'space':
      case 'freeze':
      case 'takedown':
      case 'dispute':
        (listed[record.kind] as Map<string, StateRecord>).set(key, record);
        break;
    }
  }
  return {
    assets,
    items,
    holdings,
    identities,
    editions,
    licences,
    allLicences,
    sales,
    allSales,
    credentials,
    valuations,
    listed,
  };
}

/** Bounded, checked GETs of the node's JSON API. */
class ApiReader {
  requests = 0;
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(
    nodeUrl: string,
    private readonly options: CompareOptions,
  ) {
    this.base = nodeUrl.endsWith('/') ? nodeUrl : `${nodeUrl}/`;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * Every page of a cursor-paginated listing, `limit` items a page, at most `maxPages` pages (a
   * node that lists more than the log holds calls `tooMany` instead of being followed forever).
   */
  async pages(
    path: string,
    limit: number,
    maxPages: number,
    validCursor: (cursor: string) => boolean,
    onItems: (items: Json[]) => void,
    tooMany: () => void,
    itemsField = 'items',
  ): Promise<void> {
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (let page = 0; ; page++) {
      if (page >= maxPages) return tooMany();
      const query = `?limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const body = await this.getJson(path + query);
      if (!body) return; // 404: nothing there (what is missing is reported by the caller)
      const items = body[itemsField];
      const next = body.nextCursor;
      if (!Array.isArray(items) || items.length > limit || !items.every(isObject))
        throw malformed(`GET /${path}: "${itemsField}" is not a list of at most ${limit} records`);
      if (next !== null && (typeof next !== 'string' || next.length > 1000 || !validCursor(next)))
        throw malformed(`GET /${path}: nextCursor is neither null nor a cursor`);
      onItems(items as Json[]);
      if (next === null) return;
      if (seen.has(next))
        throw malformed(`GET /${path}: the pages go round in a circle (cursor ${next.slice(0, 40)})`);
      seen.add(next);
      cursor = next;
    }
  }

  /** The JSON object at `path`; undefined for a 404. */
  /** The JSON object at `path`; undefined for a 404. */
  record(path: string): Promise<Json | undefined> {
    return this.getJson(path);
  }

  private async getJson(path: string): Promise<Json | undefined> {
    const url = this.base + path;
    this.requests++;
    let response: Response;
    try {
      response = await this.fetchFn(url, { headers: { accept: 'application/json' } });
    } catch (error) {
      throw new AuditError('api_failed', `GET ${url} failed: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      if (response.status === 404) return undefined;
      throw new AuditError('api_failed', `GET ${url}: HTTP ${response.status}`);
    }
    const limit = this.options.maxJsonBytes;
    const bytes = await readBounded(
      response,
      limit,
      () => malformed(`GET ${url}: the answer is longer than the ${limit} bytes accepted`),
      (error) =>
        new AuditError('api_failed', `GET ${url}: reading the answer failed: ${(error as Error).message}`, {
          cause: error,
        }),
    );
    let value: unknown;
    try {
      value = parseJsonStrict(bytes, { maxBytes: limit, maxDepth: 64 });
    } catch (error) {
      throw malformed(`GET ${url}: the answer is not JSON: ${(error as Error).message}`, error);
    }
    if (!isObject(value)) throw malformed(`GET ${url}: the answer is not a JSON object`);
    return value;
  }
}

function malformed(message: string, cause?: unknown): AuditError {
  return new AuditError('malformed_response', message, cause === undefined ? undefined : { cause });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TX_ID = /^[0-9a-f]{64}$/;
/** Records stored under a work, whose keys need its id. */
const UNDER_A_WORK = new Set(['licence', 'listing', 'sale', 'valuation']);

/** An item of a listing, checked to be a record of the expected kind with well-formed ids. */
function recordOf(item: Json, kinds: string | string[], where: string): Json {
  const ok = Array.isArray(kinds) ? kinds.includes(item.kind as string) : item.kind === kinds;
  if (!ok) throw malformed(`${where}: an item is not a ${[kinds].flat().join(' or ')} record`);
  const assetOk = typeof item.asset === 'string' && TX_ID.test(item.asset);
  const idOk =
    item.kind === 'edition'
      ? assetOk && Number.isSafeInteger(item.number) && (item.number as number) >= 1
      : typeof item.id === 'string' &&
        TX_ID.test(item.id) &&
        (!UNDER_A_WORK.has(item.kind as string) || assetOk);
  if (!idOk) throw malformed(`${where}: a ${String(item.kind)} record has malformed ids`);
  return item;
}

function holdingKey(record: Json): string {
  return record.kind === 'edition'
    ? editionKey(record.asset as string, record.number as number)
    : assetKey(record.id as string);
}

/** Cursors the node makes up (opaque): a bounded, URL-safe token. */
function isOpaqueCursor(cursor: string): boolean {
  return /^[A-Za-z0-9_-]{1,600}$/.test(cursor);
}

/** The largest `index` of any log reference ({index, txId}) in a record, at most a few levels down. */
function latestIndex(value: unknown, depth = 0): number | undefined {
  if (depth > 4 || typeof value !== 'object' || value === null) return undefined;
  let best: number | undefined;
  const v = value as Json;
  if (Number.isSafeInteger(v.index) && typeof v.txId === 'string') best = v.index as number;
  for (const child of Array.isArray(value) ? value.slice(0, 100) : Object.values(v)) {
    const found = latestIndex(child, depth + 1);
    if (found !== undefined && (best === undefined || found > best)) best = found;
  }
  return best;
}

/** A short form of a record for a report: its kind and owner or holder where it has one. */
function summary(record: StateRecord): unknown {
  const r = record as unknown as Json;
  const out: Json = { kind: r.kind };
  for (const field of ['owner', 'licensee', 'target', 'lifted', 'revoked'])
    if (r[field] !== undefined) out[field] = r[field];
  return out;
}

/** A value for a report, cut to about 300 characters of JSON. */
function clip(value: unknown): unknown {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= 300 ? value : `${text.slice(0, 300)}…`;
}

async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && failed === undefined) {
        const item = items[next++]!;
        try {
          await task(item);
        } catch (error) {
          failed ??= error;
        }
      }
    }),
  );
  if (failed !== undefined) throw failed;
}
