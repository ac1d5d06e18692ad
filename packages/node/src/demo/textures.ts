// Base-colour textures for the demo sculptures, drawn procedurally and encoded as PNG.
import { fbm2, mix, smoothstep } from './random.js';
import { fill, over, renderPng, rgbOf, spiralDistance, stroke } from './raster.js';

const PORCELAIN = rgbOf(0xf3f5f4);

/**
 * Blue-and-white decoration for the meiping vase, 512 × 512, tiling horizontally. u goes once
 * around the vase and repeats the design four times; v runs from the lip (0) to the foot (1).
 * Bands: plain lip (v < 0.03), wave band, ruyi-cloud collar, cloud-scroll field, lotus panels,
 * solid foot ring.
 */
export function blueAndWhiteTexture(): Uint8Array {
  const size = 512;
  const period = size / 4;
  const cobalt: [number, number, number] = [0, 0, 0];
  return renderPng(size, size, (x, y, rgb) => {
    const v = y / size;
    fill(rgb, PORCELAIN);
    const lx = ((x % period) + period) % period; // position in one repeat, 0..128
    let ink = 0;
    // Double lines between the bands.
    for (let b = 0; b < BAND_LINES.length; b++) {
      const by = (BAND_LINES[b] as number) * size;
      ink = Math.max(ink, stroke(Math.abs(y - by + 3), 1), stroke(Math.abs(y - by - 3), 1));
    }
    if (v > 0.035 && v < 0.115) {
      // A running wave.
      const wave = 0.075 * size + 9 * Math.sin((x / period) * 4 * Math.PI);
      ink = Math.max(ink, stroke(Math.abs(y - wave), 2.2));
    } else if (v >= 0.125 && v < 0.3) {
      // Ruyi-cloud collar: a pointed, lobed pendant per repeat, filled, with a reserved white
      // inner contour and a scroll at its heart.
      const dx = lx - period / 2;
      const t = Math.abs(dx) / (period / 2);
      const lobe = 0.125 * size + 0.165 * size * (1 - t ** 1.6) + 6 * Math.cos(t * 3 * Math.PI);
      const inside = lobe - y;
      if (inside > 0) {
        ink = Math.max(ink, 0.92);
        const contour = stroke(Math.abs(inside - 7), 1.5);
        ink = Math.min(ink, 1 - contour);
        const scroll = spiralDistance(dx * (dx < 0 ? -1 : 1) - 10, y - 0.19 * size, 6, 1.4);
        if (y > 0.15 * size) ink = Math.min(ink, 1 - stroke(scroll, 1.6));
      }
    } else if (v >= 0.3 && v < 0.82) {
      // Field of auspicious clouds: paired scrolls in two staggered rows, joined by a vine.
      for (let row = 0; row < 2; row++) {
        const cy = (row === 0 ? 0.43 : 0.68) * size;
        const cx = period / 2 + (row === 0 ? 0 : period / 2);
        const dx = ((lx - cx + period * 1.5) % period) - period / 2;
        const dy = y - cy;
        const left = spiralDistance(-(dx + 22), dy, 11, 1.6);
        const right = spiralDistance(dx - 22, dy, 11, 1.6);
        // The cloud's body: three overlapping discs, as in auspiciousClouds().
        const body = Math.min(
          Math.sqrt((dx + 22) ** 2 + dy ** 2) - 24,
          Math.sqrt((dx - 22) ** 2 + dy ** 2) - 24,
          Math.sqrt((dx / 1.4) ** 2 + (dy - 19) ** 2) - 22,
        );
        ink = Math.max(ink, stroke(Math.min(left, right), 2.6), stroke(Math.abs(body), 2.2));
        if (body < 0) ink = Math.max(ink, 0.28);
        const tail = cy + 46 + 6 * Math.sin((x / period) * 2 * Math.PI + row * Math.PI);
        ink = Math.max(ink, stroke(Math.abs(y - tail), 1.4) * smoothstep(30, 52, Math.abs(dx)));
      }
    } else if (v >= 0.82 && v < 0.955) {
      // Upright lotus panels, two per repeat: eight around the vase.
      const panel = period / 2;
      const px = (((x % panel) + panel) % panel) - panel / 2;
      const base = 0.945 * size;
      const top = 0.835 * size;
      const t = Math.abs(px) / (panel / 2 - 4);
      const edge = top + (base - top) * t ** 1.8 * 0.9;
      const d = Math.abs(y - edge);
      ink = Math.max(ink, stroke(d, 1.6));
      if (y > edge && t < 1) ink = Math.max(ink, 0.35);
    } else if (v >= 0.965) {
      ink = 0.95; // the foot ring
    }
    if (ink > 0) {
      // Cobalt pools darker where it is heaped: a little low-frequency variation.
      const heap = 0.5 + 0.5 * fbm2(x * 0.02, y * 0.02, 12, 3);
      cobalt[0] = mix(0.13, 0.05, heap);
      cobalt[1] = mix(0.24, 0.11, heap);
      cobalt[2] = mix(0.56, 0.37, heap);
      over(rgb, cobalt, ink);
    }
  });
}

const BAND_LINES = [0.03, 0.12, 0.3, 0.82, 0.955];

/**
 * Carved cinnabar lacquer (tihong): a diamond lattice of grooves with a flower at each diamond's
 * centre, 256 × 64, tiling in both directions (u along the knot's tube, v around it).
 */
export function carvedLacquerTexture(): Uint8Array {
  const cell = 32;
  const red = rgbOf(0xb52a1f);
  const groove = rgbOf(0x5a0f0b);
  const petal = rgbOf(0xd9553c);
  return renderPng(256, 64, (x, y, rgb) => {
    fill(rgb, red);
    const a = (((x + y) % cell) + cell) % cell;
    const b = (((x - y) % cell) + cell) % cell;
    const lattice = Math.min(a, cell - a, b, cell - b) / Math.SQRT2;
    // Diamond centres sit where both a and b are cell/2.
    const cu = Math.abs(a - cell / 2);
    const cv = Math.abs(b - cell / 2);
    const r = Math.sqrt(cu * cu + cv * cv) / Math.SQRT2;
    const angle = Math.atan2(cv, cu);
    const flower = r - (3.5 + 1.5 * Math.cos(angle * 10));
    over(rgb, petal, stroke(flower, 0) * 0.9);
    over(rgb, groove, stroke(Math.abs(flower), 0.5) * 0.6);
    over(rgb, groove, stroke(lattice, 1.2));
  });
}
