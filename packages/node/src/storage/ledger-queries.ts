/** SQL the two backends share for the ledger state's reads. */
import type { ActivityKind, ActivityRow } from '../supervision/activity.js';
import type { ActivityQuery, AssetQuery, PartyQuery, PlaceQuery } from './log-storage.js';

/** The least string greater than every string that starts with `prefix`. */
export function prefixEnd(prefix: string): string {
  return `${prefix}\uffff`;
}

/** LIKE pattern text with its wildcards escaped (ESCAPE '\\'). */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The WHERE conditions of an asset query, with placeholders from `placeholder` (? or $n). */
export function assetConditions(
  query: AssetQuery,
  placeholder: (n: number) => string,
): { where: string[]; params: (string | number)[] } {
  const where = ["kind = 'asset'"];
  const params: (string | number)[] = [];
  const add = (condition: (p: string) => string, value: string | number) => {
    params.push(value);
    where.push(condition(placeholder(params.length)));
  };
  if (query.owner !== undefined) add((p) => `owner = ${p}`, query.owner);
  if (query.media !== undefined) {
    if (query.media.endsWith('/')) add((p) => `media LIKE ${p} ESCAPE '\\'`, `${likeEscaped(query.media)}%`);
    else add((p) => `media = ${p}`, query.media);
  }
  for (const word of (query.q ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8))
    add((p) => `search LIKE ${p} ESCAPE '\\'`, `%${likeEscaped(word)}%`);
  if (query.before !== undefined) add((p) => `idx < ${p}`, query.before);
  return { where, params };
}

/** The SELECT of a party query, with placeholders from `placeholder` (? or $n). */
export function partySelect(
  table: string,
  query: PartyQuery,
  placeholder: (n: number) => string,
): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const p = (value: string | number) => {
    params.push(value);
    return placeholder(params.length);
  };
  const where = [`kind IN (${query.kinds.map((kind) => p(kind)).join(', ')})`];
  if (query.owner !== undefined) where.push(`owner = ${p(query.owner)}`);
  if (query.party !== undefined) where.push(`party = ${p(query.party)}`);
  if (query.after !== undefined) {
    const { idx, key } = query.after;
    where.push(`(idx < ${p(idx)} OR (idx = ${p(idx)} AND key > ${p(key)}))`);
  }
  const sql = `SELECT key, idx, value FROM ${table} WHERE ${where.join(' AND ')} ORDER BY idx DESC, key LIMIT ${p(query.limit)}`;
  return { sql, params };
}

/** The owner and party columns of rows written before schema version 3 (only licences had them). */
export const LICENCE_PARTIES_BACKFILL = {
  sqlite:
    "UPDATE ledger_state SET owner = json_extract(value, '$.licensee'), party = json_extract(value, '$.grantor') WHERE kind = 'licence'",
  postgres:
    "UPDATE cinnabar_state SET owner = value::jsonb->>'licensee', party = value::jsonb->>'grantor' WHERE kind = 'licence' AND party IS NULL",
};

/**
 * Version 5 indexes supervision by what it is about (the party column: the frozen work's id, or
 * the identity's DID), and works and editions by the recipient of a pending transfer; rows stored
 * before it get theirs. Takedowns and disputes came with it.
 */
export const FREEZE_PARTIES_BACKFILL = {
  sqlite:
    "UPDATE ledger_state SET party = coalesce(json_extract(value, '$.target.asset'), json_extract(value, '$.target.did')) WHERE kind = 'freeze' AND party IS NULL; " +
    "UPDATE ledger_state SET party = json_extract(value, '$.pendingTransfer.to') WHERE kind IN ('asset', 'edition') AND party IS NULL AND json_extract(value, '$.pendingTransfer.to') IS NOT NULL",
  postgres:
    "UPDATE cinnabar_state SET party = coalesce(value::jsonb->'target'->>'asset', value::jsonb->'target'->>'did') WHERE kind = 'freeze' AND party IS NULL; " +
    "UPDATE cinnabar_state SET party = value::jsonb->'pendingTransfer'->>'to' WHERE kind IN ('asset', 'edition') AND party IS NULL AND value::jsonb->'pendingTransfer'->>'to' IS NOT NULL",
};

/**
 * The SELECT of a place query. Codes are ASCII digits and capitals, so "~" sorts after every
 * character a code has (a prefix's range ends at prefix + "~") and " " before all of them (a
 * code alone is the range [code, code + " ")).
 */
