// Draws a CertificateLayout as an RGB PNG of the A4 page at 150 dpi. Text uses the bitmap font in
// bitmap-font.ts, so it shows printable ASCII only (see the limit noted there).
import { PNG } from 'pngjs';
import { bitmapScale, GLYPH_ASCENT_ROWS, GLYPH_SIZE, glyphRows } from './bitmap-font.js';
import type { CertificateLayout, QrItem, Rgb, TextItem } from './layout.js';
import { PNG_HEIGHT_PX, PNG_PIXELS_PER_POINT, PNG_WIDTH_PX } from './page.js';
import { QR_QUIET_ZONE_MODULES } from './qr.js';

const RGB_COLOR_TYPE = 2;

/** An RGB pixel buffer, white to start with; all drawing is clipped to it. */
class Canvas {
  readonly pixels: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = Buffer.alloc(width * height * 3, 0xff);
  }

  fillRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    const left = Math.max(0, x);
    const top = Math.max(0, y);
    const right = Math.min(this.width, x + width);
    const bottom = Math.min(this.height, y + height);
    for (let row = top; row < bottom; row++) {
      for (let column = left; column < right; column++) {
        const offset = (row * this.width + column) * 3;
        this.pixels[offset] = color[0];
        this.pixels[offset + 1] = color[1];
        this.pixels[offset + 2] = color[2];
      }
    }
  }
}

const toPixels = (points: number) => Math.round(points * PNG_PIXELS_PER_POINT);

export function renderLayoutPng(layout: CertificateLayout): Uint8Array {
  const canvas = new Canvas(PNG_WIDTH_PX, PNG_HEIGHT_PX);
  for (const item of layout.items) {
    if (item.type === 'rect') {
      const left = toPixels(item.x);
      const top = toPixels(item.y);
      // Hairlines thinner than a pixel still show as one pixel.
      const width = Math.max(1, toPixels(item.x + item.width) - left);
      const height = Math.max(1, toPixels(item.y + item.height) - top);
      canvas.fillRect(left, top, width, height, item.color);
    } else if (item.type === 'qr') {
      drawQr(canvas, item);
    } else {
      drawText(canvas, item);
    }
  }
  const png = new PNG({ width: canvas.width, height: canvas.height });
  png.data = canvas.pixels;
  const encoded = PNG.sync.write(png, {
    colorType: RGB_COLOR_TYPE,
    inputColorType: RGB_COLOR_TYPE,
    inputHasAlpha: false,
  });
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/** Whole-pixel modules keep the code sharp for scanners; the symbol is centred in its square. */
function drawQr(canvas: Canvas, item: QrItem): void {
  const side = toPixels(item.size);
  const modulesAcross = item.matrix.size + 2 * QR_QUIET_ZONE_MODULES;
  const moduleSize = Math.floor(side / modulesAcross);
  if (moduleSize < 1) throw new Error('QR code too dense for the PNG page');
  const inset = Math.floor((side - moduleSize * modulesAcross) / 2);
  const originX = toPixels(item.x) + inset + QR_QUIET_ZONE_MODULES * moduleSize;
  const originY = toPixels(item.y) + inset + QR_QUIET_ZONE_MODULES * moduleSize;
  canvas.fillRect(toPixels(item.x), toPixels(item.y), side, side, [255, 255, 255]);
  for (let row = 0; row < item.matrix.size; row++) {
    for (let column = 0; column < item.matrix.size; column++) {
      if (!item.matrix.isDark(row, column)) continue;
      canvas.fillRect(
        originX + column * moduleSize,
        originY + row * moduleSize,
        moduleSize,
        moduleSize,
        [0, 0, 0],
      );
    }
  }
}

function drawText(canvas: Canvas, item: TextItem): void {
  const scale = bitmapScale(item.size);
  const advance = GLYPH_SIZE * scale;
  const chars = Array.from(item.text);
  const lineWidth = chars.length * advance;
  let x = item.align === 'center' ? Math.round(toPixels(item.x) - lineWidth / 2) : toPixels(item.x);
  const top = toPixels(item.baseline) - GLYPH_ASCENT_ROWS * scale;
  // Faux bold: each glyph drawn again a little to the right.
  const boldOffset = item.weight === 'bold' ? Math.max(1, Math.floor(scale / 2)) : 0;
  for (const char of chars) {
    const rows = glyphRows(char);
    for (let row = 0; row < GLYPH_SIZE; row++) {
      const bits = rows[row]!;
      for (let column = 0; column < GLYPH_SIZE; column++) {
        if ((bits & (1 << column)) === 0) continue;
        const left = x + column * scale;
        canvas.fillRect(left, top + row * scale, scale + boldOffset, scale, item.color);
      }
    }
    x += advance;
  }
}
