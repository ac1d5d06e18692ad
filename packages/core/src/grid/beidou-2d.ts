/**
 * Beidou grid location codes in two dimensions (GB/T 39409-2020), levels 1 to 10, in exact
 * integer units (angle.ts). Every hemisphere is mirrored onto the north-east one: indices count
 * away from the equator and the prime meridian, so the characters after level 1 mean the same in
 * every hemisphere, and the level-1 longitude number (31 + k east, 30 - k west) says which side.
 *
 *   level  cell          split (lon x lat)  characters              length
 *   1      6° x 4°       60 x 22            01-60, A-V              4
 *   2      30' x 30'     12 x 8             hex lon, lat            6
 *   3      15' x 10'     2 x 3              Z-order digit 0-5       7
 *   4      1' x 1'       15 x 10            lon 0-E, lat 0-9        9
 *   5      4" x 4"       15 x 15            0-E, 0-E                11
 *   6      2" x 2"       2 x 2              Z-order digit 0-3       12
 *   7-10   1/4" ... 1/2048"   8 x 8         two octal digits        14, 16, 18, 20
 *
 * A Z-order digit is 2 x (latitude index) + (longitude index): 0 is the sub-cell nearest the
 * equator and the meridian. Where the standard's boundaries need a choice: the equator and the
 * prime meridian belong to N and E; a point on a cell edge belongs to the cell farther from the
 * equator or meridian (so -6° is in zone 29, not 30); ±180° is taken as 180° less one unit.
 * The polar caps (|latitude| >= 88°) are one cell each at level 1, N000 and S000; their finer
 * cells (the standard's section 5.3) are not implemented: encoding a polar point at a finer level
 * is refused with grid_polar_cap.
 */
import { CinnabarError } from '../errors.js';
import { type AngleInput, angleUnits, type GridAngle, UNITS_PER_DEGREE } from './angle.js';

export const MAX_GRID_LEVEL = 10;
/** Cell sizes in units, by level (index 0 unused). */
export const LON_CELL_UNITS = [
  0, 44_236_800, 3_686_400, 1_843_200, 122_880, 8_192, 4_096, 512, 64, 8, 1,
] as const;
export const LAT_CELL_UNITS = [
  0, 29_491_200, 3_686_400, 1_228_800, 122_880, 8_192, 4_096, 512, 64, 8, 1,
] as const;
const LON_SPLIT = [0, 60, 12, 2, 15, 15, 2, 8, 8, 8, 8] as const;
const LAT_SPLIT = [0, 22, 8, 3, 10, 15, 2, 8, 8, 8, 8] as const;
/** 2D code length by level (level 0 is the hemisphere letter alone). */
export const CODE_LENGTHS = [1, 4, 6, 7, 9, 11, 12, 14, 16, 18, 20] as const;
/** Characters each level adds. */
const LEVEL_CHARS = [1, 3, 2, 1, 2, 2, 1, 2, 2, 2, 2] as const;

const HEX = '0123456789ABCDEF';
const LAT_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUV';
const POLAR_LIMIT = 88 * UNITS_PER_DEGREE;
const HALF_TURN = 180 * UNITS_PER_DEGREE;
const MAX_LON = HALF_TURN - 1;

export type GridLevel = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** A point on the grid: each axis its hemisphere and its distance in units from the equator or meridian. */
export interface GridPoint {
  lat: GridAngle;
  lng: GridAngle;
}

/** A cell decoded: its level, where it lies (exact units, and degrees), and its centre. */
export interface GridCell {
  code: string;
  level: number;
  /** The mirrored corner (nearest the equator and meridian) and the size, in units. */
  units: { south: boolean; west: boolean; lat: number; lng: number; latSize: number; lngSize: number };
  /** Bounds in signed degrees (for display and maps: not exact). */
  bounds: { south: number; west: number; north: number; east: number };
  centre: { lat: number; lng: number };
}

