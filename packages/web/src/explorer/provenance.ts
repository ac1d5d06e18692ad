/**
 * A work's provenance, verified by the reader's own machine with core's code: every entry of the
 * work's timeline is fetched as bytes from the log's tiles, its hash must be the transaction id the
 * timeline names, its signature must be its actor's (verifyTransaction), its type must be what the
 * timeline says it did, and its inclusion proof (GET /v1/proofs/inclusion) must lead to the root of
 * a checkpoint whose signature was checked against the log's verifier key. The key is trusted on
 * first use: pinned per origin, and a change is reported, never followed silently.
 *
 * No DOM here (the pin store is passed in), so Node tests run exactly this against a real node.
 */
import {
  type AssetEventRecord,
  type AssetRecord,
  type AssetRevisionRecord,
  base64Decode,
  base64Encode,
  type CinnabarClient,
  type DisputeRecord,
  decodeTransaction,
  type FreezeRecord,
  type LicenceRecord,
  type ListingRecord,
  type LogRef,
  leafHash,
  openCheckpoint,
  type SaleRecord,
  type SignedTransaction,
  type TakedownRecord,
  TILE_WIDTH,
  transactionId,
  type ValuationRecord,
  verifierFromKey,
  verifyInclusion,
  verifyTransaction,
} from '@cinnabar/core';

// ---------------------------------------------------------------------------------------------
// The timeline: what the node's records say happened to the work, one item per fact.

export type TimelineKind =
  | 'registered'
  | 'revised'
  | 'transfer-offered'
  | 'transferred'
  | 'custody-deposited'
  | 'custody-released'
  | 'sold'
  | 'restored'
  | 'editions-issued'
  | 'licence-granted'
  | 'licence-revoked'
  | 'listed'
  | 'listing-cancelled'
  | 'valued'
  | 'frozen'
  | 'unfrozen'
  | 'taken-down'
  | 'content-restored'
  | 'dispute-opened'
  | 'dispute-answered'
  | 'dispute-resolved';

/** The transaction types that can make each kind of fact. */
export const TIMELINE_TX_TYPES: Record<TimelineKind, readonly string[]> = {
  registered: ['asset.register'],
  revised: ['asset.update'],
  'transfer-offered': ['asset.transfer'],
  transferred: ['asset.transfer', 'asset.accept'],
  'custody-deposited': ['custody.deposit'],
  'custody-released': ['custody.release'],
  sold: ['sale.settle'],
  restored: ['dispute.resolve'],
  'editions-issued': ['edition.issue'],
  'licence-granted': ['licence.grant'],
  'licence-revoked': ['licence.revoke'],
  listed: ['listing.create'],
  'listing-cancelled': ['listing.cancel'],
  valued: ['valuation.attest'],
  frozen: ['supervision.freeze'],
  unfrozen: ['supervision.unfreeze'],
  'taken-down': ['supervision.takedown'],
  'content-restored': ['supervision.restore'],
  'dispute-opened': ['dispute.open'],
  'dispute-answered': ['dispute.respond'],
  'dispute-resolved': ['dispute.resolve'],
};

/** One fact of the timeline, as the node's records state it. */
export interface TimelineItem {
  kind: TimelineKind;
  at: LogRef;
  /** Who did it, where the record says. */
  actor?: string;
  /** The other party (the recipient, the licensee, the buyer…), where there is one. */
  party?: string;
  edition?: number;
  /** A few words from the record: a price, grounds, a licence's uses… */
  detail?: string;
}

/** The log entry behind one or more timeline items (a sale is a sale, a change of hands and a closed listing). */
export interface TimelineEntry {
  index: number;
  txId: string;
  time: string;
  items: TimelineItem[];
}

/** Everything the node says about a work that the timeline is built from. */
export interface ProvenanceRecords {
  asset: AssetRecord;
  revisions: AssetRevisionRecord[];
  events: AssetEventRecord[];
  licences: LicenceRecord[];
  listings: ListingRecord[];
  sales: SaleRecord[];
  valuations: ValuationRecord[];
  freezes: FreezeRecord[];
  takedowns: TakedownRecord[];
  disputes: DisputeRecord[];
}

