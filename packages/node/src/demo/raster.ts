// A per-pixel shader rendered into an 8-bit RGB PNG: the one drawing primitive the demo images
// and textures need.
import { PNG } from 'pngjs';
import { clamp01 } from './random.js';

/**
 * Computes the colour of pixel (x, y) — in pixel units, x to the right, y downwards — into
 * rgb[0..2], each channel in [0, 1]. Values outside [0, 1] are clamped.
 */
export type Shader = (x: number, y: number, rgb: Float64Array) => void;

/** Renders shader at every pixel centre and encodes the result as an opaque RGB PNG. */
export function renderPng(width: number, height: number, shader: Shader): Uint8Array {
  const png = new PNG({ width, height });
  const data = png.data;
  const rgb = new Float64Array(3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      rgb[0] = 0;
      rgb[1] = 0;
      rgb[2] = 0;
      shader(x + 0.5, y + 0.5, rgb);
      const p = (y * width + x) * 4;
      data[p] = Math.round(clamp01(rgb[0] as number) * 255);
      data[p + 1] = Math.round(clamp01(rgb[1] as number) * 255);
      data[p + 2] = Math.round(clamp01(rgb[2] as number) * 255);
      data[p + 3] = 255;
    }
  }
  // colorType 2: RGB without alpha (the input stays RGBA). The Paeth filter on every row (type 4)
  // encodes over twice as fast as pngjs's adaptive choice, for files under 1% larger. zlib's
  // deflate output is deterministic for a given zlib build.
  const bytes = PNG.sync.write(png, { colorType: 2, deflateLevel: 9, filterType: 4 });
  return new Uint8Array(bytes); // a copy: a Buffer may be a view into a shared pool
}

/** A hex colour (0xrrggbb) as sRGB channels in [0, 1]. */
export function rgbOf(hex: number): [number, number, number] {
  return [((hex >> 16) & 0xff) / 255, ((hex >> 8) & 0xff) / 255, (hex & 0xff) / 255];
}

/** rgb ← rgb + (color - rgb) · t: paints color over rgb with coverage t. */
export function over(rgb: Float64Array, color: readonly [number, number, number], t: number): void {
  if (t <= 0) return;
  const k = t >= 1 ? 1 : t;
  rgb[0] = (rgb[0] as number) + (color[0] - (rgb[0] as number)) * k;
  rgb[1] = (rgb[1] as number) + (color[1] - (rgb[1] as number)) * k;
  rgb[2] = (rgb[2] as number) + (color[2] - (rgb[2] as number)) * k;
}

/** Sets rgb to color. */
export function fill(rgb: Float64Array, color: ArrayLike<number>): void {
  rgb[0] = color[0] as number;
  rgb[1] = color[1] as number;
  rgb[2] = color[2] as number;
}

/** Distance from point (px, py) to the segment (ax, ay)–(bx, by). */
export function segmentDistance(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSq = dx * dx + dy * dy;
  const t = lengthSq === 0 ? 0 : clamp01(((px - ax) * dx + (py - ay) * dy) / lengthSq);
  const ex = px - ax - t * dx;
  const ey = py - ay - t * dy;
  return Math.sqrt(ex * ex + ey * ey);
}

/**
 * Distance from (dx, dy) — relative to the spiral's centre — to the Archimedean spiral
 * r = pitch · θ / 2π for θ in [0, turns · 2π], winding counter-clockwise in pixel coordinates
 * (y down). Mirror dx for the other hand. Farther than one pitch outside the spiral it returns a
 * lower bound, which is all a stroke narrower than the pitch needs.
 */
export function spiralDistance(dx: number, dy: number, pitch: number, turns: number): number {
  const r = Math.sqrt(dx * dx + dy * dy);
  const outer = pitch * turns;
  if (r > outer + pitch) return r - outer;
  let theta = Math.atan2(dy, dx);
  if (theta < 0) theta += 2 * Math.PI;
  const maxAngle = turns * 2 * Math.PI;
  const k0 = Math.round(r / pitch - theta / (2 * Math.PI));
  let best = r; // the centre is the spiral's start
  for (let k = k0 - 1; k <= k0 + 1; k++) {
    const a = theta + 2 * Math.PI * k;
    if (a < 0 || a > maxAngle) continue;
    best = Math.min(best, Math.abs(r - (pitch * a) / (2 * Math.PI)));
  }
  const ex = dx - outer * Math.cos(maxAngle);
  const ey = dy - outer * Math.sin(maxAngle);
  return Math.min(best, Math.sqrt(ex * ex + ey * ey));
}

/** Coverage of a line of the given half width at distance d, antialiased over one pixel. */
export function stroke(d: number, halfWidth: number): number {
  return clamp01(halfWidth + 0.5 - d);
}