function invalidCode(code: string, why: string): CinnabarError {
  return new CinnabarError(
    'invalid_grid_code',
    `${JSON.stringify(code.slice(0, 40))} is not a Beidou grid code: ${why}`,
  );
}

function checkLevel(level: number): asserts level is GridLevel {
  if (!Number.isInteger(level) || level < 1 || level > MAX_GRID_LEVEL)
    throw new CinnabarError(
      'invalid_coordinate',
      `level must be a whole number from 1 to ${MAX_GRID_LEVEL}, not ${level}`,
    );
}

/** A latitude and longitude as a grid point (see angleUnits for what is accepted). */
export function gridPoint(lat: AngleInput, lng: AngleInput): GridPoint {
  const point = { lat: angleUnits(lat, 'latitude'), lng: angleUnits(lng, 'longitude') };
  if (point.lng.units > MAX_LON) point.lng = { negative: point.lng.negative, units: MAX_LON };
  return point;
}

/** The level-`level` code of the cell holding a point. */
export function encodeGridPoint(point: GridPoint, level: number): string {
  checkLevel(level);
  const hemisphere = point.lat.negative ? 'S' : 'N';
  let aLat = point.lat.units;
  let aLon = point.lng.units;
  if (aLat >= POLAR_LIMIT) {
    if (level === 1) return `${hemisphere}000`;
    throw new CinnabarError(
      'grid_polar_cap',
      `latitude ${point.lat.negative ? '-' : ''}${aLat / UNITS_PER_DEGREE}° is in a polar cap (88° to 90°): this codec has those cells at level 1 only (${hemisphere}000)`,
    );
  }
  const k = Math.floor(aLon / LON_CELL_UNITS[1]);
  const row = Math.floor(aLat / LAT_CELL_UNITS[1]);
  const zone = point.lng.negative ? 30 - k : 31 + k;
  let code = hemisphere + (zone < 10 ? `0${zone}` : String(zone)) + LAT_LETTERS[row];
  aLon -= k * LON_CELL_UNITS[1];
  aLat -= row * LAT_CELL_UNITS[1];
  for (let n = 2; n <= level; n++) {
    const lonSize = LON_CELL_UNITS[n]!;
    const latSize = LAT_CELL_UNITS[n]!;
    const i = Math.floor(aLon / lonSize);
    const j = Math.floor(aLat / latSize);
    aLon -= i * lonSize;
    aLat -= j * latSize;
    code += n === 3 || n === 6 ? HEX[2 * j + i] : HEX[i]! + HEX[j]!;
  }
  return code;
}

/** The level-`level` (1 to 10) code of the cell holding the point at `lat`, `lng`. */
export function encodeGrid(lat: AngleInput, lng: AngleInput, level: number = MAX_GRID_LEVEL): string {
  return encodeGridPoint(gridPoint(lat, lng), level);
}

/** The level of a code's length, or -1. */
export function gridCodeLevel(code: string): number {
  return CODE_LENGTHS.indexOf(code.length as (typeof CODE_LENGTHS)[number]);
}

/**
 * The cell of a 2D code, checked strictly: its length must be a level's, and every character in
 * its alphabet at its place (hex letters may be lower-case; the canonical code is upper-case).
 */
