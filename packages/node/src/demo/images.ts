// Procedural PNG pictures for the demo collection, 512 × 512 each. Each is a per-pixel shader
// (raster.ts) over seeded noise (random.ts), so the bytes are the same on every run. They are
// composed to be far apart in perceptual hash (media/inspect.ts), so none is taken for a near
// duplicate of another.
import { clamp01, fbm2, latticeRandom, mix, perlin2, smoothstep } from './random.js';
import { fill, over, renderPng, rgbOf, segmentDistance, spiralDistance, stroke } from './raster.js';

/** Width and height of every demo picture, in pixels. */
export const DEMO_IMAGE_SIZE = 512;
const S = DEMO_IMAGE_SIZE;

/** Ink-wash landscape (shanshui): five ranges of peaks fading into mist, on warm paper. */
export function inkWashMountains(): Uint8Array {
  const seed = 0x1a7e;
  const paper = rgbOf(0xf1e9d8);
  const ink = rgbOf(0x1b1b1d);
  const layers = 5;
  // The ridge line of each range, one height per column (pixels from the top).
  const ridges = Array.from({ length: layers }, (_, k) =>
    Float64Array.from({ length: S }, (_, x) => {
      const u = x / S;
      const peaks = Math.abs(fbm2(u * (2.2 + k * 0.9), k * 7.3, seed + k, 5));
      const swell = 0.5 + 0.5 * Math.sin(u * Math.PI * (1 + k * 0.5) + k * 1.7);
      return S * (0.3 + 0.12 * k) - S * (0.12 + 0.05 * swell) * (0.4 + 1.6 * peaks) * (k === 0 ? 1.3 : 1);
    }),
  );
  return renderPng(S, S, (x, y, rgb) => {
    fill(rgb, paper);
    const fibre = fbm2(x * 0.05, y * 0.5, seed + 99, 2);
    rgb[0] = (rgb[0] as number) - 0.025 * fibre;
    rgb[1] = (rgb[1] as number) - 0.025 * fibre;
    rgb[2] = (rgb[2] as number) - 0.03 * fibre;
    // Dry-brush texture, shared by all the ranges.
    const brush = 0.75 + 0.5 * fbm2(x * 0.03, y * 0.12, seed + 40, 2);
    for (let k = 0; k < layers; k++) {
      const ridge = (ridges[k] as Float64Array)[Math.min(S - 1, Math.floor(x))] as number;
      const depth = y - ridge;
      if (depth < -1) continue;
      const edge = clamp01(depth + 1);
      // Dark along the ridge, washing out downwards into mist.
      const tone = 0.16 + 0.17 * k;
      const wash = Math.exp(-depth / (18 + 10 * k)) * 0.7 + 0.3 * (1 - smoothstep(0, S * 0.16, depth));
      over(rgb, ink, edge * tone * wash * brush);
    }
  });
}

/** Auspicious clouds (xiangyun): a staggered tiling of paired cloud scrolls in gold on indigo. */
export function auspiciousClouds(): Uint8Array {
  const tile = 128;
  const indigo = rgbOf(0x17244a);
  const cloud = rgbOf(0x2d4a80);
  const gold = rgbOf(0xe0b85c);
  return renderPng(S, S, (x, y, rgb) => {
    fill(rgb, indigo);
    const row = Math.floor(y / tile);
    const lx = (x + (row % 2) * (tile / 2)) % tile;
    const ly = y % tile;
    // The cloud's body: three overlapping discs (a signed distance), outlined in gold.
    const d1 = Math.sqrt((lx - 44) ** 2 + (ly - 56) ** 2) - 22;
    const d2 = Math.sqrt((lx - 84) ** 2 + (ly - 56) ** 2) - 22;
    const d3 = Math.sqrt(((lx - 64) / 1.4) ** 2 + (ly - 74) ** 2) - 20;
    const body = Math.min(d1, d2, d3);
    over(rgb, cloud, stroke(body, 0));
    over(rgb, gold, stroke(Math.abs(body), 2.2));
    // A scroll turning inwards in each lobe, mirrored left and right.
    const left = spiralDistance(-(lx - 44), ly - 56, 6.5, 2);
    const right = spiralDistance(lx - 84, ly - 56, 6.5, 2);
    over(rgb, gold, stroke(Math.min(left, right), 1.8));
    // A trailing tail under the cloud.
    const tail = 100 + 5 * Math.sin((lx / tile) * 2 * Math.PI);
    over(
      rgb,
      gold,
      stroke(Math.abs(ly - tail), 1.6) * smoothstep(8, 24, lx) * (1 - smoothstep(104, 120, lx)),
    );
  });
}

