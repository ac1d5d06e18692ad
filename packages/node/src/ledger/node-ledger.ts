import {
  type Acceptance,
  applyTransaction,
  checkEntry,
  type LedgerView,
  type PreparedTransaction,
  prepareTransaction,
  type Rejection,
  type StateRecord,
} from '@cinnabar/core';
import type { BatchPlan, LedgerHook } from '../log/sequencer.js';
import { PHASH_NEAR_DUPLICATE_DISTANCE } from '../media/inspect.js';
import type { LedgerReads, MarkRow, MediaRow, StateRow } from '../storage/log-storage.js';
import { MediaIndex } from './media-index.js';
import { type PlaceRow, placeRows, type VersionRow } from './place-index.js';

/** The fingerprints of an asset's bytes, from their inspection at upload. */
export interface MediaFingerprint {
  phash?: string;
  geometry?: string;
}

/** A transaction a client submitted: already decoded, its signature and body checked. */
export interface Submission {
  prepared: PreparedTransaction;
  txId: string;
  media?: MediaFingerprint;
}

/** What the ledger decided for an appended entry. */
export type LedgerResult =
  | { applied: true; txId: string; acceptance: Acceptance; marks: MarkRow[] }
  /** A raw entry that is not a valid transaction: it is logged, and changes nothing. */
  | { applied: false; rejection: Rejection };

/** The rules refused a submitted transaction; nothing was appended. */
export class TransactionRejectedError extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
    this.name = 'TransactionRejectedError';
  }
}

export interface NodeLedgerOptions {
  /** Records kept in memory between batches. */
  cacheSize: number;
  /** Most "possible prior work" marks recorded for one asset. */
  maxMarks: number;
}

export const NODE_LEDGER_DEFAULTS: NodeLedgerOptions = { cacheSize: 200_000, maxMarks: 16 };

/**
 * Runs the ledger's rules in the sequencer, batch by batch: fetches the records a batch reads,
 * applies each transaction in log order over the writes of the ones before it, and hands the
 * sequencer the rows to commit with the entries. Records stay cached once committed; a failed
 * commit empties the cache, since storage may or may not hold the batch.
 */
export class NodeLedger implements LedgerHook {
  private readonly options: NodeLedgerOptions;
  private readonly cache = new Map<string, StateRecord | null>();
  /** Every registered asset's fingerprints, to find near duplicates of a new one. */
  private media = new MediaIndex(PHASH_NEAR_DUPLICATE_DISTANCE);
  private mediaStale = false;

  private constructor(
    private readonly storage: LedgerReads,
    options: Partial<NodeLedgerOptions>,
  ) {
    this.options = { ...NODE_LEDGER_DEFAULTS, ...options };
  }

  static async open(storage: LedgerReads, options: Partial<NodeLedgerOptions> = {}): Promise<NodeLedger> {
    const ledger = new NodeLedger(storage, options);
    for (const row of await storage.readMedia()) ledger.media.add(row);
    return ledger;
  }

  reset(): void {
    this.cache.clear();
    // Reloaded by the next plan(): storage may or may not hold the failed batch's rows.
    this.media = new MediaIndex(PHASH_NEAR_DUPLICATE_DISTANCE);
    this.mediaStale = true;
  }

  async plan(
    items: readonly { entry: Uint8Array; submission: unknown }[],
    firstIndex: number,
  ): Promise<BatchPlan> {
    if (this.mediaStale) {
      for (const row of await this.storage.readMedia()) this.media.add(row);
      this.mediaStale = false;
    }
    // Raw entries (operator appends) are checked here; submissions were checked by the API.
    const prepared = items.map(({ entry, submission }): Submission | Rejection => {
      if (submission) return submission as Submission;
      const checked = checkEntry(entry);
      if (!checked.ok) return checked;
      const ready = prepareTransaction(checked.tx);
      return ready.ok ? { prepared: ready, txId: checked.txId } : ready;
    });
    const loaded = await this.load(prepared.flatMap((p) => ('prepared' in p ? p.prepared.keys : [])));

    const overlay = new Map<string, StateRecord>();
    const view: LedgerView = {
      get: (key) => {
        const record = overlay.get(key) ?? loaded.get(key);
        if (record === undefined) throw new Error(`the rules read ${key}, which they did not declare`);
        return record ?? undefined;
      },
    };
    const rows = new Map<string, StateRow>();
    const media: MediaRow[] = [];
    const marks: MarkRow[] = [];
    const places: PlaceRow[] = [];
    const versions: VersionRow[] = [];
    const pending = new MediaIndex(PHASH_NEAR_DUPLICATE_DISTANCE);
    const decisions: BatchPlan['decisions'] = [];
    let index = firstIndex;
    items.forEach((item, i) => {
      const p = prepared[i]!;
      const outcome = 'prepared' in p ? applyTransaction(view, p.prepared, { index, txId: p.txId }) : p;
      if (!outcome.ok) {
        // A client's transaction is refused; an operator's raw entry is logged without effect.
        if (item.submission) decisions.push({ ok: false, error: new TransactionRejectedError(outcome) });
        else {
          decisions.push({ ok: true, result: { applied: false, rejection: outcome } satisfies LedgerResult });
          index++;
        }
        return;
      }
      const submission = p as Submission;
      for (const { key, record } of outcome.writes) {
        overlay.set(key, record);
        rows.set(key, stateRow(key, record));
        if (record.kind === 'asset-revision') {
          const asset = outcome.writes.find((w) => w.record.kind === 'asset' && w.record.id === record.asset);
          const registered = asset?.record.kind === 'asset' ? asset.record.registered.index : record.at.index;
          const indexed = placeRows(record, registered);
          places.push(...indexed.places);
          versions.push(indexed.version);
        }
      }
      let assetMarks: MarkRow[] = [];
      const asset = outcome.subject.asset;
      if (submission.prepared.type === 'asset.register' && asset && submission.media) {
        const row: MediaRow = {
          asset,
          cid: (submission.prepared.tx.body as { cid: string }).cid,
          phash: submission.media.phash ?? null,
          geometry: submission.media.geometry ?? null,
          idx: index,
        };
        assetMarks = this.findMarks(row, pending);
        pending.add(row);
        media.push(row);
        marks.push(...assetMarks);
      }
      decisions.push({
        ok: true,
        result: {
          applied: true,
          txId: submission.txId,
          acceptance: outcome,
          marks: assetMarks,
        } satisfies LedgerResult,
      });
      index++;
    });

    return {
      decisions,
      ledger: { rows: [...rows.values()], media, marks, places, versions },
      committed: () => {
        for (const [key, record] of overlay) this.remember(key, record);
        for (const row of media) this.media.add(row);
      },
    };
  }