export function decodeGrid(input: string): GridCell {
  if (typeof input !== 'string') throw invalidCode(String(input), 'not a string');
  const code = input.toUpperCase();
  const level = gridCodeLevel(code);
  if (level < 1)
    throw invalidCode(
      input,
      `its length, ${input.length}, is none of a level's (${CODE_LENGTHS.slice(1).join(', ')})`,
    );
  const south = code[0] === 'S';
  if (!south && code[0] !== 'N') throw invalidCode(input, 'it begins with N or S');
  if (code.slice(1, 4) === '000') {
    if (level !== 1)
      throw invalidCode(input, 'the polar caps (N000, S000) have no finer cells in this codec');
    return cell(code, 1, south, false, POLAR_LIMIT, 0, 2 * UNITS_PER_DEGREE, HALF_TURN, true);
  }
  const zone = /^\d\d$/.test(code.slice(1, 3)) ? Number(code.slice(1, 3)) : 0;
  if (zone < 1 || zone > 60)
    throw invalidCode(input, 'its longitude number (characters 2-3) runs from 01 to 60');
  const row = LAT_LETTERS.indexOf(code[3]!);
  if (row < 0) throw invalidCode(input, 'its latitude letter (character 4) runs from A to V');
  const west = zone <= 30;
  let aLon = (west ? 30 - zone : zone - 31) * LON_CELL_UNITS[1];
  let aLat = row * LAT_CELL_UNITS[1];
  let at = 4;
  for (let n = 2; n <= level; n++) {
    let i: number;
    let j: number;
    if (n === 3 || n === 6) {
      const z = HEX.indexOf(code[at]!);
      if (z < 0 || z >= LON_SPLIT[n] * LAT_SPLIT[n])
        throw invalidCode(
          input,
          `its level-${n} digit (character ${at + 1}) runs from 0 to ${LON_SPLIT[n] * LAT_SPLIT[n] - 1}`,
        );
      i = z % 2;
      j = z >> 1;
    } else {
      i = HEX.indexOf(code[at]!);
      j = HEX.indexOf(code[at + 1]!);
      if (i < 0 || i >= LON_SPLIT[n]!)
        throw invalidCode(
          input,
          `its level-${n} longitude character (${at + 1}) runs from 0 to ${HEX[LON_SPLIT[n]! - 1]}`,
        );
      if (j < 0 || j >= LAT_SPLIT[n]!)
        throw invalidCode(
          input,
          `its level-${n} latitude character (${at + 2}) runs from 0 to ${HEX[LAT_SPLIT[n]! - 1]}`,
        );
    }
    aLon += i * LON_CELL_UNITS[n]!;
    aLat += j * LAT_CELL_UNITS[n]!;
    at += LEVEL_CHARS[n]!;
  }
  return cell(code, level, south, west, aLat, aLon, LAT_CELL_UNITS[level]!, LON_CELL_UNITS[level]!, false);
}

function cell(
  code: string,
  level: number,
  south: boolean,
  west: boolean,
  lat: number,
  lng: number,
  latSize: number,
  lngSize: number,
  polar: boolean,
): GridCell {
  const d = UNITS_PER_DEGREE;
  const [latLow, latHigh] = south ? [-(lat + latSize) / d, -lat / d] : [lat / d, (lat + latSize) / d];
  const [lngLow, lngHigh] = polar
    ? [-180, 180]
    : west
      ? [-(lng + lngSize) / d, -lng / d]
      : [lng / d, (lng + lngSize) / d];
  return {
    code,
    level,
    units: { south, west, lat, lng, latSize, lngSize },
    bounds: { south: latLow, west: lngLow, north: latHigh, east: lngHigh },
    centre: { lat: (latLow + latHigh) / 2, lng: (lngLow + lngHigh) / 2 },
  };
}

/** Whether a string is a valid 2D code (decodeGrid says why not). */
export function isGridCode(code: string): boolean {
  try {
    decodeGrid(code);
    return true;
  } catch {
    return false;
  }
}

/** The code of the cell one level up; the hemisphere letter for a level-1 code. */
export function gridParent(code: string): string {
  const { level, code: canonical } = decodeGrid(code);
  return canonical.slice(0, CODE_LENGTHS[level - 1]);
}

/** The codes of the cells one level down, in order of their indices (latitude, then longitude). */
export function gridChildren(code: string): string[] {
  const parent = decodeGrid(code);
  const n = parent.level + 1;
  if (n > MAX_GRID_LEVEL) throw invalidCode(code, 'level-10 cells have no children');
  if (parent.code.slice(1, 4) === '000')
    throw invalidCode(code, 'the polar caps have no finer cells in this codec');
  const children: string[] = [];
  for (let j = 0; j < LAT_SPLIT[n]!; j++)
    for (let i = 0; i < LON_SPLIT[n]!; i++)
      children.push(parent.code + (n === 3 || n === 6 ? HEX[2 * j + i] : HEX[i]! + HEX[j]!));
  return children;
}

