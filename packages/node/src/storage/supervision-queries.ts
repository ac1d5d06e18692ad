/**
 * SQL the two backends share for what the alert rules read (supervision/alert-index.ts): moves and
 * listings, real-name credentials and registered images, each whole or for a range of entries, so
 * that the rules can be brought up to date with what was appended since they last ran.
 */
import { MOVE_KINDS, type MoveKind } from '../supervision/activity.js';
import type { EntryRange } from './log-storage.js';

/** The tables and dialect of a backend. */
export interface SupervisionTables {
  dialect: 'sqlite' | 'postgres';
  activity: string;
  state: string;
  media: string;
}

export const SQLITE_TABLES: SupervisionTables = {
  dialect: 'sqlite',
  activity: 'activity',
  state: 'ledger_state',
  media: 'asset_media',
};

export const POSTGRES_TABLES: SupervisionTables = {
  dialect: 'postgres',
  activity: 'cinnabar_activity',
  state: 'cinnabar_state',
  media: 'cinnabar_asset_media',
};

export interface Query {
  sql: string;
  params: (string | number)[];
}

/** Placeholders (? or $n) and their values, in order. */
class Params {
  readonly values: (string | number)[] = [];
  constructor(private readonly dialect: SupervisionTables['dialect']) {}
  add(value: string | number): string {
    this.values.push(value);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  }
  list(values: readonly (string | number)[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

/** `column >= from` and `column < before`, for the bounds the range has. */
function rangeConditions(column: string, range: EntryRange | undefined, p: Params): string[] {
  const where: string[] = [];
  if (range?.from !== undefined) where.push(`${column} >= ${p.add(range.from)}`);
  if (range?.before !== undefined) where.push(`${column} < ${p.add(range.before)}`);
  return where;
}

/** The kinds asked for that are moves or listings (anything else is not in these reads). */
export function moveKinds(kinds: readonly MoveKind[]): MoveKind[] {
  return kinds.filter((k) => MOVE_KINDS.includes(k));
}

/**
 * Moves and listings (MoveRow, named as its fields, so rows need no second object; PostgreSQL casts
 * its bigints to float8 so that they arrive as numbers, far below 2^53), optionally only of `assets`.
 */
export function movesSelect(
  t: SupervisionTables,
  kinds: readonly MoveKind[],
  range?: EntryRange,
  assets?: readonly string[],
): Query {
  const p = new Params(t.dialect);
  const number = (column: string) => (t.dialect === 'postgres' ? `${column}::float8` : column);
  const where = [`kind IN (${p.list(kinds)})`, ...rangeConditions('idx', range, p)];
  if (assets) where.push(`asset IN (${p.list(assets)})`);
  return {
    sql:
      `SELECT ${number('idx')} AS idx, kind, ${number('time')} AS time, asset, edition, from_did AS "from", to_did AS "to" ` +
      `FROM ${t.activity} WHERE ${where.join(' AND ')} ORDER BY idx`,
    params: p.values,
  };
}

/** Works a statement asks for: well within SQLite's 32,766 parameters, and still an index lookup each. */
const ASSETS_A_STATEMENT = 500;

/** The moves and listings of `assets`' works and editions: one statement for each few hundred works. */
export function itemMovesSelects(
  t: SupervisionTables,
  kinds: readonly MoveKind[],
  assets: readonly string[],
  range?: EntryRange,
): Query[] {
  const queries: Query[] = [];
  for (let at = 0; at < assets.length; at += ASSETS_A_STATEMENT)
    queries.push(movesSelect(t, kinds, range, assets.slice(at, at + ASSETS_A_STATEMENT)));
  return queries;
}

/**
 * Real-name credentials (revoked ones too): the commitment, the subject, the credential's id and
 * the entry that issued it; with `writtenFrom`, those whose record was written at or after it
 * (the (kind, idx) index finds them without reading the others).
 */
export function realNamesSelect(t: SupervisionTables, writtenFrom?: number): Query {
  const p = new Params(t.dialect);
  const where = [`kind = 'credential'`, ...rangeConditions('idx', { from: writtenFrom }, p)];
  const sql =
    t.dialect === 'sqlite'
      ? "SELECT json_extract(value, '$.credential.credentialSubject.realName.commitment') AS commitment, " +
        "json_extract(value, '$.subject') AS subject, json_extract(value, '$.issued.index') AS idx, " +
        `json_extract(value, '$.id') AS credential FROM ${t.state} WHERE ${where.join(' AND ')} ` +
        "AND json_extract(value, '$.credentialType') = 'real-name' ORDER BY 3, credential"
      : "SELECT v #>> '{credential,credentialSubject,realName,commitment}' AS commitment, v ->> 'subject' AS subject, " +
        "(v #>> '{issued,index}')::float8 AS idx, v ->> 'id' AS credential " +
        `FROM (SELECT value::jsonb AS v FROM ${t.state} WHERE ${where.join(' AND ')}) c ` +
        `WHERE v ->> 'credentialType' = 'real-name' ORDER BY (v #>> '{issued,index}')::float8, v ->> 'id' COLLATE "C"`;
  return { sql, params: p.values };
}

/**
 * Registered images with a perceptual hash, with their registration's time (a work's content is
 * indexed once, at its registration: the rows of a range are the images registered in it).
 */
export function imageRegistrationsSelect(t: SupervisionTables, range?: EntryRange): Query {
  const p = new Params(t.dialect);
  const number = (column: string) => (t.dialect === 'postgres' ? `${column}::float8` : column);
  const where = ['m.phash IS NOT NULL', ...rangeConditions('m.idx', range, p)];
  return {
    sql:
      `SELECT m.asset AS asset, ${number('m.idx')} AS idx, ${number('a.time')} AS time, m.phash AS phash ` +
      `FROM ${t.media} m JOIN ${t.activity} a ON a.idx = m.idx AND a.kind = 'registration' ` +
      `WHERE ${where.join(' AND ')} ORDER BY m.idx`,
    params: p.values,
  };
}