// Four geometric glyphs on a 4 × 4 grid, as polylines (in the manner of seal script, read right
// column first): 田, 山, 王, 回.
const GLYPHS: readonly (readonly (readonly [number, number])[])[][] = [
  [
    [
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
      [0, 0],
    ],
    [
      [2, 0],
      [2, 4],
    ],
    [
      [0, 2],
      [4, 2],
    ],
  ],
  [
    [
      [0, 4],
      [4, 4],
    ],
    [
      [0, 4],
      [0, 1.4],
    ],
    [
      [2, 4],
      [2, 0],
    ],
    [
      [4, 4],
      [4, 1.4],
    ],
  ],
  [
    [
      [0, 0],
      [4, 0],
    ],
    [
      [0.6, 2],
      [3.4, 2],
    ],
    [
      [0, 4],
      [4, 4],
    ],
    [
      [2, 0],
      [2, 4],
    ],
  ],
  [
    [
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
      [0, 0],
    ],
    [
      [1.3, 1.3],
      [2.7, 1.3],
      [2.7, 2.7],
      [1.3, 2.7],
      [1.3, 1.3],
    ],
  ],
];

/** A cinnabar seal (intaglio, baiwen): four geometric glyphs cut white into a worn red square. */
export function cinnabarSeal(): Uint8Array {
  const seed = 0x5ea1;
  const paper = rgbOf(0xf2ead8);
  const cinnabar = rgbOf(0xb8281e);
  const half = 178;
  const centre = S / 2;
  // Glyph cells: right column (top, bottom), then left column.
  const cell = 132;
  const cells: [number, number][] = [
    [centre + 12, centre - cell - 12],
    [centre + 12, centre + 12],
    [centre - cell - 12, centre - cell - 12],
    [centre - cell - 12, centre + 12],
  ];
  // Each segment as ax, ay, bx, by, then its bounding box grown by the stroke: x0, y0, x1, y1.
  const segments: number[] = [];
  const margin = 14;
  GLYPHS.forEach((glyph, g) => {
    const [cx, cy] = cells[g] as [number, number];
    const unit = (cell - 24) / 4;
    for (const line of glyph) {
      for (let i = 0; i + 1 < line.length; i++) {
        const [a0, a1] = line[i] as readonly [number, number];
        const [b0, b1] = line[i + 1] as readonly [number, number];
        const ax = cx + 12 + a0 * unit;
        const ay = cy + 12 + a1 * unit;
        const bx = cx + 12 + b0 * unit;
        const by = cy + 12 + b1 * unit;
        segments.push(ax, ay, bx, by);
        segments.push(Math.min(ax, bx) - margin, Math.min(ay, by) - margin);
        segments.push(Math.max(ax, bx) + margin, Math.max(ay, by) + margin);
      }
    }
  });
  const seg = Float64Array.from(segments);
  return renderPng(S, S, (x, y, rgb) => {
    fill(rgb, paper);
    const fibre = fbm2(x * 0.04, y * 0.3, seed + 1, 2);
    rgb[2] = (rgb[2] as number) - 0.03 * fibre;
    const dx = Math.abs(x - centre);
    const dy = Math.abs(y - centre);
    const rough = 3 * fbm2(x * 0.08, y * 0.08, seed + 2, 3);
    const square = Math.max(dx, dy) - (half + rough);
    let red = stroke(square, 0);
    if (red <= 0) return;
    // Worn stamp: the ink is uneven and the paper shows through in specks.
    const mottle = 0.8 + 0.35 * fbm2(x * 0.02, y * 0.02, seed + 3, 3);
    if (perlin2(x * 0.21, y * 0.21, seed + 4) > 0.42) red *= 0.25;
    let carved = 0;
    for (let i = 0; i < seg.length; i += 8) {
      if (x < seg[i + 4]! || y < seg[i + 5]! || x > seg[i + 6]! || y > seg[i + 7]!) continue;
      const d = segmentDistance(x, y, seg[i]!, seg[i + 1]!, seg[i + 2]!, seg[i + 3]!);
      carved = Math.max(carved, stroke(d, 8.5 + rough * 0.4));
    }
    over(rgb, cinnabar, red * clamp01(mottle) * (1 - carved));
  });
}