/**
 * A cell's place in one signed grid of its level: column 0 starts at the prime meridian going east
 * (-1 going west), row 0 at the equator going north (-1 going south).
 */
function signedIndex(cell: GridCell): { column: number; row: number } {
  const { units } = cell;
  const column = units.lng / units.lngSize;
  const row = units.lat / units.latSize;
  return { column: units.west ? -1 - column : column, row: units.south ? -1 - row : row };
}

function pointAt(column: number, row: number, level: number): GridPoint {
  const lngSize = LON_CELL_UNITS[level]!;
  const latSize = LAT_CELL_UNITS[level]!;
  return {
    lng:
      column >= 0
        ? { negative: false, units: column * lngSize }
        : { negative: true, units: (-1 - column) * lngSize },
    lat:
      row >= 0 ? { negative: false, units: row * latSize } : { negative: true, units: (-1 - row) * latSize },
  };
}

/**
 * The codes of the (up to) 8 cells around a cell at its level, clockwise from the north: across
 * the antimeridian they wrap; beside a polar cap there is no neighbour there (and a polar cap's
 * neighbours are not given).
 */
export function gridNeighbours(code: string): string[] {
  const cell = decodeGrid(code);
  if (cell.code.slice(1, 4) === '000') return [];
  const { column, row } = signedIndex(cell);
  const columns = HALF_TURN / cell.units.lngSize;
  const rows = POLAR_LIMIT / cell.units.latSize;
  const around: [number, number][] = [
    [0, 1],
    [1, 1],
    [1, 0],
    [1, -1],
    [0, -1],
    [-1, -1],
    [-1, 0],
    [-1, 1],
  ];
  const found: string[] = [];
  for (const [dx, dy] of around) {
    const r = row + dy;
    if (r >= rows || r < -rows) continue;
    let c = column + dx;
    if (c >= columns) c -= 2 * columns;
    if (c < -columns) c += 2 * columns;
    found.push(encodeGridPoint(pointAt(c, r, cell.level), cell.level));
  }
  return found;
}

/** The most cells a cover may return. */
export const MAX_COVER_CELLS = 100_000;

/**
 * The level-`level` cells that a box touches, west to east then south to north. The box is
 * south <= north and west <= east (a box across the antimeridian is two boxes); its edges are
 * inside it. Polar caps are left out.
 */
export function coverBox(
  box: { south: AngleInput; west: AngleInput; north: AngleInput; east: AngleInput },
  level: number,
): string[] {
  checkLevel(level);
  return coverPoints(gridPoint(box.south, box.west), gridPoint(box.north, box.east), level);
}

function signedUnits(a: GridAngle): number {
  return a.negative ? -a.units : a.units;
}

function coverPoints(low: GridPoint, high: GridPoint, level: number): string[] {
  if (signedUnits(low.lat) > signedUnits(high.lat) || signedUnits(low.lng) > signedUnits(high.lng))
    throw new CinnabarError(
      'invalid_coordinate',
      'a box runs from south to north and from west to east (split one across the antimeridian in two)',
    );
  const limit = POLAR_LIMIT - 1;
  const clamp = (a: GridAngle): GridAngle => ({ negative: a.negative, units: Math.min(a.units, limit) });
  const lowCell = decodeGrid(encodeGridPoint({ lat: clamp(low.lat), lng: low.lng }, level));
  const highCell = decodeGrid(encodeGridPoint({ lat: clamp(high.lat), lng: high.lng }, level));
  const from = signedIndex(lowCell);
  const to = signedIndex(highCell);
  const count = (to.column - from.column + 1) * (to.row - from.row + 1);
  if (count > MAX_COVER_CELLS)
    throw new CinnabarError(
      'grid_cover_too_large',
      `the box takes ${count} cells at level ${level}; the most a cover gives is ${MAX_COVER_CELLS}: choose a coarser level`,
    );
  const codes: string[] = [];
  for (let r = from.row; r <= to.row; r++)
    for (let c = from.column; c <= to.column; c++) codes.push(encodeGridPoint(pointAt(c, r, level), level));
  return codes;
}