  /** The records under `keys`, from the cache or storage (null where there is none). */
  private async load(keys: readonly string[]): Promise<Map<string, StateRecord | null>> {
    const loaded = new Map<string, StateRecord | null>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const cached = this.cache.get(key);
      if (cached === undefined) missing.push(key);
      else {
        loaded.set(key, cached);
        // Map order is insertion order: moving a hit to the end makes eviction least-recently-used.
        this.cache.delete(key);
        this.cache.set(key, cached);
      }
    }
    if (missing.length > 0) {
      const found = await this.storage.readState(missing);
      for (const key of missing) {
        const json = found.get(key);
        const record = json === undefined ? null : (JSON.parse(json) as StateRecord);
        loaded.set(key, record);
        this.remember(key, record);
      }
    }
    return loaded;
  }

  private remember(key: string, record: StateRecord | null): void {
    this.cache.delete(key);
    this.cache.set(key, record);
    if (this.cache.size > this.options.cacheSize) {
      for (const oldest of this.cache.keys()) {
        this.cache.delete(oldest);
        if (this.cache.size <= this.options.cacheSize * 0.9) break;
      }
    }
  }

  /** Marks between a new asset and earlier ones whose bytes look or are shaped the same, both ways. */
  private findMarks(row: MediaRow, pending: MediaIndex): MarkRow[] {
    // `pending` holds this batch's earlier assets: they join the index when the batch commits.
    const kept = [
      ...this.media.marks(row, this.options.maxMarks),
      ...pending.marks(row, this.options.maxMarks),
    ]
      .sort((a, b) => a.distance - b.distance)
      .slice(0, this.options.maxMarks);
    // Both ways: each asset shows the other; the API says which one was registered first.
    return [...kept, ...kept.map((m) => ({ ...m, asset: m.other, other: m.asset }))];
  }
}

/** The stored row of a record, with the columns asset queries use. */
export function stateRow(key: string, record: StateRecord): StateRow {
  const value = JSON.stringify(record);
  if (record.kind === 'asset') {
    const m = record.metadata;
    // A sealed description has nothing here to search: its fields are not on the log.
    const search = [m.title ?? '', m.description ?? '', ...(m.creators ?? []).map((c) => c.name)]
      .join('\n')
      .toLowerCase();
    return {
      key,
      kind: 'asset',
      value,
      owner: record.owner,
      // A transfer offered and not yet accepted: GET /v1/identities/{did}/offers finds it.
      party: record.pendingTransfer?.to ?? null,
      media: record.mediaType,
      search,
      idx: createdAt(record),
    };
  }
  const [owner, party] = parties(record);
  return { key, kind: record.kind, value, owner, party, media: null, search: null, idx: createdAt(record) };
}

/** The owner and party columns of a record that is not an asset (see StateRow). */
function parties(record: StateRecord): [string | null, string | null] {
  switch (record.kind) {
    case 'edition':
      return [record.owner, record.pendingTransfer?.to ?? null];
    case 'licence':
      return [record.licensee, record.grantor];
    case 'listing':
      return [record.seller, null];
    case 'sale':
      return [record.buyer, record.seller];
    // Supervision is indexed by what it is about (the party column holds the work's id, or the
    // frozen identity's DID): GET /v1/assets/{id}/supervision reads it.
    case 'freeze':
      return [null, 'did' in record.target ? record.target.did : record.target.asset];
    case 'takedown':
      return [null, record.asset];
    case 'dispute':
      return [record.claimant, record.asset];
    case 'space':
      return [record.curator, null];
    default:
      return [null, null];
  }
}

/** The log index a record was made at (0 for records that are counters or indexes). */
function createdAt(record: StateRecord): number {
  switch (record.kind) {
    case 'ledger':
      return record.genesis.index;
    case 'identity':
    case 'asset':
    case 'cid':
      return record.registered.index;
    case 'credential':
      return record.issued.index;
    case 'licence':
      return record.granted.index;
    case 'asset-revision':
    case 'asset-event':
    case 'valuation':
    case 'sale':
    case 'freeze':
    case 'takedown':
      return record.at.index;
    case 'dispute':
      return record.opened.index;
    case 'space':
      return record.created.index;
    case 'edition':
      return record.issued.index;
    case 'listing':
      return record.listed.index;
    case 'alias':
    case 'gift-count':
    case 'licence-index':
      return 0;
  }
}
