/**
 * GET /v1/assets?cell= | bbox= | near=&radius= [&at=]: assets by where their places are, and by
 * the day their revision was valid, from the node's place index (ledger/place-index.ts).
 */
import {
  type AssetRecord,
  type AssetRevisionRecord,
  assetKey,
  assetRevisionKey,
  decodeGrid,
  isCinnabarError,
  placeCells,
} from '@cinnabar/core';
import { boxSearch, type CellSearch } from '../ledger/place-index.js';
import type { LedgerReads, PlaceMatch } from '../storage/log-storage.js';
import { ProblemError } from './problems.js';

const EARTH_RADIUS_M = 6_371_008.8;
/** Metres in a degree of latitude, at its shortest (at the equator): a box from it is never too small. */
const METRES_PER_DEGREE_LAT = 110_574;
const MAX_RADIUS_M = 1_000_000;
/** Pages a near query reads at most to fill one answer (each filtered by exact distance). */
const MAX_NEAR_ROUNDS = 20;

export interface SpatialParams {
  cell?: string;
  bbox?: string;
  near?: string;
  radius?: string;
  at?: string;
  cursor?: string;
}

function numbers(text: string, count: number, name: string): number[] {
  const values = text.split(',').map(Number);
  if (values.length !== count || values.some((v) => !Number.isFinite(v)))
    throw new ProblemError('invalid_query', `${name}: ${count} numbers separated by commas`);
  return values;
}

/** The day of `at` (YYYY-MM-DD, UTC for a time). */
function dayOf(at: string): string {
  const ms = Date.parse(at.length === 10 ? `${at}T00:00:00Z` : at);
  const day = Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(0, 10);
  if (at.length === 10 ? day !== at : day === '')
    throw new ProblemError('invalid_query', `at: ${at} is not a date or time`);
  return day;
}

/** Great-circle distance in metres from a point to the nearest point of a box (degrees). */
function distanceToBox(
  lat: number,
  lng: number,
  box: { south: number; west: number; north: number; east: number },
) {
  const nearestLat = Math.min(Math.max(lat, box.south), box.north);
  const nearestLng = Math.min(Math.max(lng, box.west), box.east);
  const rad = Math.PI / 180;
  const dLat = (nearestLat - lat) * rad;
  const dLng = (nearestLng - lng) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat * rad) * Math.cos(nearestLat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** For each match, whether any of its cells (at that revision) lies within the radius of the point. */
async function withinAll(
  ledger: LedgerReads,
  matches: readonly PlaceMatch[],
  near: { lat: number; lng: number; radius: number },
): Promise<boolean[]> {
  const keys = matches.map((m) => assetRevisionKey(m.asset, m.revision));
  const found = await ledger.readState(keys);
  return keys.map((key) => {
    const json = found.get(key);
    const place = json ? (JSON.parse(json) as AssetRevisionRecord).metadata.place : undefined;
    return (
      place !== undefined &&
      placeCells(place).some(
        (code) => distanceToBox(near.lat, near.lng, decodeGrid(code).bounds) <= near.radius,
      )
    );
  });
}

/** Answer a spatial asset query: a page of assets, newest first, and the cursor after it. */
export async function searchPlaces(ledger: LedgerReads, params: SpatialParams, limit: number) {
  const given = (['cell', 'bbox', 'near'] as const).filter((name) => params[name] !== undefined);
  if (given.length !== 1)
    throw new ProblemError(
      'invalid_query',
      'give one of cell, bbox or near (with at and cursor, if you like)',
    );
  if (params.radius !== undefined && params.near === undefined)
    throw new ProblemError('invalid_query', 'radius goes with near');
  const at = params.at === undefined ? undefined : dayOf(params.at);
  let search: CellSearch;
  let near: { lat: number; lng: number; radius: number } | undefined;
  try {
    if (params.cell !== undefined) search = { prefixes: [decodeGrid(params.cell).code], ancestors: [] };
    else if (params.bbox !== undefined) {
      const [south, west, north, east] = numbers(params.bbox, 4, 'bbox');
      search = boxSearch({ south: south!, west: west!, north: north!, east: east! });
    } else {
      const [lat, lng] = numbers(params.near!, 2, 'near');
      const radius = params.radius === undefined ? 1000 : Number(params.radius);
      if (radius > MAX_RADIUS_M)
        throw new ProblemError('invalid_query', `radius: at most ${MAX_RADIUS_M} metres`);
      near = { lat: lat!, lng: lng!, radius };
      const dLat = radius / METRES_PER_DEGREE_LAT;
      const cos = Math.cos((Math.min(89, Math.abs(lat!) + dLat) * Math.PI) / 180);
      const dLng = Math.min(180, dLat / Math.max(cos, 1e-6));
      search = boxSearch({
        south: Math.max(-90, lat! - dLat),
        west: Math.max(-180, lng! - dLng),
        north: Math.min(90, lat! + dLat),
        east: Math.min(180, lng! + dLng),
      });
    }
  } catch (error) {
    if (isCinnabarError(error, 'invalid_grid_code'))
      throw new ProblemError('invalid_query', `cell: ${error.message}`);
    if (isCinnabarError(error)) throw new ProblemError('invalid_query', error.message);
    throw error;
  }

  const matches: PlaceMatch[] = [];
  let before = params.cursor === undefined ? undefined : Number(params.cursor);
  let exhausted = false;
  for (let round = 0; matches.length < limit && round < (near ? MAX_NEAR_ROUNDS : 1); round++) {
    // A circle fills about π/4 of the box searched: a near query reads twice a page at a time.
    const pageSize = near ? 2 * limit : limit;
    const page = await ledger.queryPlaces({
      search,
      ...(at === undefined ? {} : { at }),
      ...(before === undefined ? {} : { before }),
      limit: pageSize,
    });
    const inside = near ? await withinAll(ledger, page, near) : page.map(() => true);
    for (const [i, match] of page.entries()) {
      before = match.idx;
      if (inside[i]) matches.push(match);
      if (matches.length === limit) break;
    }
    if (page.length < pageSize) {
      exhausted = true;
      break;
    }
  }
  const found = await ledger.readState(matches.map((m) => assetKey(m.asset)));
  const revisions =
    at === undefined
      ? new Map<string, string>()
      : await ledger.readState(matches.map((m) => assetRevisionKey(m.asset, m.revision)));
  const items = matches.map((m) => {
    const asset = JSON.parse(found.get(assetKey(m.asset))!) as AssetRecord;
    if (at === undefined) return asset;
    const revision = JSON.parse(revisions.get(assetRevisionKey(m.asset, m.revision))!) as AssetRevisionRecord;
    return { ...asset, revisionAt: { revision: revision.revision, metadata: revision.metadata } };
  });
  return {
    items,
    nextCursor: !exhausted && before !== undefined && matches.length > 0 ? String(before) : null,
  };
}