/** Read a work's records from a node (undefined if there is no such work). */
export async function loadProvenanceRecords(
  client: CinnabarClient,
  id: string,
): Promise<ProvenanceRecords | undefined> {
  const asset = await client.asset(id);
  if (!asset) return undefined;
  const supervision = fetchJson<{
    freezes: FreezeRecord[];
    takedowns: TakedownRecord[];
    disputes: DisputeRecord[];
  }>(client, `v1/assets/${id}/supervision`);
  const [revisions, history, licences, listings, sales, valuations, supervised] = await Promise.all([
    client.assetRevisions(id),
    client.assetHistory(id),
    client.assetLicences(id),
    client.assetListings(id),
    client.assetSales(id),
    client.assetValuations(id),
    supervision,
  ]);
  return {
    asset,
    revisions: revisions?.revisions ?? [],
    events: history?.events ?? [],
    licences: licences?.licences ?? [],
    listings: listings?.listings ?? [],
    sales: sales?.sales ?? [],
    valuations: valuations?.valuations ?? [],
    freezes: supervised.freezes,
    takedowns: supervised.takedowns,
    disputes: supervised.disputes,
  };
}

async function fetchJson<T>(client: CinnabarClient, path: string): Promise<T> {
  const response = await fetch(client.baseUrl + path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The timeline of a work: its log entries, oldest first, each with the facts it made. */
export function buildTimeline(r: ProvenanceRecords): TimelineEntry[] {
  const items: TimelineItem[] = [];
  const add = (item: TimelineItem) => items.push(item);
  const { asset } = r;
  add({ kind: 'registered', at: asset.registered, actor: asset.registrant });
  for (const revision of r.revisions)
    if (revision.revision > 0)
      add({ kind: 'revised', at: revision.at, actor: revision.actor, detail: `#${revision.revision}` });
  if (asset.editions)
    add({
      kind: 'editions-issued',
      at: asset.editions.issued,
      actor: asset.editions.issuer,
      detail: String(asset.editions.supply),
    });
  for (const event of r.events)
    add({
      kind: event.event,
      at: event.at,
      actor: event.from,
      party: event.to,
      ...(event.edition === undefined ? {} : { edition: event.edition }),
    });
  for (const licence of r.licences) {
    add({
      kind: 'licence-granted',
      at: licence.granted,
      actor: licence.grantor,
      party: licence.licensee,
      detail: licence.terms.uses.join(', '),
    });
    if (licence.revoked)
      add({
        kind: 'licence-revoked',
        at: licence.revoked,
        actor: licence.revoked.by,
        party: licence.licensee,
      });
  }
  for (const listing of r.listings) {
    add({
      kind: 'listed',
      at: listing.listed,
      actor: listing.seller,
      detail: `¥${listing.price}`,
      ...(listing.edition === undefined ? {} : { edition: listing.edition }),
    });
    if (listing.status === 'cancelled' && listing.closed)
      add({ kind: 'listing-cancelled', at: listing.closed, actor: listing.seller });
  }
  for (const sale of r.sales)
    if (!r.events.some((e) => e.at.index === sale.at.index))
      add({
        kind: 'sold',
        at: sale.at,
        actor: sale.seller,
        party: sale.buyer,
        detail: `¥${sale.price}`,
        ...(sale.edition === undefined ? {} : { edition: sale.edition }),
      });
  for (const valuation of r.valuations)
    add({
      kind: 'valued',
      at: valuation.at,
      actor: valuation.appraiser,
      detail: `¥${valuation.amount} (${valuation.method})`,
    });
  for (const freeze of r.freezes) {
    add({ kind: 'frozen', at: freeze.at, actor: freeze.regulator, detail: freeze.grounds.text });
    if (freeze.lifted) add({ kind: 'unfrozen', at: freeze.lifted, actor: freeze.lifted.by });
  }
  for (const takedown of r.takedowns) {
    add({ kind: 'taken-down', at: takedown.at, actor: takedown.regulator, detail: takedown.grounds.text });
    if (takedown.restored)
      add({ kind: 'content-restored', at: takedown.restored, actor: takedown.restored.by });
  }
  for (const dispute of r.disputes) {
    add({ kind: 'dispute-opened', at: dispute.opened, actor: dispute.claimant, detail: dispute.claim });
    if (dispute.response) add({ kind: 'dispute-answered', at: dispute.response, actor: dispute.respondent });
    if (dispute.resolution)
      add({
        kind: 'dispute-resolved',
        at: dispute.resolution,
        actor: dispute.resolution.arbitrator,
        detail: dispute.resolution.outcome,
      });
  }
  const byIndex = new Map<number, TimelineEntry>();
  for (const item of items) {
    const entry = byIndex.get(item.at.index);
    if (entry) entry.items.push(item);
    else
      byIndex.set(item.at.index, {
        index: item.at.index,
        txId: item.at.txId,
        time: item.at.time,
        items: [item],
      });
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

// ---------------------------------------------------------------------------------------------
// Verification

/** The checks, in the order they are made. */
export const PROVENANCE_CHECKS = [
  /** The log's verifier key is the one pinned on first use. */
  'key',
  /** The checkpoint's signature verifies with that key, and its origin is the key's name. */
  'checkpoint-signature',
  /** The entry is within the checkpoint's tree. */
  'in-checkpoint',
  /** The entry's bytes were served, and their SHA-256 is the transaction id the timeline names. */
  'entry-hash',
  /** The bytes are a transaction, signed by its actor. */
  'signature',
  /** The transaction is of a type that makes what the timeline says, about this work. */
  'content',
  /** The entry's inclusion proof leads from its leaf hash to the checkpoint's root. */
  'inclusion',
] as const;
export type ProvenanceCheck = (typeof PROVENANCE_CHECKS)[number];

export interface ProvenanceFailure {
  check: ProvenanceCheck;
  /** The entry that failed (absent for the key and the checkpoint). */
  index?: number;
  message: string;
}

/** Where the verifier key came from. */
export type KeySource = 'first-use' | 'pinned' | 'changed';

export interface EntryVerdict {
  index: number;
  txId: string;
  /** The transaction, where its bytes decoded. */
  tx?: SignedTransaction;
  /** Checks passed, in order; the first failed one is in `failure`. */
  passed: ProvenanceCheck[];
  failure?: ProvenanceFailure;
}

export interface ProvenanceVerdict {
  /** True only when every check of every entry passed. */
  verified: boolean;
  key: {
    /** The key checked with: the pinned one (or the one just pinned). */
    vkey: string;
    source: KeySource;
    pinnedAt?: string;
    /** The key the node serves now, when it differs from the pinned one. */
    served?: string;
  };
  checkpoint?: { origin: string; size: number; rootHash: string; note: string };
  entries: EntryVerdict[];
  failures: ProvenanceFailure[];
}

/** Where the verifier key is pinned (localStorage in the browser, a Map in tests). */
export interface KeyPinStore {
  get(): { vkey: string; pinnedAt: string } | undefined;
  set(pin: { vkey: string; pinnedAt: string }): void;
}

/** What verification reads from the node; httpProvenanceSource reads it over HTTP. */
export interface ProvenanceSource {
  /** GET /log/vkey. */
  vkey(): Promise<string>;
  /** GET /log/checkpoint: the signed note. */
  checkpoint(): Promise<string>;
  /** Entries `start` to `end` (exclusive) of the tree of `size`, from the tiles. */
  entries(start: number, end: number, size: number): Promise<Uint8Array[]>;
  /** GET /v1/proofs/inclusion: the RFC 9162 inclusion proof of `index` in the tree of `size`. */
  inclusionProof(index: number, size: number): Promise<Uint8Array[]>;
}

export const PROVENANCE_DEFAULTS = Object.freeze({
  /** Proofs fetched at once. */
  concurrency: 4,
  /** Most hashes an inclusion proof may have (a tree of 2^63 leaves). */
  maxProofHashes: 63,
});

export function httpProvenanceSource(client: CinnabarClient): ProvenanceSource {
  return {
    vkey: () => client.vkey(),
    checkpoint: () => client.checkpoint(),
    entries: (start, end, size) => client.logEntries(start, end, size),
    async inclusionProof(index, size) {
      const response = await fetch(`${client.baseUrl}v1/proofs/inclusion?index=${index}&size=${size}`, {
        headers: { accept: 'application/json' },
      });
      if (!response.ok) throw new Error(`the node answered HTTP ${response.status}`);
      const body = (await response.json()) as { proof?: unknown };
      if (!Array.isArray(body.proof) || body.proof.length > PROVENANCE_DEFAULTS.maxProofHashes)
        throw new Error('the answer has no proof');
      return body.proof.map((hash) => {
        if (typeof hash !== 'string') throw new Error('a proof hash is not a string');
        return base64Decode(hash);
      });
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether the transaction is about the work `asset` where its body says which work it is about. */
function concernsAsset(tx: SignedTransaction, asset: string, txId: string): boolean {
  if (tx.type === 'asset.register') return txId === asset;
  const body = tx.body as { asset?: unknown; target?: { asset?: unknown } };
  if (typeof body.asset === 'string') return body.asset === asset;
  if (body.target && typeof body.target.asset === 'string') return body.target.asset === asset;
  return true; // dispute.respond, dispute.resolve, unfreeze, restore name their act, not the work
}

/** Run `fn` over `items` with at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export interface CheckpointVerdict {
  key: ProvenanceVerdict['key'];
  checkpoint?: NonNullable<ProvenanceVerdict['checkpoint']>;
  root?: Uint8Array;
  /** The key's and the checkpoint's failures (none: the checkpoint is signed by the pinned key). */
  failures: ProvenanceFailure[];
}

/**
 * The log's key, trusted on first use (pinned in `pins`; a change is a failure, and the pinned key
 * stays the one checked with), and the latest checkpoint, whose signature is checked with it.
 */
export async function verifyCheckpoint(
  source: Pick<ProvenanceSource, 'vkey' | 'checkpoint'>,
  pins: KeyPinStore,
  now: () => Date = () => new Date(),
): Promise<CheckpointVerdict> {
  const failures: ProvenanceFailure[] = [];
  let served: string;
  try {
    served = (await source.vkey()).trim();
  } catch (error) {
    served = '';
    failures.push({ check: 'key', message: `the log's verifier key could not be read: ${messageOf(error)}` });
  }
  const pin = pins.get();
  let key: ProvenanceVerdict['key'];
  if (!pin) {
    const pinnedAt = now().toISOString();
    if (served) pins.set({ vkey: served, pinnedAt });
    key = { vkey: served, source: 'first-use', pinnedAt };
  } else if (served && served !== pin.vkey) {
    key = { vkey: pin.vkey, source: 'changed', pinnedAt: pin.pinnedAt, served };
    failures.push({
      check: 'key',
      message: `the log's verifier key changed since it was pinned on ${pin.pinnedAt}: pinned ${pin.vkey}, served ${served}`,
    });
  } else key = { vkey: pin.vkey, source: 'pinned', pinnedAt: pin.pinnedAt };
  if (!key.vkey) return { key, failures };
  try {
    const note = await source.checkpoint();
    const opened = openCheckpoint(note, verifierFromKey(key.vkey));
    const root = opened.checkpoint.rootHash;
    return {
      key,
      root,
      checkpoint: {
        origin: opened.checkpoint.origin,
        size: opened.checkpoint.size,
        rootHash: base64Encode(root),
        note,
      },
      failures,
    };
  } catch (error) {
    failures.push({
      check: 'checkpoint-signature',
      message: `the checkpoint did not verify: ${messageOf(error)}`,
    });
    return { key, failures };
  }
}

/**
 * Verify a work's timeline (see the top of this file). Never throws for anything the node sends:
 * every failure is a ProvenanceFailure naming the check and the entry.
 */
export async function verifyProvenance(
  asset: string,
  timeline: readonly TimelineEntry[],
  source: ProvenanceSource,
  pins: KeyPinStore,
  options: { now?: () => Date; concurrency?: number } = {},
): Promise<ProvenanceVerdict> {
  const failures: ProvenanceFailure[] = [];
  const entries: EntryVerdict[] = timeline.map((e) => ({ index: e.index, txId: e.txId, passed: [] }));
  const fail = (failure: ProvenanceFailure, entry?: EntryVerdict) => {
    failures.push(failure);
    if (entry) entry.failure = failure;
  };

  const opened = await verifyCheckpoint(source, pins, options.now);
  for (const failure of opened.failures) fail(failure);
  const { key, checkpoint, root } = opened;
  if (!checkpoint || !root) {
    for (const entry of entries)
      entry.failure ??= {
        check: opened.failures[0]?.check ?? 'checkpoint-signature',
        index: entry.index,
        message: 'not checked',
      };
    return { verified: false, key, entries, failures };
  }
  const { size } = checkpoint;

  // Entry bytes, one tile request per bundle of 256 entries.
  const bytes = new Map<number, Uint8Array>();
  const bundles = [
    ...new Set(entries.filter((e) => e.index < size).map((e) => Math.floor(e.index / TILE_WIDTH))),
  ];
  const bundleErrors = new Map<number, string>();
  await eachLimited(bundles, options.concurrency ?? PROVENANCE_DEFAULTS.concurrency, async (bundle) => {
    const start = bundle * TILE_WIDTH;
    const end = Math.min(start + TILE_WIDTH, size);
    try {
      const got = await source.entries(start, end, size);
      for (const [i, entry] of got.entries()) bytes.set(start + i, entry);
    } catch (error) {
      bundleErrors.set(bundle, messageOf(error));
    }
  });

  const fromTimeline = new Map(timeline.map((e) => [e.index, e]));
  await eachLimited(entries, options.concurrency ?? PROVENANCE_DEFAULTS.concurrency, async (verdict) => {
    const { index } = verdict;
    const failAt = (check: ProvenanceCheck, message: string) => fail({ check, index, message }, verdict);
    if (index >= size)
      return failAt('in-checkpoint', `entry ${index} is beyond the checkpoint's tree of ${size} entries`);
    verdict.passed.push('in-checkpoint');
    const entry = bytes.get(index);
    if (!entry)
      return failAt(
        'entry-hash',
        `entry ${index} was not served: ${bundleErrors.get(Math.floor(index / TILE_WIDTH)) ?? 'missing from its tile'}`,
      );
    const hashed = transactionId(entry);
    if (hashed !== verdict.txId)
      return failAt(
        'entry-hash',
        `entry ${index} hashes to ${hashed}, not to ${verdict.txId} as the timeline says`,
      );
    verdict.passed.push('entry-hash');
    let tx: SignedTransaction;
    try {
      tx = decodeTransaction(entry);
    } catch (error) {
      return failAt('signature', `entry ${index} is not a transaction: ${messageOf(error)}`);
    }
    verdict.tx = tx;
    if (!verifyTransaction(tx))
      return failAt('signature', `entry ${index} is not signed by its actor ${tx.actor}`);
    verdict.passed.push('signature');
    const told = fromTimeline.get(index)!;
    const wrong = told.items.find((item) => !TIMELINE_TX_TYPES[item.kind].includes(tx.type));
    if (wrong) return failAt('content', `entry ${index} is a ${tx.type}, which cannot make "${wrong.kind}"`);
    if (!concernsAsset(tx, asset, verdict.txId))
      return failAt('content', `entry ${index} (${tx.type}) is about another work`);
    verdict.passed.push('content');
    let proof: Uint8Array[];
    try {
      proof = await source.inclusionProof(index, size);
    } catch (error) {
      return failAt(
        'inclusion',
        `the inclusion proof of entry ${index} could not be read: ${messageOf(error)}`,
      );
    }
    if (!verifyInclusion(leafHash(entry), index, size, proof, root!))
      return failAt(
        'inclusion',
        `the inclusion proof of entry ${index} does not lead to the root of the checkpoint of size ${size}`,
      );
    verdict.passed.push('inclusion');
  });
  failures.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
  return { verified: failures.length === 0 && entries.length > 0, key, checkpoint, entries, failures };
}

/** The parts of the Web Storage API the pin store uses (localStorage in the browser). */
interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The browser's pin store: localStorage, one key per origin the app is served from. */
export function localStoragePins(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
  origin: string,
): KeyPinStore & { clear(): void } {
  const name = `cinnabar.logKey:${origin}`;
  return {
    get() {
      try {
        const value = JSON.parse(storage.getItem(name) ?? 'null') as {
          vkey?: unknown;
          pinnedAt?: unknown;
        } | null;
        return value && typeof value.vkey === 'string' && typeof value.pinnedAt === 'string'
          ? { vkey: value.vkey, pinnedAt: value.pinnedAt }
          : undefined;
      } catch {
        return undefined;
      }
    },
    set(pin) {
      storage.setItem(name, JSON.stringify(pin));
    },
    clear() {
      storage.removeItem(name);
    },
  };
}
