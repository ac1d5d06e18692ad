// The Beidou grid codec (GB/T 39409-2020, packages/core/src/grid) beside h3-js, in one process on the
// same points: encodes and decodes per second at each Beidou level against the H3 resolution whose
// average cell is nearest in size (the square root of the average area, since a hexagon's edge and a
// square's side are not alike: an H3 hexagon is ~1.6 edges across). Points are drawn uniformly over
// the sphere between 88°S and 88°N (the codec keeps the polar caps at level 1 only) from a seeded
// PRNG; both sides read the same points, and decode the codes their own encoder made of them. Each
// case is warmed up, then timed in rounds of ~1 s taken in turn with its rival's (so a change in the
// machine's load falls on both), and given as the median round; every result feeds a checksum.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import {
  decodeGrid,
  decodeGrid3D,
  encodeGrid,
  encodeGrid3D,
  LAT_CELL_UNITS,
  LON_CELL_UNITS,
  UNITS_PER_DEGREE,
} from '@cinnabar/core';
import {
  cellToBoundary,
  cellToLatLng,
  getHexagonAreaAvg,
  getHexagonEdgeLengthAvg,
  latLngToCell,
} from 'h3-js';
import { mulberry32 } from '../support.js';

export interface GridCodecOptions {
  /** Beidou levels to measure (each against its nearest H3 resolution). */
  levels?: number[];
  /** Timed rounds per case: the median is reported. */
  rounds?: number;
  roundMs?: number;
  warmupMs?: number;
  /** Points in the pool (cycled through). */
  points?: number;
  seed?: number;
  log?: (line: string) => void;
}

/** Operations per second: the median round, and the slowest and fastest. */
export interface Rate {
  median: number;
  min: number;
  max: number;
}

export interface GridLevelResult {
  level: number;
  /** The Beidou cell: its size in arc, its side at the equator and the square root of its mean area over the points. */
  cell: string;
  cellSideM: { equator: number; mean: number };
  h3Resolution: number;
  /** The H3 resolution's average edge, and the square root of its average area. */
  h3CellM: { edge: number; side: number };
  encode: { ours: Rate; h3: Rate; oursOverH3: number };
  /** Ours gives the cell's bounds and centre; h3-js its boundary (cellToBoundary) or centre (cellToLatLng). */
  decode: {
    ours: Rate;
    h3Boundary: Rate;
    h3LatLng: Rate;
    oursOverH3Boundary: number;
    oursOverH3LatLng: number;
  };
}

export interface GridCodecResult {
  h3js: string;
  points: number;
  seed: number;
  rounds: number;
  roundMs: number;
  /** 1-minute load average before and after the run (the machine's other work shows in it). */
  loadAverage: { before: number; after: number };
  levels: GridLevelResult[];
  /** Level 10 in 3D (heights -500 m to 9,000 m): no H3 counterpart. */
  level10in3D: { encode: Rate; decode: Rate };
  /** Level 10 from decimal strings with 7 places (the exact path) rather than numbers. */
  level10FromStrings: { encode: Rate };
  checksum: number;
}

const ARC = ['', '6° x 4°', "30' x 30'", "15' x 10'", "1' x 1'", '4" x 4"', '2" x 2"'];
const EARTH_RADIUS_M = 6_371_007.2; // authalic, as H3 uses
const METRES_PER_UNIT = (EARTH_RADIUS_M * Math.PI) / 180 / UNITS_PER_DEGREE;

let sink = 0;
const consume = (n: number) => {
  sink = (sink + n) % 1_000_000_007;
};

/** One round: the batch (a pass over the pool, `ops` operations) repeated for at least `ms`. */
function round(batch: () => number, ops: number, ms: number): number {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let done = 0;
  let now: bigint;
  do {
    consume(batch());
    done += ops;
    now = process.hrtime.bigint();
  } while (now < end);
  return done / (Number(now - start) / 1e9);
}

function rate(samples: number[]): Rate {
  const sorted = samples.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: Math.round(median), min: Math.round(sorted[0]!), max: Math.round(sorted.at(-1)!) };
}