/** A moon-gate window: a round opening with an octagon-and-square lattice against lit paper. */
export function moonWindowLattice(): Uint8Array {
  const seed = 0x3001;
  const wall = rgbOf(0xe6e1d6);
  const paper = rgbOf(0xf6e3b0);
  const glow = rgbOf(0xfff6dc);
  const wood = rgbOf(0x3a2417);
  const tile = rgbOf(0x5d6168);
  const stainColour = rgbOf(0xb9b2a3);
  const centre = S / 2;
  const radius = 196;
  const cell = 76;
  return renderPng(S, S, (x, y, rgb) => {
    const dx = x - centre;
    const dy = y - centre;
    const r = Math.sqrt(dx * dx + dy * dy);
    if (r > radius + 20) {
      // Whitewashed wall, a little weathered, and a grey tile coping above.
      fill(rgb, wall);
      const stain = fbm2(x * 0.01, y * 0.03, seed, 4);
      over(rgb, stainColour, clamp01(stain * 0.6) * smoothstep(S * 0.4, S, y));
      over(rgb, tile, y < 26 ? 1 : 0);
      return;
    }
    // Back-lit paper, brightest at the centre.
    fill(rgb, paper);
    over(rgb, glow, 1 - smoothstep(0, radius, r));
    const u = ((((dx + cell / 2) % cell) + cell) % cell) - cell / 2;
    const v = ((((dy + cell / 2) % cell) + cell) % cell) - cell / 2;
    const au = Math.abs(u);
    const av = Math.abs(v);
    const square = Math.abs(Math.max(au, av) - 13);
    const diamond = Math.abs(au + av - cell / 2) / Math.SQRT2;
    const frame = Math.min(cell / 2 - au, cell / 2 - av);
    const lattice = Math.min(square, diamond, frame);
    over(rgb, wood, stroke(lattice, 3.2));
    // The round frame: dark timber, then a grey brick band.
    over(rgb, wood, stroke(Math.abs(r - (radius + 5)), 8));
    over(rgb, tile, stroke(Math.abs(r - (radius + 16)), 4));
  });
}

