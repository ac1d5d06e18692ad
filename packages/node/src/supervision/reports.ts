/**
 * Market reports for supervision in the open: registrations, transfers, sales (count and value)
 * and licences over time, broken down by the policy regime in force, the media type or the data
 * grade; and the largest holders. Counted by the database over the activity table (activity.ts),
 * bucketed here by UTC day, ISO week (starting Monday) or calendar month. Each report comes as
 * JSON or as CSV rows (csv.ts).
 */
import { fromFen, REPORT_BREAKDOWNS, REPORT_BUCKETS, SUPERVISION_REPORT_DEFAULTS } from '@cinnabar/core';
import type { ActivityDayCount, SupervisionReads } from '../storage/log-storage.js';
import { toCsv } from './csv.js';

export { REPORT_BREAKDOWNS, REPORT_BUCKETS };
export type ReportBucket = (typeof REPORT_BUCKETS)[number];
export type ReportBreakdown = (typeof REPORT_BREAKDOWNS)[number];

export interface ActivityReportOptions {
  /** The first instant counted, in ms since 1970 (UTC); absent: from the start. */
  from?: number;
  /** The first instant not counted; absent: to the end. */
  to?: number;
  bucket: ReportBucket;
  by?: ReportBreakdown;
}

export const ACTIVITY_REPORT_DEFAULTS: Readonly<ActivityReportOptions> = Object.freeze({
  bucket: SUPERVISION_REPORT_DEFAULTS.bucket,
});

export interface ActivityReportRow {
  /** The bucket: YYYY-MM-DD (a day, or the Monday that starts a week), or YYYY-MM (a month). */
  period: string;
  /** The regime, media type or grade (with `by`); null where unknown. */
  group?: string | null;
  registrations: number;
  transfers: number;
  sales: number;
  /** The sum of the sales' prices, in fen and in yuan (decimal strings: never rounded). */
  salesFen: string;
  salesYuan: string;
  licences: number;
}

export interface ActivityReport {
  from: string | null;
  to: string | null;
  bucket: ReportBucket;
  by: ReportBreakdown | null;
  rows: ActivityReportRow[];
}

const DAY_MS = 86_400_000;

/** The bucket of a UTC day (days since 1970-01-01). */
export function periodOf(day: number, bucket: ReportBucket): string {
  if (bucket === 'week') {
    // 1970-01-01 was a Thursday: Monday is 3 days before it.
    const monday = day - ((((day + 3) % 7) + 7) % 7);
    return new Date(monday * DAY_MS).toISOString().slice(0, 10);
  }
  const date = new Date(day * DAY_MS).toISOString();
  return bucket === 'month' ? date.slice(0, 7) : date.slice(0, 10);
}

/** The activity report: one row per bucket (and group), oldest first; buckets without activity are left out. */
export async function activityReport(
  reads: SupervisionReads,
  options: Partial<ActivityReportOptions> = {},
): Promise<ActivityReport> {
  const o = { ...ACTIVITY_REPORT_DEFAULTS, ...options };
  const policies = o.by === 'regime' ? await reads.readPolicyChanges() : undefined;
  const counts = await reads.activityByDay({
    ...(o.from === undefined ? {} : { from: o.from }),
    ...(o.to === undefined ? {} : { to: o.to }),
    ...(o.by === undefined ? {} : { by: o.by }),
    ...(policies ? { policies } : {}),
  });
  return {
    from: o.from === undefined ? null : new Date(o.from).toISOString(),
    to: o.to === undefined ? null : new Date(o.to).toISOString(),
    bucket: o.bucket,
    by: o.by ?? null,
    rows: bucketRows(counts, o.bucket, o.by !== undefined),
  };
}

function bucketRows(counts: readonly ActivityDayCount[], bucket: ReportBucket, grouped: boolean) {
  const rows = new Map<string, ActivityReportRow & { fen: bigint }>();
  for (const c of counts) {
    const period = periodOf(c.day, bucket);
    const id = `${period}\u0000${c.group ?? '\u0001'}`;
    let row = rows.get(id);
    if (!row) {
      row = {
        period,
        ...(grouped ? { group: c.group } : {}),
        registrations: 0,
        transfers: 0,
        sales: 0,
        salesFen: '0',
        salesYuan: '0.00',
        licences: 0,
        fen: 0n,
      };
      rows.set(id, row);
    }
    if (c.kind === 'registration') row.registrations += c.count;
    else if (c.kind === 'transfer') row.transfers += c.count;
    else if (c.kind === 'licence') row.licences += c.count;
    else if (c.kind === 'sale') {
      row.sales += c.count;
      row.fen += c.priceFen;
    }
  }
  return [...rows.values()]
    .sort((a, b) => compare(a.period, b.period) || compare(a.group ?? '', b.group ?? ''))
    .map(({ fen, ...row }) => ({ ...row, salesFen: fen.toString(), salesYuan: fromFen(fen) }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function activityCsv(report: ActivityReport): string {
  const header = [
    'period',
    ...(report.by ? [report.by] : []),
    'registrations',
    'transfers',
    'sales',
    'salesFen',
    'salesYuan',
    'licences',
  ];
  return toCsv(
    header,
    report.rows.map((r) => [
      r.period,
      ...(report.by ? [r.group ?? null] : []),
      r.registrations,
      r.transfers,
      r.sales,
      r.salesFen,
      r.salesYuan,
      r.licences,
    ]),
  );
}

export interface HoldersReportOptions {
  /** How many holders, 1 to MAX_HOLDERS. */
  limit: number;
}

export const HOLDERS_REPORT_DEFAULTS: Readonly<HoldersReportOptions> = Object.freeze({
  limit: SUPERVISION_REPORT_DEFAULTS.holdersLimit,
});
export const MAX_HOLDERS = 1000;

export interface HoldersReport {
  holders: { rank: number; owner: string; items: number }[];
}

/** The identities that hold the most items (works and editions), most first, ties by DID. */
export async function holdersReport(
  reads: SupervisionReads,
  options: Partial<HoldersReportOptions> = {},
): Promise<HoldersReport> {
  const { limit } = { ...HOLDERS_REPORT_DEFAULTS, ...options };
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_HOLDERS)
    throw new RangeError(`limit must be 1 to ${MAX_HOLDERS}, not ${limit}`);
  const top = await reads.topHolders(limit);
  return { holders: top.map((h, i) => ({ rank: i + 1, owner: h.owner, items: h.items })) };
}

export function holdersCsv(report: HoldersReport): string {
  return toCsv(
    ['rank', 'owner', 'items'],
    report.holders.map((h) => [h.rank, h.owner, h.items]),
  );
}
