/**
 * Suspicious patterns on the record, each a rule with its thresholds in the policy (`detection`,
 * DEFAULT_DETECTION_POLICY where it names none). They only raise alerts for a regulator to look
 * at; nothing is refused by them. Each alert names the entries that are its evidence. The rules are
 * pure functions of the activity (activity.ts), so that the same log gives the same alerts.
 */
import { DETECTION_RULES, type DetectionPolicy } from '@cinnabar/core';
import type { RealNameRow } from '../storage/log-storage.js';
import type { MoveRow } from './activity.js';

export { DETECTION_RULES };
export type DetectionRule = (typeof DETECTION_RULES)[number];

export type AlertSubject =
  | { asset: string; edition?: number }
  | { identities: string[]; commitment: string }
  | { assets: string[] };

export interface Alert {
  rule: DetectionRule;
  subject: AlertSubject;
  /** The log entries the alert rests on, oldest first (txId filled in by listAlerts). */
  evidence: { index: number; txId?: string }[];
  summary: string;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

function itemOf(row: MoveRow): { asset: string; edition?: number } {
  return row.edition === 0 ? { asset: row.asset } : { asset: row.asset, edition: row.edition };
}

function itemLabel(row: MoveRow): string {
  return row.edition === 0 ? `asset ${row.asset}` : `edition ${row.edition} of asset ${row.asset}`;
}

/**
 * Rows grouped by item (work or edition), each group in log order, groups by their first entry.
 * A work is keyed by its id alone, so that only editions' rows (a few) build a key string.
 */
export function groupByItem(rows: readonly MoveRow[]): MoveRow[][] {
  const groups = new Map<string, MoveRow[]>();
  for (const row of rows) {
    const key = row.edition === 0 ? row.asset : `${row.asset}/${row.edition}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()];
}

const isMove = (row: MoveRow) => row.kind === 'transfer' || row.kind === 'sale';

function countMoves(rows: readonly MoveRow[]): number {
  let moves = 0;
  for (const row of rows) if (isMove(row)) moves++;
  return moves;
}

/**
 * Wash trading: an item changing hands at least `minMoves` times within `windowDays`, every move
 * among at most `maxIdentities` identities (givers and takers). Overlapping windows of one item
 * make one alert, whose evidence is every move in them.
 */
export function detectWashTrading(
  items: Iterable<readonly MoveRow[]>,
  rule: DetectionPolicy['washTrading'],
): Alert[] {
  const alerts: Alert[] = [];
  const window = rule.windowDays * DAY_MS;
  for (const rows of items) {
    // Most items change hands a few times: counted before anything is copied.
    if (countMoves(rows) < rule.minMoves) continue;
    const moves = rows.filter(isMove);
    const held = new Map<string, number>();
    const add = (did: string | null, n: number) => {
      if (did === null) return;
      const count = (held.get(did) ?? 0) + n;
      if (count === 0) held.delete(did);
      else held.set(did, count);
    };
    let left = 0;
    let episode: { start: number; end: number } | undefined;
    const episodes: { start: number; end: number }[] = [];
    for (let right = 0; right < moves.length; right++) {
      add(moves[right]!.from, 1);
      add(moves[right]!.to, 1);
      while (
        left < right &&
        (moves[right]!.time - moves[left]!.time > window || held.size > rule.maxIdentities)
      ) {
        add(moves[left]!.from, -1);
        add(moves[left]!.to, -1);
        left++;
      }
      if (right - left + 1 < rule.minMoves || held.size > rule.maxIdentities) continue;
      if (episode && left <= episode.end) episode.end = right;
      else {
        episode = { start: left, end: right };
        episodes.push(episode);
      }
    }
    for (const { start, end } of episodes) {
      const part = moves.slice(start, end + 1);
      const identities = [...new Set(part.flatMap((m) => [m.from, m.to ?? m.from]))];
      const days = (part.at(-1)!.time - part[0]!.time) / DAY_MS;
      alerts.push({
        rule: 'washTrading',
        subject: itemOf(part[0]!),
        evidence: part.map((m) => ({ index: m.idx })),
        summary:
          `${itemLabel(part[0]!)} changed hands ${part.length} times in ${days.toFixed(1)} days among ` +
          `${identities.length} identities (threshold: ${rule.minMoves} moves within ${rule.windowDays} days among at most ${rule.maxIdentities})`,
      });
    }
  }
  return alerts;
}

/**
 * Rapid flips: an item listed or changing hands again within `holdingDays` of its holder getting it
 * (by a transfer or a sale; its first holder is not counted). One alert per acquisition: the
 * acquisition and the first resale attempt after it.
 */
export function detectRapidFlips(
  items: Iterable<readonly MoveRow[]>,
  rule: DetectionPolicy['rapidFlip'],
): Alert[] {
  const alerts: Alert[] = [];
  const holding = rule.holdingDays * DAY_MS;
  for (const rows of items) {
    let acquired: MoveRow | undefined;
    for (const row of rows) {
      if (acquired && row.time - acquired.time < holding) {
        const hours = (row.time - acquired.time) / 3_600_000;
        alerts.push({
          rule: 'rapidFlip',
          subject: itemOf(row),
          evidence: [{ index: acquired.idx }, { index: row.idx }],
          summary:
            `${itemLabel(row)} was ${row.kind === 'listing' ? 'listed for sale' : row.kind === 'sale' ? 'sold on' : 'given on'} ` +
            `${hours.toFixed(1)} hours after ${acquired.to} got it (holding threshold: ${rule.holdingDays} days)`,
        });
        acquired = undefined;
      }
      if (isMove(row)) acquired = row;
    }
  }
  return alerts;
}

/**
 * Many identities behind one real name: more than `maxIdentities` identities hold (or held)
 * real-name credentials with the same commitment. The evidence: every such credential's issue.
 */
export function detectSharedRealNames(
  realNames: readonly RealNameRow[],
  rule: DetectionPolicy['sharedRealName'],
): Alert[] {
  const byCommitment = new Map<string, RealNameRow[]>();
  for (const row of realNames) {
    if (typeof row.commitment !== 'string') continue;
    const rows = byCommitment.get(row.commitment);
    if (rows) rows.push(row);
    else byCommitment.set(row.commitment, [row]);
  }
  const alerts: Alert[] = [];
  for (const [commitment, rows] of byCommitment) {
    const identities = [...new Set(rows.map((r) => r.subject))];
    if (identities.length <= rule.maxIdentities) continue;
    alerts.push({
      rule: 'sharedRealName',
      subject: { identities, commitment },
      evidence: rows.map((r) => ({ index: r.idx })),
      summary: `${identities.length} identities hold real-name credentials with one commitment, ${commitment} (threshold: more than ${rule.maxIdentities})`,
    });
  }
  return alerts;
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A registered image with its 64-bit perceptual hash as two 32-bit halves. */
export interface HashedImage {
  asset: string;
  idx: number;
  time: number;
  high: number;
  low: number;
}

/** The images whose hash is 16 hex digits, parsed, in time order (then log order). */
export function hashedImages(
  images: Iterable<{ asset: string; idx: number; time: number; phash: string }>,
): HashedImage[] {
  const hashed: HashedImage[] = [];
  for (const { asset, idx, time, phash } of images)
    if (/^[0-9a-f]{16}$/.test(phash))
      hashed.push({
        asset,
        idx,
        time,
        high: Number.parseInt(phash.slice(0, 8), 16),
        low: Number.parseInt(phash.slice(8), 16),
      });
  return hashed.sort(byTime);
}

/** Time order, then log order: the order the duplicate-burst rule takes images in. */
export function byTime(a: HashedImage, b: HashedImage): number {
  return a.time - b.time || a.idx - b.idx;
}

/**
 * Bursts of near-duplicate registrations: at least `minRegistrations` images registered within
 * `windowMinutes` of the first of them, each within `maxDistance` bits (perceptual hash) of it.
 * Taken greedily in time order; an image is in one burst at most.
 */
export function detectDuplicateBursts(
  images: readonly { asset: string; idx: number; time: number; phash: string }[],
  rule: DetectionPolicy['duplicateBurst'],
): Alert[] {
  return burstsAmong(hashedImages(images), rule);
}

/** detectDuplicateBursts over images already parsed and in time order (hashedImages). */
export function burstsAmong(
  sorted: readonly HashedImage[],
  rule: DetectionPolicy['duplicateBurst'],
): Alert[] {
  const used = new Uint8Array(sorted.length);
  const window = rule.windowMinutes * MINUTE_MS;
  const alerts: Alert[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (used[i]) continue;
    const first = sorted[i]!;
    const burst = [i];
    for (let j = i + 1; j < sorted.length && sorted[j]!.time - first.time <= window; j++) {
      if (used[j]) continue;
      const distance = popcount32(first.high ^ sorted[j]!.high) + popcount32(first.low ^ sorted[j]!.low);
      if (distance <= rule.maxDistance) burst.push(j);
    }
    if (burst.length < rule.minRegistrations) continue;
    for (const j of burst) used[j] = 1;
    const members = burst.map((j) => sorted[j]!).sort((a, b) => a.idx - b.idx);
    const minutes = (sorted[burst.at(-1)!]!.time - first.time) / MINUTE_MS;
    alerts.push({
      rule: 'duplicateBurst',
      subject: { assets: members.map((m) => m.asset) },
      evidence: members.map((m) => ({ index: m.idx })),
      summary:
        `${members.length} near-duplicate images registered within ${minutes.toFixed(0)} minutes ` +
        `(threshold: ${rule.minRegistrations} within ${rule.windowMinutes} minutes, at most ${rule.maxDistance} bits apart)`,
    });
  }
  return alerts;
}