/** Sunset over still water: a violet-to-amber sky, a low sun, far hills and a rippled reflection. */
export function sunsetOverWater(): Uint8Array {
  const seed = 0x5005;
  const horizon = S * 0.58;
  const sunX = S * 0.5;
  const sunY = horizon - S * 0.09;
  const sunR = S * 0.065;
  const stops: [number, [number, number, number]][] = [
    [0, rgbOf(0x1e1640)],
    [0.45, rgbOf(0x7a2f55)],
    [0.78, rgbOf(0xe5743a)],
    [1, rgbOf(0xffcf78)],
  ];
  const hills = Float64Array.from(
    { length: S },
    (_, x) => horizon - S * (0.025 + 0.03 * Math.abs(fbm2(x / S, 0.5, seed, 4)) * 2.2),
  );
  const sunGlow = rgbOf(0xffb25a);
  const sunDisc = rgbOf(0xfff4d6);
  const cloud = rgbOf(0xd06a78);
  const glint = rgbOf(0xffe0a0);
  const sky = (x: number, y: number, out: Float64Array) => {
    const t = clamp01(y / horizon);
    for (let i = 1; i < stops.length; i++) {
      const [t0, c0] = stops[i - 1] as [number, [number, number, number]];
      const [t1, c1] = stops[i] as [number, [number, number, number]];
      if (t <= t1 || i === stops.length - 1) {
        const k = clamp01((t - t0) / (t1 - t0));
        out[0] = mix(c0[0], c1[0], k);
        out[1] = mix(c0[1], c1[1], k);
        out[2] = mix(c0[2], c1[2], k);
        break;
      }
    }
    const d = Math.sqrt((x - sunX) ** 2 + (y - sunY) ** 2);
    over(out, sunGlow, 0.55 * Math.exp(-(d - sunR) / 70));
    over(out, sunDisc, stroke(d - sunR, 0));
    // Thin streaks of cloud, lit from below.
    const streak = fbm2(x * 0.004, y * 0.045, seed + 1, 4);
    over(out, cloud, smoothstep(0.15, 0.45, streak) * 0.7 * smoothstep(horizon * 0.15, horizon * 0.6, y));
  };
  const hill = rgbOf(0x2a1a38);
  const reflected = new Float64Array(3);
  return renderPng(S, S, (x, y, rgb) => {
    if (y < horizon) {
      sky(x, y, rgb);
      over(rgb, hill, stroke((hills[Math.floor(x)] as number) - y, 0));
      return;
    }
    // Water: the sky mirrored about the horizon, displaced by ripples that grow towards the viewer.
    const depth = (y - horizon) / (S - horizon);
    const ripple = perlin2(x * 0.01, (y - horizon) ** 1.3 * 0.09, seed + 2);
    const mirrorY = horizon - (y - horizon) * 1.1 + ripple * 18 * (0.3 + depth);
    sky(x + ripple * 30 * depth, Math.max(0, mirrorY), reflected);
    fill(rgb, reflected);
    rgb[0] = (rgb[0] as number) * 0.72;
    rgb[1] = (rgb[1] as number) * 0.68;
    rgb[2] = (rgb[2] as number) * 0.8;
    const glitter = perlin2(x * 0.05, y * 0.6, seed + 3);
    const column = 1 - smoothstep(sunR * 0.6, sunR * (1.4 + depth), Math.abs(x - sunX));
    over(rgb, glint, column * smoothstep(0.05, 0.3, glitter));
  });
}

/** Ice-crackle glaze (Ge ware): a celadon-grey ground crazed by dark and golden crack networks. */
export function crackleGlaze(): Uint8Array {
  const seed = 0xc4ac;
  const ground = rgbOf(0xbcc4aa);
  const pale = rgbOf(0xd6dbc6);
  const iron = rgbOf(0x2a221d);
  const goldWire = rgbOf(0xa67c3a);
  const pool = rgbOf(0x8f9a7f);
  // Half the gap between the nearest and second nearest jittered cell points: roughly the
  // distance to the nearest crack (cell edge).
  const crack = (x: number, y: number, size: number, s: number) => {
    const gx = Math.floor(x / size);
    const gy = Math.floor(y / size);
    let f1 = Infinity;
    let f2 = Infinity;
    for (let j = -1; j <= 1; j++) {
      for (let i = -1; i <= 1; i++) {
        const px = (gx + i + 0.1 + 0.8 * latticeRandom(gx + i, gy + j, 0, s)) * size;
        const py = (gy + j + 0.1 + 0.8 * latticeRandom(gx + i, gy + j, 1, s)) * size;
        const d = Math.sqrt((x - px) ** 2 + (y - py) ** 2);
        if (d < f1) {
          f2 = f1;
          f1 = d;
        } else if (d < f2) {
          f2 = d;
        }
      }
    }
    return (f2 - f1) / 2;
  };
  return renderPng(S, S, (x, y, rgb) => {
    fill(rgb, ground);
    over(rgb, pale, clamp01(0.5 + fbm2(x * 0.006, y * 0.006, seed, 4)));
    // Wavy cracks: the lattice is warped by low-frequency noise.
    const wx = x + 14 * fbm2(x * 0.012, y * 0.012, seed + 1, 3);
    const wy = y + 14 * fbm2(x * 0.012, y * 0.012, seed + 2, 3);
    over(rgb, goldWire, stroke(crack(wx, wy, 24, seed + 3), 0.7) * 0.75);
    over(rgb, iron, stroke(crack(wx, wy, 70, seed + 4), 1.3));
    // A soft pooling of glaze towards the lower edge.
    over(rgb, pool, 0.25 * smoothstep(S * 0.55, S, y));
  });
}
