/**
 * The alerts report: the rules of detection.ts over the whole record, kept up to date as the log
 * grows. The first request reads the whole history (seconds at a million entries, BENCHMARKS.md);
 * each later one reads only what was appended since and runs the rules again only where that
 * changes their answer: the works and editions that moved or were listed (with their whole history
 * of moves), the real-name commitments of new or revoked credentials, and the images when one was
 * registered. Between requests only the alerts and the rules' smaller inputs (credentials, images)
 * are held, not the moves.
 *
 * Every rule is a function of the log's first `size` entries and the thresholds (detection.ts), so
 * the alerts after any sequence of updates are those of one computation over the whole history; a
 * change of thresholds starts again from the first entry. An update that fails leaves what it did
 * not finish to be done again by the next (each step is idempotent).
 */
import {
  canonicalize,
  DEFAULT_DETECTION_POLICY,
  DETECTION_RULES,
  type DetectionPolicy,
  LEDGER_KEY,
  type LedgerRecord,
  SUPERVISION_REPORT_DEFAULTS,
  transactionId,
} from '@cinnabar/core';
import type { EntryRange, LedgerReads, RealNameRow, SupervisionReads } from '../storage/log-storage.js';
import type { MoveKind, MoveRow } from './activity.js';
import { toCsv } from './csv.js';
import {
  type Alert,
  type AlertSubject,
  burstsAmong,
  byTime,
  type DetectionRule,
  detectRapidFlips,
  detectSharedRealNames,
  detectWashTrading,
  groupByItem,
  type HashedImage,
  hashedImages,
} from './detection.js';

/** What the wash-trading and rapid-flip rules read. */
const ITEM_KINDS: readonly MoveKind[] = ['transfer', 'sale', 'listing'];

export class AlertIndex {
  /** The entries read so far: the log's first `size`. */
  private size = 0;
  /** The thresholds the alerts were found with (canonical JSON). */
  private thresholds: string | undefined;
  /** Wash-trading and rapid-flip alerts, by item (work id, or id/edition); items without alerts absent. */
  private readonly itemAlerts = new Map<string, Alert[]>();
  /** Real-name credentials issued so far, by commitment, then by credential id. */
  private readonly realNames = new Map<string, Map<string, RealNameRow>>();
  private readonly realNameAlerts = new Map<string, Alert>();
  /** The registered images, parsed, in the order the burst rule takes them; and the end of those read. */
  private images: HashedImage[] = [];
  private imagesBefore = 0;
  private burstAlerts: Alert[] = [];
  /** Every alert in report order, until an update changes one. */
  private sorted: readonly Alert[] | undefined;
  /** Updates run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Every alert over the log's first `size` entries (or more, if an earlier call read further) with
   * these thresholds, the oldest evidence first (then in DETECTION_RULES order).
   */
  alerts(reads: SupervisionReads, policy: DetectionPolicy, size: number): Promise<readonly Alert[]> {
    const run = this.queue.then(() => this.update(reads, policy, size));
    this.queue = run.catch(() => {});
    return run;
  }

  private async update(
    reads: SupervisionReads,
    policy: DetectionPolicy,
    size: number,
  ): Promise<readonly Alert[]> {
    const thresholds = canonicalize(policy as never);
    if (thresholds !== this.thresholds) this.reset(thresholds);
    // A log only grows: a request that read its size before another but comes after it is given
    // the alerts of the larger size, not a reading of everything again.
    if (size > this.size) {
      const range = { from: this.size, before: size };
      await this.updateItems(reads, policy, range);
      await this.updateRealNames(reads, policy, range);
      await this.updateImages(reads, policy, range);
      this.size = size;
    }
    this.sorted ??= reportOrder([
      ...[...this.itemAlerts.values()].flat(),
      ...this.realNameAlerts.values(),
      ...this.burstAlerts,
    ]);
    return this.sorted;
  }

  private reset(thresholds: string): void {
    this.size = 0;
    this.thresholds = thresholds;
    this.itemAlerts.clear();
    this.realNames.clear();
    this.realNameAlerts.clear();
    this.images = [];
    this.imagesBefore = 0;
    this.burstAlerts = [];
    this.sorted = undefined;
  }

  /** The works and editions moved or listed in `range`, their whole history read again. */
  private async updateItems(reads: SupervisionReads, policy: DetectionPolicy, range: Required<EntryRange>) {
    let rows: MoveRow[];
    if (range.from === 0) rows = await reads.readMoves(ITEM_KINDS, range);
    else {
      const fresh = await reads.readMoves(ITEM_KINDS, range);
      if (fresh.length === 0) return;
      const assets = [...new Set(fresh.map((row) => row.asset))];
      rows = await reads.readItemMoves(ITEM_KINDS, assets, { before: range.before });
    }
    for (const item of groupByItem(rows)) {
      const first = item[0]!;
      const key = first.edition === 0 ? first.asset : `${first.asset}/${first.edition}`;
      const alerts = [
        ...detectWashTrading([item], policy.washTrading),
        ...detectRapidFlips([item], policy.rapidFlip),
      ];
      if (alerts.length > 0) this.itemAlerts.set(key, alerts);
      else this.itemAlerts.delete(key);
    }
    this.sorted = undefined;
  }

