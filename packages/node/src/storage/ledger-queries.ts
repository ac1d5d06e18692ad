/** SQL the two backends share for the ledger state's reads. */
import type { AssetQuery } from './log-storage.js';

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
