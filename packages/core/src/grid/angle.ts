/**
 * Angles in exact integer units of 1/2048 of an arc-second, the finest cell of the Beidou grid
 * (GB/T 39409-2020): one degree is 7,372,800 units, so every cell edge at every level is a whole
 * number of units and a point is placed in its cell by integer division alone.
 *
 * A coordinate is kept as its hemisphere and its distance from the equator or the prime meridian
 * (the grid mirrors every hemisphere onto the north-east one): floor(|angle| x 7,372,800), the
 * floor taken of the exact value. A decimal string is read exactly; a number is read as the
 * shortest decimal that prints it (what a person typed), so 39.9 is 39.9 and not the binary
 * double just below it, which would fall in the cell before an edge.
 */
import { CinnabarError } from '../errors.js';

export const UNITS_PER_DEGREE = 7_372_800;
export const UNITS_PER_MINUTE = 122_880;
export const UNITS_PER_SECOND = 2_048;

/** A coordinate on the grid: which side of the equator or meridian, and how far from it. */
export interface GridAngle {
  /** South of the equator, or west of the prime meridian. */
  negative: boolean;
  /** floor(|angle| x 7,372,800). */
  units: number;
}

export type AngleInput = number | string;

function invalid(message: string): CinnabarError {
  return new CinnabarError('invalid_coordinate', message);
}

const DECIMAL = /^([+-]?)(\d{1,3})(?:\.(\d{1,30}))?$/;
const EXPONENT = /^([+-]?)(\d)(?:\.(\d{1,20}))?e([+-]\d{1,3})$/;
// 116°18′45.37″E, 116°18'45.37"E, 116d18m45.37sE, or without seconds or minutes.
const DMS =
  /^(\d{1,3})(?:°|d)\s*(?:(\d{1,2})(?:′|'|m)\s*(?:(\d{1,2}(?:\.\d{1,20})?)(?:″|"|s))?)?\s*([NSEWnsew])$/;

/** floor(digits x 10^-scale x 7,372,800) for a decimal's digits, exactly; and whether it is zero. */
function unitsOfDecimal(whole: string, fraction: string): { units: number; zero: boolean } {
  const scale = 10n ** BigInt(fraction.length);
  const value = BigInt(whole) * scale + BigInt(fraction || '0');
  return { units: Number((value * BigInt(UNITS_PER_DEGREE)) / scale), zero: value === 0n };
}

/** A decimal written with an exponent (how JavaScript prints very small numbers), as plain digits. */
function plainDecimal(
  sign: string,
  digit: string,
  fraction: string,
  exponent: number,
): [string, string, string] {
  const digits = digit + fraction;
  const point = 1 + exponent; // where the decimal point falls in `digits`
  if (point <= 0) return [sign, '0', '0'.repeat(-point) + digits];
  if (point >= digits.length) return [sign, digits + '0'.repeat(point - digits.length), ''];
  return [sign, digits.slice(0, point), digits.slice(point)];
}

/**
 * An angle in grid units. `max` is 90 for a latitude, 180 for a longitude; `axis` names it in errors.
 * Accepts a number, a decimal string ("-39.9"), or degrees-minutes-seconds with a hemisphere
 * letter ("116°18′45.37″E").
 */
export function angleUnits(value: AngleInput, axis: 'latitude' | 'longitude'): GridAngle {
  const max = axis === 'latitude' ? 90 : 180;
  let negative: boolean;
  let units: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(`${axis} ${value} is not a finite number`);
    negative = value < 0; // -0 and 0 lie on the equator or meridian, which belong to N and E
    const scaled = Math.abs(value) * UNITS_PER_DEGREE;
    const floor = Math.floor(scaled);
    // A double times 7,372,800 is off by at most ~2e-7 units here; only a product that close to a
    // whole number can floor the wrong way, and only then is the exact decimal worked out.
    if (scaled - floor > 1e-5 && floor + 1 - scaled > 1e-5) units = floor;
    else return angleUnits(String(value), axis);
  } else if (typeof value === 'string') {
    const text = value.trim();
    const decimal = DECIMAL.exec(text);
    const exponent = decimal ? undefined : EXPONENT.exec(text);
    const dms = decimal || exponent ? undefined : DMS.exec(text);
    if (decimal || exponent) {
      const [sign, whole, fraction] = decimal
        ? [decimal[1]!, decimal[2]!, decimal[3] ?? '']
        : plainDecimal(exponent![1]!, exponent![2]!, exponent![3] ?? '', Number(exponent![4]));
      if (whole.length > 3) throw invalid(`${axis} ${text} is beyond ±${max}°`);
      const exact = unitsOfDecimal(whole, fraction);
      // Only an exact zero lies on the equator or meridian (which belong to N and E).
      negative = sign === '-' && !exact.zero;
      units = exact.units;
    } else if (dms) {
      const hemisphere = dms[4]!.toUpperCase();
      if ((axis === 'latitude') !== (hemisphere === 'N' || hemisphere === 'S'))
        throw invalid(`${text}: a ${axis} ends in ${axis === 'latitude' ? 'N or S' : 'E or W'}`);
      const minutes = Number(dms[2] ?? 0);
      const [secondsWhole = '0', secondsFraction = ''] = (dms[3] ?? '0').split('.');
      if (minutes >= 60 || Number(secondsWhole) >= 60)
        throw invalid(`${text}: minutes and seconds run to 59`);
      const scale = 10n ** BigInt(secondsFraction.length);
      const seconds = BigInt(secondsWhole) * scale + BigInt(secondsFraction || '0');
      negative =
        (hemisphere === 'S' || hemisphere === 'W') && (Number(dms[1]) > 0 || minutes > 0 || seconds > 0n);
      units =
        Number(dms[1]) * UNITS_PER_DEGREE +
        minutes * UNITS_PER_MINUTE +
        Number((seconds * BigInt(UNITS_PER_SECOND)) / scale);
    } else
      throw invalid(
        `${axis} ${JSON.stringify(text.slice(0, 40))} is not a number of degrees (39.9, -116.3) or degrees, minutes and seconds (39°59′35.38″N)`,
      );
  } else throw invalid(`${axis} must be a number or a string`);
  if (units > max * UNITS_PER_DEGREE)
    throw invalid(`${axis} ${String(value).slice(0, 40)} is beyond ±${max}°`);
  return { negative, units };
}

/** Signed degrees of a grid angle (for display: not exact). */
export function degreesOf(angle: GridAngle): number {
  const degrees = angle.units / UNITS_PER_DEGREE;
  return angle.negative ? -degrees : degrees;
}