/**
 * The level-`level` cells that a polygon (a ring of points, closed or not, not across the
 * antimeridian) covers or touches: those of its bounding box that it overlaps.
 */
export function coverPolygon(ring: readonly { lat: AngleInput; lng: AngleInput }[], level: number): string[] {
  checkLevel(level);
  if (ring.length < 3) throw new CinnabarError('invalid_coordinate', 'a polygon needs at least 3 points');
  const grid = ring.map((p) => gridPoint(p.lat, p.lng));
  const points = grid.map((g) => ({ x: signedUnits(g.lng), y: signedUnits(g.lat) }));
  const lowest = (values: number[]): GridAngle => {
    const v = Math.min(...values);
    return { negative: v < 0, units: Math.abs(v) };
  };
  const highest = (values: number[]): GridAngle => {
    const v = Math.max(...values);
    return { negative: v < 0, units: Math.abs(v) };
  };
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const candidates = coverPoints(
    { lat: lowest(ys), lng: lowest(xs) },
    { lat: highest(ys), lng: highest(xs) },
    level,
  );
  return candidates.filter((code) => {
    const { units } = decodeGrid(code);
    const x0 = units.west ? -(units.lng + units.lngSize) : units.lng;
    const y0 = units.south ? -(units.lat + units.latSize) : units.lat;
    return rectangleMeetsPolygon(x0, y0, x0 + units.lngSize, y0 + units.latSize, points);
  });
}

/** Whether the rectangle [x0, x1] x [y0, y1] and the polygon share any point. */
function rectangleMeetsPolygon(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  polygon: readonly { x: number; y: number }[],
): boolean {
  // A polygon vertex inside the rectangle, or the rectangle's centre inside the polygon...
  if (polygon.some((p) => p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1)) return true;
  if (insidePolygon((x0 + x1) / 2, (y0 + y1) / 2, polygon)) return true;
  // ... or an edge of the polygon crossing one of the rectangle's.
  const corners = [
    { x: x0, y: y0 },
    { x: x1, y: y0 },
    { x: x1, y: y1 },
    { x: x0, y: y1 },
  ];
  for (let i = 0; i < polygon.length; i++) {
    const a = polygon[i]!;
    const b = polygon[(i + 1) % polygon.length]!;
    for (let k = 0; k < 4; k++) if (segmentsMeet(a, b, corners[k]!, corners[(k + 1) % 4]!)) return true;
  }
  return false;
}

function insidePolygon(x: number, y: number, polygon: readonly { x: number; y: number }[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i]!;
    const b = polygon[j]!;
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

type P = { x: number; y: number };

/**
 * The sign of the cross product (a - o) x (b - o). The coordinates are whole units up to 1.3e9, so
 * a product can exceed 2^53: where the float result is too small to trust, it is redone exactly.
 */
function cross(o: P, a: P, b: P): number {
  const value = (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  if (Math.abs(value) > 4096) return Math.sign(value);
  const exact = BigInt(a.x - o.x) * BigInt(b.y - o.y) - BigInt(a.y - o.y) * BigInt(b.x - o.x);
  return exact > 0n ? 1 : exact < 0n ? -1 : 0;
}
const onSegment = (a: P, b: P, p: P) =>
  Math.min(a.x, b.x) <= p.x &&
  p.x <= Math.max(a.x, b.x) &&
  Math.min(a.y, b.y) <= p.y &&
  p.y <= Math.max(a.y, b.y);

function segmentsMeet(a: P, b: P, c: P, d: P): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (
    (d1 === 0 && onSegment(c, d, a)) ||
    (d2 === 0 && onSegment(c, d, b)) ||
    (d3 === 0 && onSegment(a, b, c)) ||
    (d4 === 0 && onSegment(a, b, d))
  );
}
