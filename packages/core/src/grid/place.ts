/**
 * A registered work's place on the grid: the cells it is indexed under (2D codes), and the
 * calendar days its metadata is valid for. The rules check a place with placeProblem; a node
 * indexes placeCells and validDays for queries by cell, box, distance and time.
 */
import { CinnabarError, isCinnabarError } from '../errors.js';
import { MAX_PLACE_CELLS, type Place } from '../ledger/schemas.js';
import { coverBox, decodeGrid, encodeGrid, MAX_GRID_LEVEL } from './beidou-2d.js';
import { decodeGrid3D, isGridCode3D } from './beidou-3d.js';

const MAX_CELLS = MAX_PLACE_CELLS;

/** The 2D code of a 2D or 3D code (checked strictly). */
function code2d(code: string): string {
  return code.length > 4 && isGridCode3D(code) ? decodeGrid3D(code).code2d : decodeGrid(code).code;
}

/** Why a place cannot be indexed, or undefined if it can. */
export function placeProblem(place: Place): string | undefined {
  const forms = (['grid', 'point', 'box', 'cells'] as const).filter((form) => place[form] !== undefined);
  if (forms.length !== 1)
    return `place: give exactly one of grid, point, box or cells (got ${forms.length === 0 ? 'none' : forms.join(', ')})`;
  const [form] = forms;
  if ((form === 'point' || form === 'box') !== (place.level !== undefined))
    return form === 'point' || form === 'box'
      ? `place.level: a ${form} is indexed at a level, 1 to ${MAX_GRID_LEVEL}`
      : `place.level: only a point or a box has a level (a grid code carries its own)`;
  try {
    placeCells(place);
    return undefined;
  } catch (error) {
    if (isCinnabarError(error)) return `place.${form}: ${error.message}`;
    throw error;
  }
}

/** The 2D codes a place is indexed under, sorted (a place that placeProblem passes). */
export function placeCells(place: Place): string[] {
  let cells: string[];
  if (place.grid !== undefined) cells = [code2d(place.grid)];
  else if (place.cells !== undefined) cells = place.cells.map(code2d);
  else if (place.point !== undefined)
    cells = [encodeGrid(place.point.lat, place.point.lng, place.level ?? MAX_GRID_LEVEL)];
  else if (place.box !== undefined) {
    cells = coverBox(place.box, place.level ?? MAX_GRID_LEVEL);
    if (cells.length > MAX_CELLS) {
      throw new CinnabarError(
        'grid_cover_too_large',
        `the box covers ${cells.length} cells at level ${place.level}; a place has at most ${MAX_CELLS}: choose a coarser level`,
      );
    }
  } else cells = [];
  return [...new Set(cells)].sort();
}

/** The last day of a YYYY or YYYY-MM period, or the day itself. */
function lastDay(date: string): string {
  if (date.length === 10) return date;
  if (date.length === 4) return `${date}-12-31`;
  const [year, month] = date.split('-').map(Number);
  const day = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return `${date}-${String(day).padStart(2, '0')}`;
}

/** The first and last calendar days (YYYY-MM-DD) a time span covers; null where it is open. */
export function validDays(span: { start: string; end?: string } | undefined): {
  from: string | null;
  to: string | null;
} {
  if (!span) return { from: null, to: null };
  const from =
    span.start.length === 10
      ? span.start
      : span.start.length === 7
        ? `${span.start}-01`
        : `${span.start}-01-01`;
  return { from, to: span.end === undefined ? null : lastDay(span.end) };
}
