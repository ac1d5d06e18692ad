// The PNG's text is drawn with font8x8_basic (public domain, Daniel Hepper, after the IBM VGA
// font), scaled up by whole pixels. LIMIT: it covers printable ASCII only; every other
// character (accents, Chinese, symbols) is drawn as a hollow box so a reader can see something
// was there. The PDF prints those characters properly.
import { PNG_PIXELS_PER_POINT } from './page.js';

/** Glyph rows, top to bottom, for U+0020..U+007E; in each row's byte bit 0 is the leftmost pixel. */
// biome-ignore format: one glyph per string, kept in rows of six
const FONT8X8_BASIC = [
  '0000000000000000', '183c3c1818001800', '3636000000000000', '36367f367f363600', '0c3e031e301f0c00', '006333180c666300',
  '1c361c6e3b336e00', '0606030000000000', '180c0606060c1800', '060c1818180c0600', '00663cff3c660000', '000c0c3f0c0c0000',
  '00000000000c0c06', '0000003f00000000', '00000000000c0c00', '6030180c06030100', '3e63737b6f673e00', '0c0e0c0c0c0c3f00',
  '1e33301c06333f00', '1e33301c30331e00', '383c36337f307800', '3f031f3030331e00', '1c06031f33331e00', '3f3330180c0c0c00',
  '1e33331e33331e00', '1e33333e30180e00', '000c0c00000c0c00', '000c0c00000c0c06', '180c0603060c1800', '00003f00003f0000',
  '060c1830180c0600', '1e3330180c000c00', '3e637b7b7b031e00', '0c1e33333f333300', '3f66663e66663f00', '3c66030303663c00',
  '1f36666666361f00', '7f46161e16467f00', '7f46161e16060f00', '3c66030373667c00', '3333333f33333300', '1e0c0c0c0c0c1e00',
  '7830303033331e00', '6766361e36666700', '0f06060646667f00', '63777f7f6b636300', '63676f7b73636300', '1c36636363361c00',
  '3f66663e06060f00', '1e3333333b1e3800', '3f66663e36666700', '1e33070e38331e00', '3f2d0c0c0c0c1e00', '3333333333333f00',
  '33333333331e0c00', '6363636b7f776300', '6363361c1c366300', '3333331e0c0c1e00', '7f6331184c667f00', '1e06060606061e00',
  '03060c1830604000', '1e18181818181e00', '081c366300000000', '00000000000000ff', '0c0c180000000000', '00001e303e336e00',
  '0706063e66663b00', '00001e3303331e00', '3830303e33336e00', '00001e333f031e00', '1c36060f06060f00', '00006e33333e301f',
  '0706366e66666700', '0c000e0c0c0c1e00', '300030303033331e', '070666361e366700', '0e0c0c0c0c0c1e00', '0000337f7f6b6300',
  '00001f3333333300', '00001e3333331e00', '00003b66663e060f', '00006e33333e3078', '00003b6e66060f00', '00003e031e301f00',
  '080c3e0c0c2c1800', '0000333333336e00', '00003333331e0c00', '0000636b7f7f3600', '000063361c366300', '00003333333e301f',
  '00003f190c263f00', '380c0c070c0c3800', '1818180018181800', '070c0c380c0c0700', '6e3b000000000000',
];

/** A box as tall as a capital letter, for characters the font lacks. */
const REPLACEMENT_GLYPH = '7f41414141417f00';

export const GLYPH_SIZE = 8;
/** Font rows above the baseline; the eighth row holds descenders. */
export const GLYPH_ASCENT_ROWS = 7;

/** The 8 row bytes of a character's glyph. */
export function glyphRows(char: string): number[] {
  const code = char.codePointAt(0)!;
  const hex = code >= 0x20 && code <= 0x7e ? FONT8X8_BASIC[code - 0x20]! : REPLACEMENT_GLYPH;
  return Array.from({ length: GLYPH_SIZE }, (_, row) => Number.parseInt(hex.slice(row * 2, row * 2 + 2), 16));
}

/**
 * How many device pixels one font pixel becomes at a point size. A whole number keeps the glyphs
 * crisp; seven rows of capital height make roughly a tenth of the em.
 */
export function bitmapScale(sizePt: number): number {
  return Math.max(1, Math.round((sizePt * PNG_PIXELS_PER_POINT) / 9));
}

/** Width in points of a line drawn with the bitmap font (monospaced: 8 font pixels a character). */
export function bitmapTextWidthPt(text: string, sizePt: number): number {
  let count = 0;
  for (const _ of text) count++;
  return (count * GLYPH_SIZE * bitmapScale(sizePt)) / PNG_PIXELS_PER_POINT;
}
