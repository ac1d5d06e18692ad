/**
 * The node's index of places and validity (derived from the ledger state, not part of it): one row
 * per grid cell of each asset revision's place, and one per revision for the days it is valid.
 * Queries by cell, box, distance and time (GET /v1/assets?cell=|bbox=|near=&at=) read them.
 */
import {
  type AssetRevisionRecord,
  CODE_LENGTHS,
  coverBox,
  decodeGrid,
  placeCells,
  UNITS_PER_DEGREE,
  validDays,
} from '@cinnabar/core';

export interface PlaceRow {
  cell: string;
  asset: string;
  revision: number;
  /** The cell's bounds in signed grid units (1/2048"). */
  south: number;
  west: number;
  north: number;
  east: number;
  validFrom: string | null;
  validTo: string | null;
  /** The asset's registration index (answers list newest first by it). */
  idx: number;
}

export interface VersionRow {
  asset: string;
  revision: number;
  validFrom: string | null;
  validTo: string | null;
}

/** The signed bounds of a 2D cell, in units. */
export function cellBounds(code: string): { south: number; west: number; north: number; east: number } {
  const { units } = decodeGrid(code);
  if (code.slice(1, 4) === '000') {
    const half = 180 * UNITS_PER_DEGREE;
    const [south, north] = units.south
      ? [-90 * UNITS_PER_DEGREE, -units.lat]
      : [units.lat, 90 * UNITS_PER_DEGREE];
    return { south, west: -half, north, east: half };
  }
  const west = units.west ? -(units.lng + units.lngSize) : units.lng;
  const south = units.south ? -(units.lat + units.latSize) : units.lat;
  return { south, west, north: south + units.latSize, east: west + units.lngSize };
}

/** The index rows of one revision of an asset registered at `registeredIndex`. */
export function placeRows(
  revision: AssetRevisionRecord,
  registeredIndex: number,
): { places: PlaceRow[]; version: VersionRow } {
  const { from, to } = validDays(revision.metadata.timeSpan);
  const version = { asset: revision.asset, revision: revision.revision, validFrom: from, validTo: to };
  const place = revision.metadata.place;
  const places = place
    ? placeCells(place).map((cell) => ({
        cell,
        asset: revision.asset,
        revision: revision.revision,
        ...cellBounds(cell),
        validFrom: from,
        validTo: to,
        idx: registeredIndex,
      }))
    : [];
  return { places, version };
}

/**
 * The whole place index of the asset revisions stored (their JSON, in key order: each asset's
 * revisions together, revision 0 first), for building the index of an older store.
 */
export function placeIndexOf(revisionsJson: readonly string[]): {
  places: PlaceRow[];
  versions: VersionRow[];
} {
  const places: PlaceRow[] = [];
  const versions: VersionRow[] = [];
  const registered = new Map<string, number>();
  for (const json of revisionsJson) {
    const revision = JSON.parse(json) as AssetRevisionRecord;
    if (revision.revision === 0) registered.set(revision.asset, revision.at.index);
    const rows = placeRows(revision, registered.get(revision.asset) ?? revision.at.index);
    places.push(...rows.places);
    versions.push(rows.version);
  }
  return { places, versions };
}

/** Where a spatial query looks: cells whose codes begin with one of `prefixes`, or are one of `ancestors`. */
export interface CellSearch {
  prefixes: string[];
  ancestors: string[];
  /** Only cells meeting these signed-unit bounds. */
  bounds?: { south: number; west: number; north: number; east: number };
}

/** The most cells a box query scans by prefix. */
const MAX_QUERY_CELLS = 24;

/**
 * The cells to search for everything in a box: the finest level whose cover of the box has at most
 * 24 cells (scanned by prefix: finer places inside them), and those cells' ancestors (coarser places
 * containing part of the box), with the box's bounds to drop what only shares a cell with it.
 */
export function boxSearch(box: { south: number; west: number; north: number; east: number }): CellSearch {
  const units = (degrees: number) => Math.round(degrees * UNITS_PER_DEGREE);
  const bounds = {
    south: units(box.south),
    west: units(box.west),
    north: units(box.north),
    east: units(box.east),
  };
  let cover: string[] | undefined;
  for (let level = 1; level <= 10; level++) {
    const next = coverBox(box, level);
    if (next.length > MAX_QUERY_CELLS) break;
    cover = next;
    // coverBox refuses more than MAX_COVER_CELLS; a box small enough to get here never asks that.
  }
  // A box wider than 24 level-1 cells: scan every cell, keeping those inside the bounds.
  if (!cover) return { prefixes: ['N', 'S'], ancestors: [], bounds };
  const ancestors = new Set<string>();
  for (const code of cover) {
    const level = CODE_LENGTHS.indexOf(code.length as (typeof CODE_LENGTHS)[number]);
    for (let l = 1; l < level; l++) ancestors.add(code.slice(0, CODE_LENGTHS[l]));
  }
  if (box.north >= 88) ancestors.add('N000');
  if (box.south <= -88) ancestors.add('S000');
  return { prefixes: cover, ancestors: [...ancestors], bounds };
}