export function placeSelect(
  query: PlaceQuery,
  tables: { places: string; versions: string },
  placeholder: (n: number) => string,
  dialect: 'sqlite' | 'postgres',
): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const p = (value: string | number) => {
    params.push(value);
    return placeholder(params.length);
  };
  const ranges = [
    ...query.search.prefixes.map((prefix) => [prefix, `${prefix}~`]),
    ...query.search.ancestors.map((code) => [code, `${code} `]),
  ];
  // PostgreSQL plans a set of constant ranges well (a bitmap OR of index scans) and a join against
  // them badly (it cannot see them: a full scan); SQLite is the other way round (measured, at a
  // million places: BENCHMARKS.md).
  let from: string;
  const where: string[] = [];
  if (dialect === 'postgres') {
    from = `${tables.places} p`;
    where.push(`(${ranges.map(([lo, hi]) => `(p.cell >= ${p(lo!)} AND p.cell < ${p(hi!)})`).join(' OR ')})`);
  } else {
    const union = ranges.map(([lo, hi]) => `SELECT ${p(lo!)} AS lo, ${p(hi!)} AS hi`).join(' UNION ALL ');
    from = `(${union}) r JOIN ${tables.places} p ON p.cell >= r.lo AND p.cell < r.hi`;
  }
  const bounds = query.search.bounds;
  if (bounds)
    where.push(
      `p.south <= ${p(bounds.north)}`,
      `p.north >= ${p(bounds.south)}`,
      `p.west <= ${p(bounds.east)}`,
      `p.east >= ${p(bounds.west)}`,
    );
  const validAt = (t: string, day: string) =>
    `(${t}.valid_from IS NULL OR ${t}.valid_from <= ${p(day)}) AND (${t}.valid_to IS NULL OR ${t}.valid_to >= ${p(day)})`;
  if (query.at === undefined)
    where.push(`p.revision = (SELECT max(v.revision) FROM ${tables.versions} v WHERE v.asset = p.asset)`);
  else
    where.push(
      validAt('p', query.at),
      `NOT EXISTS (SELECT 1 FROM ${tables.versions} v WHERE v.asset = p.asset AND v.revision > p.revision AND ${validAt('v', query.at)})`,
    );
  if (query.before !== undefined) where.push(`p.idx < ${p(query.before)}`);
  const sql =
    `SELECT p.asset AS asset, p.revision AS revision, p.idx AS idx FROM ${from} WHERE ${where.join(' AND ')} ` +
    `GROUP BY p.asset, p.revision, p.idx ORDER BY p.idx DESC LIMIT ${p(query.limit)}`;
  return { sql, params };
}

/** Milliseconds in a day: activity times divided by it (integer division in both SQLs) are UTC days. */
export const DAY_MS = 86_400_000;

/** The columns of the activity table, in the order the storage classes insert them. */
export const ACTIVITY_COLUMNS = 'idx, kind, time, asset, edition, from_did, to_did, price_fen, media, grade';

/**
 * The SELECT of an activity report: counts and price sums per UTC day, kind and group. A price sum
 * is taken in two parts (whole 10^9 fen, and the rest) so that neither overflows a 64-bit integer.
 * The regime of an entry is the one of the last policy taken on at or before it: a CASE over the
 * policy changes (only those that change the regime).
 */
export function activitySelect(
  query: ActivityQuery,
  table: string,
  placeholder: (n: number) => string,
): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const p = (value: string | number) => {
    params.push(value);
    return placeholder(params.length);
  };
  let group = 'NULL';
  if (query.by === 'mediaType') group = 'media';
  else if (query.by === 'grade') group = 'grade';
  else if (query.by === 'regime') {
    const changes = (query.policies ?? []).filter(
      (change, i, all) => i === 0 || change.regime !== all[i - 1]!.regime,
    );
    if (changes.length > 0)
      group = `CASE ${changes
        .reverse()
        .map((c) => `WHEN idx >= ${p(c.idx)} THEN CAST(${p(c.regime)} AS TEXT)`)
        .join(' ')} ELSE NULL END`;
  }
  const where = ["kind IN ('registration', 'transfer', 'sale', 'licence')"];
  if (query.from !== undefined) where.push(`time >= ${p(query.from)}`);
  if (query.to !== undefined) where.push(`time < ${p(query.to)}`);
  const sql =
    `SELECT time / ${DAY_MS} AS day, kind, ${group} AS grp, count(*) AS n, ` +
    'sum(price_fen / 1000000000) AS hi, sum(price_fen % 1000000000) AS lo ' +
    `FROM ${table} WHERE ${where.join(' AND ')} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
  return { sql, params };
}

/** The SELECT of the largest holders: items (works and editions) per owner. */
export function holdersSelect(
  table: string,
  limitPlaceholder: string,
  dialect: 'sqlite' | 'postgres',
): string {
  const byDid = dialect === 'postgres' ? 'owner COLLATE "C"' : 'owner';
  return (
    `SELECT owner, count(*) AS items FROM ${table} WHERE kind IN ('asset', 'edition') AND owner IS NOT NULL ` +
    `GROUP BY owner ORDER BY items DESC, ${byDid} LIMIT ${limitPlaceholder}`
  );
}

/** A price sum from activitySelect's two parts. */
export function priceSum(hi: string | number | bigint | null, lo: string | number | bigint | null): bigint {
  return BigInt(hi ?? 0) * 1_000_000_000n + BigInt(lo ?? 0);
}

/** An activity row as the SQL reads it (the price as text: fen may exceed 2^53). */
export interface ActivitySqlRow {
  idx: number | string;
  kind: ActivityKind;
  time: number | string;
  asset: string;
  edition: number;
  from_did: string;
  to_did: string | null;
  price: string | null;
  media: string | null;
  grade: string | null;
}

export function activityFromSql(r: ActivitySqlRow): ActivityRow {
  return {
    idx: Number(r.idx),
    kind: r.kind,
    time: Number(r.time),
    asset: r.asset,
    edition: r.edition,
    from: r.from_did,
    to: r.to_did,
    priceFen: r.price === null ? null : BigInt(r.price),
    media: r.media,
    grade: r.grade,
  };
}
