// Text handling shared by the layout and both renderers: cleaning hostile strings, the PDF fonts'
// advance widths, and wrapping. Lines are measured with the wider of the PDF font and the PNG bitmap
// font, so a line that fits on the PDF page also fits on the PNG page.
import { bitmapTextWidthPt } from './bitmap-font.js';

export type FontWeight = 'regular' | 'bold';

/**
 * Turns any string into one printable line: control characters and line/paragraph separators become
 * spaces, invisible format characters (bidi overrides, zero-width joiners) are dropped, lone
 * surrogates become U+FFFD, and runs of white space collapse to one space.
 */
export function cleanLine(text: string): string {
  return String(text)
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\p{Cf}/gu, '')
    .replace(/\p{Cs}/gu, '\uFFFD')
    .replace(/\s+/gu, ' ')
    .trim();
}

// WinAnsiEncoding (PDF 1.7, Annex D) is Latin-1 except 0x80-0x9F, which hold these characters.
const WIN_ANSI_HIGH: Record<number, number> = {
  8364: 0x80,
  8218: 0x82,
  402: 0x83,
  8222: 0x84,
  8230: 0x85,
  8224: 0x86,
  8225: 0x87,
  710: 0x88,
  8240: 0x89,
  352: 0x8a,
  8249: 0x8b,
  338: 0x8c,
  381: 0x8e,
  8216: 0x91,
  8217: 0x92,
  8220: 0x93,
  8221: 0x94,
  8226: 0x95,
  8211: 0x96,
  8212: 0x97,
  732: 0x98,
  8482: 0x99,
  353: 0x9a,
  8250: 0x9b,
  339: 0x9c,
  382: 0x9e,
  376: 0x9f,
};

/** The WinAnsiEncoding byte for a code point, or undefined when Helvetica cannot print it. */
export function winAnsiCode(codePoint: number): number | undefined {
  if ((codePoint >= 0x20 && codePoint <= 0x7e) || (codePoint >= 0xa0 && codePoint <= 0xff)) return codePoint;
  return WIN_ANSI_HIGH[codePoint];
}

// Advance widths (1/1000 em) of the standard Helvetica fonts for WinAnsi codes 0x20-0xFF, from
// Adobe's Core 14 AFM files. Needed because the fonts are not embedded: we must know how wide
// the viewer's Helvetica is to centre and wrap text.
// biome-ignore format: a table reads better in rows
const HELVETICA_WIDTHS = [
  278,278,355,556,556,889,667,191,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,
  556,556,278,278,584,584,584,556,1015,667,667,722,722,667,611,778,722,278,500,667,556,833,722,778,
  667,778,722,667,611,722,667,944,667,667,611,278,278,278,469,556,333,556,556,500,556,556,278,556,
  556,222,222,500,222,833,556,556,556,556,333,500,278,556,500,722,500,500,500,334,260,334,584,350,
  556,350,222,556,333,1000,556,556,333,1000,667,333,1000,350,611,350,350,222,222,333,333,350,556,
  1000,333,1000,500,333,944,350,500,667,278,333,556,556,556,556,260,556,333,737,370,556,584,333,737,
  333,400,584,333,333,333,556,537,278,333,333,365,556,834,834,834,611,667,667,667,667,667,667,1000,
  722,667,667,667,667,278,278,278,278,722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,
  611,556,556,556,556,556,556,889,500,556,556,556,556,278,278,278,278,556,556,556,556,556,556,556,
  584,611,556,556,556,556,500,556,500,
];
// biome-ignore format: a table reads better in rows
const HELVETICA_BOLD_WIDTHS = [
  278,333,474,556,556,889,722,238,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,
  556,556,333,333,584,584,584,611,975,722,722,722,722,667,611,778,722,278,556,722,611,833,722,778,
  667,778,722,667,611,722,667,944,667,667,611,333,278,333,584,556,333,556,611,556,611,556,333,611,
  611,278,278,556,278,889,611,611,611,611,389,556,333,611,556,778,556,556,500,389,280,389,584,350,
  556,350,278,556,500,1000,556,556,333,1000,667,333,1000,350,611,350,350,278,278,500,500,350,556,
  1000,333,1000,556,333,944,350,500,667,278,333,556,556,556,556,280,556,333,737,370,556,584,333,737,
  333,400,584,333,333,333,611,556,278,333,333,365,556,834,834,834,611,722,722,722,722,722,722,1000,
  722,667,667,667,667,278,278,278,278,722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,
  611,556,556,556,556,556,556,889,556,556,556,556,556,278,278,278,278,611,611,611,611,611,611,611,
  584,611,611,611,611,611,556,611,556,
];

/** Characters outside WinAnsi are set in STSong-Light, whose CJK glyphs are one em wide. */
const CJK_ADVANCE = 1000;

/** Width in points of a line as the PDF prints it (Helvetica, falling back to STSong-Light). */
export function pdfTextWidthPt(text: string, size: number, weight: FontWeight): number {
  const widths = weight === 'bold' ? HELVETICA_BOLD_WIDTHS : HELVETICA_WIDTHS;
  let units = 0;
  for (const char of text) {
    const code = winAnsiCode(char.codePointAt(0)!);
    units += code === undefined ? CJK_ADVANCE : widths[code - 0x20]!;
  }
  return (units * size) / 1000;
}

/** Width used for layout decisions: the wider of the two renderings. */
export function layoutTextWidthPt(text: string, size: number, weight: FontWeight): number {
  return Math.max(pdfTextWidthPt(text, size, weight), bitmapTextWidthPt(text, size));
}

const ELLIPSIS = '...';

/**
 * Breaks a line into at most maxLines lines no wider than maxWidth, at spaces where possible and
 * inside words (ids, hashes) where not. Text that still does not fit ends in "..." so a reader
 * sees it was shortened.
 */
export function wrapText(
  text: string,
  maxWidth: number,
  size: number,
  weight: FontWeight,
  maxLines: number,
): string[] {
  const fits = (line: string) => layoutTextWidthPt(line, size, weight) <= maxWidth;
  const lines: string[] = [];
  let current = '';
  for (const word of cleanLine(text).split(' ')) {
    const candidate = current === '' ? word : `${current} ${word}`;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    // The word starts a new line (current is not empty here, or candidate would be the word).
    if (fits(word)) {
      lines.push(current);
      current = word;
      continue;
    }
    // Too long for any line (an id, a hash): fill the current line with its start, then break it
    // between characters.
    if (current !== '') current += ' ';
    for (const char of word) {
      if (current.trim() !== '' && !fits(current + char)) {
        lines.push(current.trimEnd());
        current = '';
        if (lines.length > maxLines) break;
      }
      current += char;
    }
    // Whatever follows would be cut anyway.
    if (lines.length > maxLines) break;
  }
  if (current !== '') lines.push(current);
  if (lines.length <= maxLines) return lines;

  const kept = lines.slice(0, maxLines);
  let last = kept[maxLines - 1]!;
  while (last !== '' && !fits(last + ELLIPSIS)) last = Array.from(last).slice(0, -1).join('');
  kept[maxLines - 1] = last.trimEnd() + ELLIPSIS;
  return kept;
}