  /**
   * Credentials issued or revoked in `range`. One issued at or after `range.before` (its record
   * written then too, or later) is left for the update that reaches its issue, which reads it again.
   */
  private async updateRealNames(
    reads: SupervisionReads,
    policy: DetectionPolicy,
    range: Required<EntryRange>,
  ) {
    const rows = await reads.readRealNames(range.from === 0 ? undefined : range.from);
    const touched = new Set<string>();
    for (const row of rows) {
      if (typeof row.commitment !== 'string' || row.idx >= range.before) continue;
      let held = this.realNames.get(row.commitment);
      if (!held) {
        held = new Map();
        this.realNames.set(row.commitment, held);
      }
      held.set(row.credential, row);
      touched.add(row.commitment);
    }
    for (const commitment of touched) {
      const held = [...this.realNames.get(commitment)!.values()].sort(
        (a, b) => a.idx - b.idx || compare(a.credential, b.credential),
      );
      const [alert] = detectSharedRealNames(held, policy.sharedRealName);
      if (alert) this.realNameAlerts.set(commitment, alert);
      else this.realNameAlerts.delete(commitment);
    }
    if (touched.size > 0) this.sorted = undefined;
  }

  /** Images registered in `range`, merged in; the bursts found again if there are any. */
  private async updateImages(reads: SupervisionReads, policy: DetectionPolicy, range: Required<EntryRange>) {
    // Those merged by an update that failed after this step are not merged twice.
    const from = Math.max(range.from, this.imagesBefore);
    const fresh = hashedImages(await reads.readImageRegistrations({ from, before: range.before }));
    this.imagesBefore = range.before;
    if (fresh.length === 0 && range.from > 0) return;
    this.images = mergeSorted(this.images, fresh);
    this.burstAlerts = burstsAmong(this.images, policy.duplicateBurst);
    this.sorted = undefined;
  }
}

/** Two arrays in burst order as one. */
function mergeSorted(a: readonly HashedImage[], b: readonly HashedImage[]): HashedImage[] {
  if (b.length === 0) return a.slice();
  const merged: HashedImage[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < merged.length; k++)
    merged[k] = j >= b.length || (i < a.length && byTime(a[i]!, b[j]!) <= 0) ? a[i++]! : b[j++]!;
  return merged;
}

/** The oldest evidence first; alerts on the same entry in DETECTION_RULES order. */
function reportOrder(alerts: Alert[]): Alert[] {
  return alerts.sort(
    (a, b) =>
      a.evidence[0]!.index - b.evidence[0]!.index ||
      DETECTION_RULES.indexOf(a.rule) - DETECTION_RULES.indexOf(b.rule),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface AlertsOptions {
  /** Only this rule's alerts; absent: every rule's. */
  rule?: DetectionRule;
  /** Most alerts returned (the oldest first). */
  limit: number;
}

export const ALERTS_DEFAULTS: Readonly<AlertsOptions> = Object.freeze({
  limit: SUPERVISION_REPORT_DEFAULTS.alertsLimit,
});
export const MAX_ALERTS = 1000;

export interface AlertsReport {
  /** The thresholds the rules ran with: the policy's, or the defaults. */
  thresholds: DetectionPolicy;
  alerts: Alert[];
  /** Whether more alerts were found than returned. */
  truncated: boolean;
}

/**
 * The alerts over the log's first `size` entries (all of it, if absent), with the current policy's
 * thresholds; evidence with transaction ids. Given an index, only what was appended since its last
 * update is read.
 */
export async function listAlerts(
  reads: SupervisionReads & Pick<LedgerReads, 'readState'>,
  entries: (start: number, count: number) => Promise<Uint8Array[]>,
  options: Partial<AlertsOptions> = {},
  at: { index?: AlertIndex; size?: number } = {},
): Promise<AlertsReport> {
  const { rule, limit } = { ...ALERTS_DEFAULTS, ...options };
  const ledgerJson = (await reads.readState([LEDGER_KEY])).get(LEDGER_KEY);
  const policy = ledgerJson ? (JSON.parse(ledgerJson) as LedgerRecord).policy : undefined;
  const thresholds = policy?.detection ?? DEFAULT_DETECTION_POLICY;
  const index = at.index ?? new AlertIndex();
  const all = await index.alerts(reads, thresholds, at.size ?? Number.MAX_SAFE_INTEGER);
  const matching = rule === undefined ? all : all.filter((alert) => alert.rule === rule);
  // Copies: the index keeps its alerts for the next request.
  const shown = matching.slice(0, limit).map((alert) => ({
    ...alert,
    evidence: alert.evidence.map((e) => ({ ...e })),
  }));
  // Each entry read once, all at once (PostgreSQL answers them side by side).
  const evidence = shown.flatMap((alert) => alert.evidence);
  const indexes = [...new Set(evidence.map((e) => e.index))];
  const txIds = new Map<number, string>();
  await Promise.all(
    indexes.map(async (index) => {
      const [entry] = await entries(index, 1);
      if (entry) txIds.set(index, transactionId(entry));
    }),
  );
  for (const e of evidence) {
    const txId = txIds.get(e.index);
    if (txId !== undefined) e.txId = txId;
  }
  return { thresholds, alerts: shown, truncated: matching.length > shown.length };
}

function subjectText(subject: AlertSubject): string {
  if ('asset' in subject)
    return subject.edition === undefined ? subject.asset : `${subject.asset}#${subject.edition}`;
  if ('identities' in subject) return subject.identities.join(' ');
  return subject.assets.join(' ');
}

export function alertsCsv(report: AlertsReport): string {
  return toCsv(
    ['rule', 'subject', 'evidenceIndexes', 'evidenceTxIds', 'summary'],
    report.alerts.map((a) => [
      a.rule,
      subjectText(a.subject),
      a.evidence.map((e) => e.index).join(' '),
      a.evidence.map((e) => e.txId ?? '').join(' '),
      a.summary,
    ]),
  );
}
