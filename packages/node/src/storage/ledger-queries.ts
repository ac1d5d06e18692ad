/** SQL the two backends share for the ledger state's reads. */
import type { AssetQuery, PartyQuery } from './log-storage.js';

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
