/**
 * The market's activity as narrow rows, one per entry that registered, moved, sold, listed or
 * licensed an item (derived from the ledger state, not part of it): what supervision reports and
 * the suspicious-pattern rules read, so that neither parses a million records' JSON. Storage
 * writes them with each commit (activityRows over the batch's state rows) and fills them once for
 * a store from before them (over all its rows, in log order).
 */
import {
  type AssetEventRecord,
  type AssetRevisionRecord,
  DEFAULT_MARKET_POLICY,
  decodeTransaction,
  type Holding,
  type LedgerRecord,
  type LicenceRecord,
  type ListingRecord,
  type MarketRegime,
  type Policy,
  prepareTransaction,
  type SaleRecord,
  toFen,
  utf8Encode,
} from '@cinnabar/core';

export const ACTIVITY_KINDS = ['registration', 'transfer', 'sale', 'licence', 'listing'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** One entry's activity. */
export interface ActivityRow {
  /** The entry's log index (one row an entry at most). */
  idx: number;
  kind: ActivityKind;
  /** The transaction's own time, in milliseconds since 1970 (UTC). */
  time: number;
  asset: string;
  /** The edition; 0: the work itself. */
  edition: number;
  /** The registrant, the giver, the seller, the grantor (for a release from custody: the custodian). */
  from: string;
  /** The recipient, the buyer, the licensee; null for a registration or a listing. */
  to: string | null;
  /** A sale's or a listing's price in fen. */
  priceFen: bigint | null;
  /** The work's media type and data grade at registration (storage fills them in for the other kinds). */
  media: string | null;
  grade: string | null;
}

/** The kinds of activity that move an item or offer it: what the wash-trading and rapid-flip rules read. */
export const MOVE_KINDS = ['transfer', 'sale', 'listing'] as const;
export type MoveKind = (typeof MOVE_KINDS)[number];

/** An activity row of a move kind, with only the fields the rules read (a narrower, cheaper read). */
export type MoveRow = Pick<ActivityRow, 'idx' | 'time' | 'asset' | 'edition' | 'from' | 'to'> & {
  kind: MoveKind;
};

/** A policy the ledger took on at an entry (its genesis or a policy.set): the regime from then on. */
export interface PolicyChange {
  idx: number;
  regime: MarketRegime;
  policy: string;
}

/** What activityRows reads of a stored state row. */
export interface ActivitySource {
  key: string;
  kind: string;
  value: string;
  media: string | null;
}

const KINDS_READ = new Set([
  'asset',
  'asset-revision',
  'asset-event',
  'sale',
  'licence',
  'listing',
  'edition',
]);

/** Whether activityRows reads rows of this kind (the rest need not be passed). */
export function readsKind(kind: string): boolean {
  return KINDS_READ.has(kind);
}

const itemKey = (asset: string, edition: number | undefined) => `${asset}/${edition ?? 0}`;

/**
 * The activity of the records made at or after log index `since`, in log order. `rows` are state
 * rows as written (a batch's, or all of a store's in key order); other kinds are skipped. A release
 * from custody counts as a transfer when it changed the owner: the custodian gave the item to
 * someone other than its depositor. Over a batch that is read off the item's record written with it
 * (acquired at the release); over a whole store, off the deposit before it.
 */
export function activityRows(rows: Iterable<ActivitySource>, since = 0): ActivityRow[] {
  const out: ActivityRow[] = [];
  const mediaOf = new Map<string, string | null>();
  /** Works' and editions' JSON, parsed only for a release (to see whether it changed the owner). */
  const items = new Map<string, string>();
  const events: AssetEventRecord[] = [];
  for (const row of rows) {
    switch (row.kind) {
      case 'asset': {
        const id = row.key.slice('asset/'.length);
        mediaOf.set(id, row.media);
        items.set(itemKey(id, undefined), row.value);
        break;
      }
      case 'edition': {
        const [, asset, , number] = row.key.split('/');
        items.set(itemKey(asset!, Number(number)), row.value);
        break;
      }
      case 'asset-revision': {
        const revision = JSON.parse(row.value) as AssetRevisionRecord;
        if (revision.revision !== 0 || revision.at.index < since) break;
        out.push({
          idx: revision.at.index,
          kind: 'registration',
          time: Date.parse(revision.at.time),
          asset: revision.asset,
          edition: 0,
          from: revision.actor,
          to: null,
          priceFen: null,
          media: null,
          grade: revision.metadata.grade,
        });
        break;
      }
      case 'asset-event': {
        const event = JSON.parse(row.value) as AssetEventRecord;
        if (event.at.index >= since) events.push(event);
        break;
      }
      case 'sale': {
        const sale = JSON.parse(row.value) as SaleRecord;
        if (sale.at.index < since) break;
        out.push(moveRow('sale', sale.at, sale.asset, sale.edition, sale.seller, sale.buyer, sale.price));
        break;
      }
      case 'licence': {
        const licence = JSON.parse(row.value) as LicenceRecord;
        if (licence.granted.index < since) break;
        out.push(
          moveRow('licence', licence.granted, licence.asset, undefined, licence.grantor, licence.licensee),
        );
        break;
      }
      case 'listing': {
        const listing = JSON.parse(row.value) as ListingRecord;
        if (listing.listed.index < since) break;
        out.push({
          ...moveRow('listing', listing.listed, listing.asset, listing.edition, listing.seller, null),
          priceFen: toFen(listing.price),
        });
        break;
      }
    }
  }
  const depositors = new Map<string, string>();
  events.sort((a, b) => a.at.index - b.at.index);
  for (const event of events) {
    const key = itemKey(event.asset, event.edition);
    if (event.event === 'custody-deposited') depositors.set(key, event.from);
    else if (event.event === 'transferred')
      out.push(moveRow('transfer', event.at, event.asset, event.edition, event.from, event.to));
    else if (event.event === 'custody-released') {
      const depositor = depositors.get(key);
      depositors.delete(key);
      const item = items.get(key);
      const changed =
        depositor === undefined
          ? item !== undefined && (JSON.parse(item) as Holding).acquired?.index === event.at.index
          : event.to !== depositor;
      if (changed) out.push(moveRow('transfer', event.at, event.asset, event.edition, event.from, event.to));
    }
  }
  for (const row of out) if (row.kind === 'registration') row.media = mediaOf.get(row.asset) ?? null;
  return out.sort((a, b) => a.idx - b.idx);

  function moveRow(
    kind: ActivityKind,
    at: { index: number; time: string },
    asset: string,
    edition: number | undefined,
    from: string,
    to: string | null,
    price?: string,
  ): ActivityRow {
    return {
      idx: at.index,
      kind,
      time: Date.parse(at.time),
      asset,
      edition: edition ?? 0,
      from,
      to,
      priceFen: price === undefined ? null : toFen(price),
      media: null,
      grade: null,
    };
  }
}

const GENESIS_SUFFIX = utf8Encode(',"type":"ledger.genesis","v":1}');
const POLICY_SUFFIX = utf8Encode(',"type":"policy.set","v":1}');

function endsWith(bytes: Uint8Array, suffix: Uint8Array): boolean {
  if (bytes.length < suffix.length) return false;
  const start = bytes.length - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (bytes[start + i] !== suffix[i]) return false;
  return true;
}

/** The regime of a policy (DEFAULT_MARKET_POLICY's where it names none). */
export function regimeOf(policy: Policy): MarketRegime {
  return policy.market?.regime ?? DEFAULT_MARKET_POLICY.regime;
}

/**
 * The policies the ledger took on in these entries: its genesis (at the index the ledger record
 * names) and each policy.set by the operator with a valid body. An entry is canonical JSON with its
 * members in order, so its last bytes say its type; only those few are decoded. `ledger` is the
 * ledger record after the entries: with `last`, the last change's policy is taken from it (the
 * rules' own result).
 */
export function policyChanges(
  entries: readonly { idx: number; entry: Uint8Array }[],
  ledger: LedgerRecord,
  last = true,
): PolicyChange[] {
  const found: PolicyChange[] = [];
  for (const { idx, entry } of entries) {
    const genesis = endsWith(entry, GENESIS_SUFFIX);
    if (genesis ? idx !== ledger.genesis.index : !endsWith(entry, POLICY_SUFFIX)) continue;
    try {
      const tx = decodeTransaction(entry);
      if (tx.actor !== ledger.operator || idx < ledger.genesis.index || !prepareTransaction(tx).ok) continue;
      const policy = (tx.body as { policy: Policy }).policy;
      found.push({ idx, regime: regimeOf(policy), policy: JSON.stringify(policy) });
    } catch {
      // Not a transaction: logged without effect.
    }
  }
  const final = found.at(-1);
  if (final && last) {
    final.regime = regimeOf(ledger.policy);
    final.policy = JSON.stringify(ledger.policy);
  }
  return found;
}

/** The suffixes of the entries policyChanges reads (storage filters a whole log by them). */
export const POLICY_ENTRY_SUFFIXES: readonly Uint8Array[] = [GENESIS_SUFFIX, POLICY_SUFFIX];

/** The kinds of state row a store's activity is filled from (keys in order: each work's rows together). */
export const BACKFILL_KINDS = ['asset', 'asset-revision', 'asset-event', 'sale', 'licence', 'listing'];

/**
 * The activity of a whole store, from its rows in key order a page at a time (a work's rows are
 * contiguous: asset/<id>, asset/<id>/...), handed to `write` a work at a time or so. The asset rows'
 * values are not needed (their media column is).
 */
export async function backfillActivity(
  readPage: (afterKey: string, limit: number) => Promise<ActivitySource[]>,
  write: (rows: ActivityRow[]) => Promise<void>,
  pageSize = 20_000,
): Promise<number> {
  let after = '';
  let held: ActivitySource[] = [];
  let written = 0;
  const workOf = (key: string) => key.split('/', 2)[1] ?? '';
  for (;;) {
    const page = await readPage(after, pageSize);
    const rows = [...held, ...page];
    if (page.length === pageSize) {
      // The last work may go on in the next page: keep its rows for then.
      const lastWork = workOf(page.at(-1)!.key);
      let cut = rows.length;
      while (cut > 0 && workOf(rows[cut - 1]!.key) === lastWork) cut--;
      held = rows.slice(cut);
      rows.length = cut;
      after = page.at(-1)!.key;
    } else held = [];
    const activity = activityRows(rows);
    written += activity.length;
    if (activity.length > 0) await write(activity);
    if (page.length < pageSize) return written;
  }
}
