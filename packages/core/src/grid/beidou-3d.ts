/**
 * Beidou grid codes in three dimensions (GB/T 39409-2020 section 6): the 2D code with a height
 * code woven in, level by level, 32 characters at level 10.
 *
 * The height index of a height H (metres above the reference surface) is
 *   n = floor( (θ0 / θ) x log_(1+θ0) ((H + r0) / r0) ),  θ0 = 1° (π/180 rad), θ = 1/2048",
 * r0 = 6,378,137 m, so that cells grow with height as the 2D cells do with distance. Below the
 * surface the sign character is 1 and the index is that of the mirrored height (floor of |x|), as
 * the hemispheres mirror in 2D.
 *
 * The index is written one level at a time: level 1 as two decimal digits (00-63), then one
 * character for each finer level. Read the way section 6 defines θ for each level (the span of
 * that level's cell), each level's character is n's digit in the mixed radix of the 2D splits:
 *   level      1     2    3    4     5     6    7-10
 *   radix      64    8    2    15    15    2    8
 *   cell (of θ) 4°   30'  15'  1'    4"    2"   1/4" ... 1/2048"
 * This is the value table of the standard (0-E at levels 4 and 5). Reading the height instead as
 * bit fields of n (Appendix C as most published codecs do) gives the same code below 1,839.585 m
 * (n < 122,880) and an `F` at level 5 above it, which the value table does not allow; this codec
 * follows the table. See docs/grid.md.
 */
import { CinnabarError } from '../errors.js';
import type { AngleInput } from './angle.js';
import {
  CODE_LENGTHS,
  decodeGrid,
  encodeGridPoint,
  type GridCell,
  gridPoint,
  MAX_GRID_LEVEL,
} from './beidou-2d.js';

export const EARTH_RADIUS_M = 6_378_137;
const UNITS_PER_DEGREE = 7_372_800;
/** ln(1 + π/180): the log base of the height formula. */
const LOG_BASE = Math.log1p(Math.PI / 180);
/** The height index's place value at each level (index 0 unused), and its radix there. */
const PLACE = [0, 29_491_200, 3_686_400, 1_843_200, 122_880, 8_192, 4_096, 512, 64, 8, 1] as const;
const RADIX = [0, 64, 8, 2, 15, 15, 2, 8, 8, 8, 8] as const;
const MAX_INDEX = 64 * PLACE[1] - 1;
const HEX = '0123456789ABCDEF';
/** 3D code length by level: hemisphere, sign, then each level's 2D and height characters. */
export const CODE_3D_LENGTHS = [0, 7, 10, 12, 15, 18, 20, 23, 26, 29, 32] as const;

export interface HeightIndex {
  /** Below the reference surface. */
  below: boolean;
  /** The index's magnitude (0 to 64 x 29,491,200 - 1). */
  index: number;
}

/** The height index of a height in metres. */
export function heightIndex(metres: number, radius = EARTH_RADIUS_M): HeightIndex {
  if (!Number.isFinite(metres))
    throw new CinnabarError('invalid_coordinate', `height ${metres} is not a finite number`);
  if (metres <= -radius)
    throw new CinnabarError('invalid_coordinate', `height ${metres} m is below the centre of the earth`);
  const x = (UNITS_PER_DEGREE * Math.log1p(metres / radius)) / LOG_BASE;
  const index = Math.floor(Math.abs(x));
  if (index > MAX_INDEX)
    throw new CinnabarError('invalid_coordinate', `height ${metres} m is beyond the grid's height range`);
  return { below: x < 0, index };
}

/** The height at index `x` (signed, in height units): the inverse of the formula. */
function heightAt(x: number, radius: number): number {
  return radius * Math.expm1((x * LOG_BASE) / UNITS_PER_DEGREE);
}

/** The height characters of each level 1..`level`: index 0 is the sign, then one string per level. */
function heightChars(height: HeightIndex, level: number): string[] {
  const chars = [height.below ? '1' : '0'];
  for (let n = 1; n <= level; n++) {
    const digit = Math.floor(height.index / PLACE[n]!) % RADIX[n]!;
    chars.push(n === 1 ? String(digit).padStart(2, '0') : HEX[digit]!);
  }
  return chars;
}

/** The 3D code at `level` of a point at `lat`, `lng` and `metres` above the reference surface. */
export function encodeGrid3D(
  lat: AngleInput,
  lng: AngleInput,
  metres: number,
  level: number = MAX_GRID_LEVEL,
  radius = EARTH_RADIUS_M,
): string {
  const code2d = encodeGridPoint(gridPoint(lat, lng), level);
  const heights = heightChars(heightIndex(metres, radius), level);
  let code = code2d[0]! + heights[0];
  for (let n = 1; n <= level; n++) code += code2d.slice(CODE_LENGTHS[n - 1], CODE_LENGTHS[n]) + heights[n];
  return code;
}

/** A 3D cell: its 2D cell, and the heights of its floor and ceiling in metres. */
export interface GridCell3D extends GridCell {
  code2d: string;
  height: { below: boolean; index: number; floor: number; ceiling: number };
}

/** The cell of a 3D code, checked strictly (as decodeGrid does for 2D, and each height character). */
export function decodeGrid3D(input: string, radius = EARTH_RADIUS_M): GridCell3D {
  if (typeof input !== 'string') throw new CinnabarError('invalid_grid_code', 'a grid code is a string');
  const code = input.toUpperCase();
  const level = CODE_3D_LENGTHS.indexOf(code.length as (typeof CODE_3D_LENGTHS)[number]);
  const bad = (why: string) =>
    new CinnabarError(
      'invalid_grid_code',
      `${JSON.stringify(input.slice(0, 40))} is not a 3D Beidou grid code: ${why}`,
    );
  if (level < 1)
    throw bad(`its length, ${input.length}, is none of a level's (${CODE_3D_LENGTHS.slice(1).join(', ')})`);
  if (code[1] !== '0' && code[1] !== '1') throw bad('its second character (the height sign) is 0 or 1');
  let code2d = code[0]!;
  let index = 0;
  let at = 2;
  for (let n = 1; n <= level; n++) {
    const width = CODE_LENGTHS[n]! - CODE_LENGTHS[n - 1]!;
    code2d += code.slice(at, at + width);
    at += width;
    const heightWidth = n === 1 ? 2 : 1;
    const text = code.slice(at, at + heightWidth);
    const digit = n === 1 ? (/^\d\d$/.test(text) ? Number(text) : -1) : HEX.indexOf(text);
    if (digit < 0 || digit >= RADIX[n]!)
      throw bad(
        `its level-${n} height character${n === 1 ? 's' : ''} (${at + 1}) run${n === 1 ? '' : 's'} from 0 to ${n === 1 ? '63' : HEX[RADIX[n]! - 1]}`,
      );
    index += digit * PLACE[n]!;
    at += heightWidth;
  }
  const cell = decodeGrid(code2d);
  const below = code[1] === '1';
  const low = below ? -(index + PLACE[level]!) : index;
  const high = below ? -index : index + PLACE[level]!;
  return {
    ...cell,
    code,
    code2d: cell.code,
    height: { below, index, floor: heightAt(low, radius), ceiling: heightAt(high, radius) },
  };
}

/** Whether a code is a 3D one (its 4th character is a digit of the level-1 longitude number). */
export function isGridCode3D(code: string): boolean {
  return /^[NS][01]\d\d/.test(code.toUpperCase());
}