/** Warm up each case, then time them in turn, round after round. */
function compare(
  cases: Record<string, () => number>,
  ops: number,
  o: Required<GridCodecOptions>,
): Record<string, Rate> {
  const names = Object.keys(cases);
  for (const name of names) round(cases[name]!, ops, o.warmupMs);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < o.rounds; r++)
    for (const name of names) samples[name]!.push(round(cases[name]!, ops, o.roundMs));
  return Object.fromEntries(names.map((n) => [n, rate(samples[n]!)]));
}

function h3Version(): string {
  const require = createRequire(import.meta.url);
  const path = require.resolve('h3-js/package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const metres = (n: number) => (n >= 10 ? fmt(n) : n.toPrecision(2));
const ratio = (a: Rate, b: Rate) => Math.round((a.median / b.median) * 100) / 100;

export async function gridCodec(options: GridCodecOptions = {}): Promise<GridCodecResult> {
  const o: Required<GridCodecOptions> = {
    levels: [4, 5, 6, 7, 8, 9, 10],
    rounds: 5,
    roundMs: 1000,
    warmupMs: 500,
    points: 1 << 16,
    seed: 0x6b1d,
    log: () => {},
    ...options,
  };
  const before = loadavg()[0]!;
  const random = mulberry32(o.seed);
  const n = o.points;
  const lats = new Float64Array(n);
  const lngs = new Float64Array(n);
  const heights = new Float64Array(n);
  const sin88 = Math.sin((88 * Math.PI) / 180);
  let meanCos = 0;
  for (let i = 0; i < n; i++) {
    // Uniform over the sphere's area: sin(latitude) uniform.
    const lat = (Math.asin((2 * random() - 1) * sin88) * 180) / Math.PI;
    lats[i] = lat;
    lngs[i] = random() * 360 - 180;
    heights[i] = -500 + random() * 9500;
    meanCos += Math.cos((lat * Math.PI) / 180) / n;
  }
  o.log(`grid: ${n} points (seed ${o.seed}), ${o.rounds} rounds of ${o.roundMs} ms per case, load ${before}`);

  const levels: GridLevelResult[] = [];
  for (const level of o.levels) {
    const lonUnits = LON_CELL_UNITS[level]!;
    const latUnits = LAT_CELL_UNITS[level]!;
    const equator = Math.sqrt(lonUnits * latUnits) * METRES_PER_UNIT;
    const mean = equator * Math.sqrt(meanCos);
    // The H3 resolution nearest in size: the least |log| of the ratio of sides (square roots of areas).
    let res = 0;
    for (let r = 1; r <= 15; r++)
      if (
        Math.abs(Math.log(Math.sqrt(getHexagonAreaAvg(r, 'm2')) / mean)) <
        Math.abs(Math.log(Math.sqrt(getHexagonAreaAvg(res, 'm2')) / mean))
      )
        res = r;
    const ours: string[] = new Array(n);
    const theirs: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      ours[i] = encodeGrid(lats[i]!, lngs[i]!, level);
      theirs[i] = latLngToCell(lats[i]!, lngs[i]!, res);
    }
    // A check that the two do the same work: each code decodes to a cell holding its point.
    for (let i = 0; i < n; i += 997) {
      const { bounds } = decodeGrid(ours[i]!);
      const slack = 1e-9;
      if (
        lats[i]! < bounds.south - slack ||
        lats[i]! > bounds.north + slack ||
        lngs[i]! < bounds.west - slack ||
        lngs[i]! > bounds.east + slack
      )
        throw new Error(`${ours[i]} does not hold ${lats[i]}, ${lngs[i]}`);
      if (latLngToCell(...cellToLatLng(theirs[i]!), res) !== theirs[i])
        throw new Error(`H3 ${theirs[i]} does not round-trip`);
    }
    const encode = compare(
      {
        ours: () => {
          let s = 0;
          for (let i = 0; i < n; i++) {
            const code = encodeGrid(lats[i]!, lngs[i]!, level);
            s += code.charCodeAt(code.length - 1);
          }
          return s;
        },
        h3: () => {
          let s = 0;
          for (let i = 0; i < n; i++) {
            const cell = latLngToCell(lats[i]!, lngs[i]!, res);
            s += cell.charCodeAt(cell.length - 1);
          }
          return s;
        },
      },
      n,
      o,
    );
    const decode = compare(
      {
        ours: () => {
          let s = 0;
          for (let i = 0; i < n; i++) {
            const cell = decodeGrid(ours[i]!);
            s += cell.bounds.north + cell.centre.lng;
          }
          return s;
        },
        h3Boundary: () => {
          let s = 0;
          for (let i = 0; i < n; i++) {
            const boundary = cellToBoundary(theirs[i]!);
            s += boundary[0]![0] + boundary.length;
          }
          return s;
        },
        h3LatLng: () => {
          let s = 0;
          for (let i = 0; i < n; i++) {
            const centre = cellToLatLng(theirs[i]!);
            s += centre[0] + centre[1];
          }
          return s;
        },
      },
      n,
      o,
    );
    const result: GridLevelResult = {
      level,
      cell: ARC[level] ?? `1/${2048 / lonUnits}"`,
      cellSideM: { equator: round3(equator), mean: round3(mean) },
      h3Resolution: res,
      h3CellM: {
        edge: round3(getHexagonEdgeLengthAvg(res, 'm')),
        side: round3(Math.sqrt(getHexagonAreaAvg(res, 'm2'))),
      },
      encode: { ours: encode.ours!, h3: encode.h3!, oursOverH3: ratio(encode.ours!, encode.h3!) },
      decode: {
        ours: decode.ours!,
        h3Boundary: decode.h3Boundary!,
        h3LatLng: decode.h3LatLng!,
        oursOverH3Boundary: ratio(decode.ours!, decode.h3Boundary!),
        oursOverH3LatLng: ratio(decode.ours!, decode.h3LatLng!),
      },
    };
    levels.push(result);
    o.log(
      `grid level ${level} (${result.cell}, ~${metres(mean)} m) vs H3 res ${res} (~${metres(result.h3CellM.side)} m): ` +
        `encode ${fmt(encode.ours!.median)}/s vs ${fmt(encode.h3!.median)}/s (x${result.encode.oursOverH3}); ` +
        `decode ${fmt(decode.ours!.median)}/s vs boundary ${fmt(decode.h3Boundary!.median)}/s, ` +
        `centre ${fmt(decode.h3LatLng!.median)}/s`,
    );
  }

  const codes3d: string[] = new Array(n);
  for (let i = 0; i < n; i++) codes3d[i] = encodeGrid3D(lats[i]!, lngs[i]!, heights[i]!, 10);
  const in3D = compare(
    {
      encode: () => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const code = encodeGrid3D(lats[i]!, lngs[i]!, heights[i]!, 10);
          s += code.charCodeAt(code.length - 1);
        }
        return s;
      },
      decode: () => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const cell = decodeGrid3D(codes3d[i]!);
          s += cell.height.floor + cell.bounds.south;
        }
        return s;
      },
    },
    n,
    o,
  );
  o.log(`grid level 10 in 3D: encode ${fmt(in3D.encode!.median)}/s, decode ${fmt(in3D.decode!.median)}/s`);

  const latText = Array.from(lats, (v) => v.toFixed(7));
  const lngText = Array.from(lngs, (v) => v.toFixed(7));
  const fromStrings = compare(
    {
      encode: () => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const code = encodeGrid(latText[i]!, lngText[i]!, 10);
          s += code.charCodeAt(code.length - 1);
        }
        return s;
      },
    },
    n,
    o,
  );
  o.log(`grid level 10 from decimal strings: encode ${fmt(fromStrings.encode!.median)}/s`);

  return {
    h3js: h3Version(),
    points: n,
    seed: o.seed,
    rounds: o.rounds,
    roundMs: o.roundMs,
    loadAverage: { before, after: loadavg()[0]! },
    levels,
    level10in3D: { encode: in3D.encode!, decode: in3D.decode! },
    level10FromStrings: { encode: fromStrings.encode! },
    checksum: sink,
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
