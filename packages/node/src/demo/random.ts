// Seeded randomness and noise for the demo collection. Everything here is a pure function of its
// seed (no Math.random, no clock), so every generated work has the same bytes on every run.

/** A source of numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a tiny 32-bit seeded PRNG (Tommy Ettinger's public-domain generator). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number in [min, max) drawn from random. */
export function between(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

/** 32-bit integer hash of up to three lattice coordinates and a seed (lowbias32 finalizer). */
function hash3(x: number, y: number, z: number, seed: number): number {
  let h = (seed ^ Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(z, 0x1b873593)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A lattice value in [0, 1), for cell jitter (Voronoi points) and the like. */
export function latticeRandom(x: number, y: number, z: number, seed: number): number {
  return hash3(x, y, z, seed) / 4294967296;
}

function fade(t: number): number {
  return t * t * t * (t * (t * 6 - 15) + 10);
}

// Gradients at lattice points: eight unit directions in 2D (GRAD2X/Y[h & 7]) and the twelve edge
// directions of a cube in 3D (Perlin's "improved noise", GRAD3X/Y/Z[h % 12]).
const GRAD2X = Float64Array.from({ length: 8 }, (_, i) => Math.cos((i * Math.PI) / 4));
const GRAD2Y = Float64Array.from({ length: 8 }, (_, i) => Math.sin((i * Math.PI) / 4));
const GRAD3X = Float64Array.from([1, -1, 1, -1, 1, -1, 1, -1, 0, 0, 0, 0]);
const GRAD3Y = Float64Array.from([1, 1, -1, -1, 0, 0, 0, 0, 1, -1, 1, -1]);
const GRAD3Z = Float64Array.from([0, 0, 0, 0, 1, 1, -1, -1, 1, 1, -1, -1]);

// 2D noise is the hot path of the pictures (millions of calls), so it hashes lattice points with
// Perlin's permutation table — a fixed shuffle of 0..255, doubled to skip a wrap — about three
// times faster than hash3. The seed picks an offset into the 256 × 256 period.
const PERM = (() => {
  const random = mulberry32(0x9e3779b9);
  const p = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 255; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j] as number, p[i] as number];
  }
  return Uint8Array.from({ length: 512 }, (_, i) => p[i & 255] as number);
})();

function grad2(h: number, dx: number, dy: number): number {
  const g = h & 7;
  return (GRAD2X[g] as number) * dx + (GRAD2Y[g] as number) * dy;
}

function grad3(ix: number, iy: number, iz: number, seed: number, dx: number, dy: number, dz: number): number {
  const h = hash3(ix, iy, iz, seed) % 12;
  return (GRAD3X[h] as number) * dx + (GRAD3Y[h] as number) * dy + (GRAD3Z[h] as number) * dz;
}

/** Perlin gradient noise in two dimensions, roughly in [-0.7, 0.7]. */
export function perlin2(x: number, y: number, seed: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const offset = hash3(seed, 0, 0, 0x2545f491);
  const xi = (x0 + offset) & 255;
  const yi = (y0 + (offset >>> 8)) & 255;
  const row0 = (PERM[xi] as number) + yi;
  const row1 = (PERM[xi + 1] as number) + yi;
  const g00 = grad2(PERM[row0] as number, fx, fy);
  const g10 = grad2(PERM[row1] as number, fx - 1, fy);
  const g01 = grad2(PERM[row0 + 1] as number, fx, fy - 1);
  const g11 = grad2(PERM[row1 + 1] as number, fx - 1, fy - 1);
  const u = fade(fx);
  const a = g00 + u * (g10 - g00);
  const b = g01 + u * (g11 - g01);
  return a + fade(fy) * (b - a);
}

/** Perlin gradient noise in three dimensions, roughly in [-1, 1]. */
export function perlin3(x: number, y: number, z: number, seed: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const z0 = Math.floor(z);
  const fx = x - x0;
  const fy = y - y0;
  const fz = z - z0;
  const u = fade(fx);
  const v = fade(fy);
  const w = fade(fz);
  const g000 = grad3(x0, y0, z0, seed, fx, fy, fz);
  const g100 = grad3(x0 + 1, y0, z0, seed, fx - 1, fy, fz);
  const g010 = grad3(x0, y0 + 1, z0, seed, fx, fy - 1, fz);
  const g110 = grad3(x0 + 1, y0 + 1, z0, seed, fx - 1, fy - 1, fz);
  const g001 = grad3(x0, y0, z0 + 1, seed, fx, fy, fz - 1);
  const g101 = grad3(x0 + 1, y0, z0 + 1, seed, fx - 1, fy, fz - 1);
  const g011 = grad3(x0, y0 + 1, z0 + 1, seed, fx, fy - 1, fz - 1);
  const g111 = grad3(x0 + 1, y0 + 1, z0 + 1, seed, fx - 1, fy - 1, fz - 1);
  const a = mix(mix(g000, g100, u), mix(g010, g110, u), v);
  const b = mix(mix(g001, g101, u), mix(g011, g111, u), v);
  return mix(a, b, w);
}

/** Fractal sum of perlin2 octaves (each at twice the frequency and half the amplitude). */
export function fbm2(x: number, y: number, seed: number, octaves: number): number {
  let sum = 0;
  let amplitude = 1;
  let frequency = 1;
  for (let i = 0; i < octaves; i++) {
    sum += amplitude * perlin2(x * frequency, y * frequency, seed + i * 1013);
    amplitude *= 0.5;
    frequency *= 2;
  }
  return sum;
}

/** Fractal sum of perlin3 octaves. */
export function fbm3(x: number, y: number, z: number, seed: number, octaves: number): number {
  let sum = 0;
  let amplitude = 1;
  let frequency = 1;
  for (let i = 0; i < octaves; i++) {
    sum += amplitude * perlin3(x * frequency, y * frequency, z * frequency, seed + i * 1013);
    amplitude *= 0.5;
    frequency *= 2;
  }
  return sum;
}

export function clamp01(t: number): number {
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = clamp01((x - edge0) / (edge1 - edge0));
  return t * t * (3 - 2 * t);
}

export function mix(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}
