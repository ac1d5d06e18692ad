// Draws a CertificateLayout as a one-page A4 PDF. Latin text uses the standard Helvetica fonts
// (WinAnsiEncoding, not embedded); other characters use Adobe's predefined CJK font STSong-Light
// through the UniGB-UCS2-H CMap, which viewers supply themselves, so nothing is embedded either.
import type { CertificateLayout, QrItem, RectItem, Rgb, TextItem } from './layout.js';
import { PAGE_HEIGHT_PT, PAGE_WIDTH_PT } from './page.js';
import { PdfWriter, pdfHexString, pdfNumber, pdfTextString } from './pdf-writer.js';
import { QR_QUIET_ZONE_MODULES } from './qr.js';
import { pdfTextWidthPt, winAnsiCode } from './text-metrics.js';

const FONT_REGULAR = 'F1';
const FONT_BOLD = 'F2';
const FONT_CJK = 'F3';

/** U+25A1 WHITE SQUARE, in GB 2312, stands in for what UCS-2 cannot carry (astral characters). */
const CJK_REPLACEMENT = 0x25a1;

export function renderLayoutPdf(layout: CertificateLayout): Uint8Array {
  const content: string[] = [];
  let usesCjk = false;
  for (const item of layout.items) {
    if (item.type === 'rect') content.push(drawRect(item));
    else if (item.type === 'qr') content.push(drawQr(item));
    else {
      const drawn = drawText(item);
      usesCjk ||= drawn.usesCjk;
      content.push(drawn.operators);
    }
  }

  const pdf = new PdfWriter();
  const catalog = pdf.reserve();
  const pages = pdf.reserve();
  const fonts = [
    `/${FONT_REGULAR} ${pdf.add(standardFont('Helvetica'))} 0 R`,
    `/${FONT_BOLD} ${pdf.add(standardFont('Helvetica-Bold'))} 0 R`,
  ];
  if (usesCjk) fonts.push(`/${FONT_CJK} ${addChineseFont(pdf)} 0 R`);
  const contents = pdf.addStream(content.join(''));
  const page = pdf.add(
    `<< /Type /Page /Parent ${pages} 0 R /MediaBox [0 0 ${PAGE_WIDTH_PT} ${PAGE_HEIGHT_PT}] ` +
      `/Resources << /Font << ${fonts.join(' ')} >> /ProcSet [/PDF /Text] >> /Contents ${contents} 0 R >>`,
  );
  pdf.set(pages, `<< /Type /Pages /Kids [${page} 0 R] /Count 1 >>`);
  pdf.set(catalog, `<< /Type /Catalog /Pages ${pages} 0 R >>`);

  const creationDate = pdfDate(layout.issuedAt);
  const info = pdf.add(
    `<< /Title ${pdfTextString(layout.documentTitle)} /Producer (Cinnabar)` +
      (creationDate === undefined ? '' : ` /CreationDate (${creationDate})`) +
      ' >>',
  );
  return pdf.finish(catalog, info);
}

function standardFont(baseFont: string): string {
  return `<< /Type /Font /Subtype /Type1 /BaseFont /${baseFont} /Encoding /WinAnsiEncoding >>`;
}

/** STSong-Light as a Type0 font over a CIDFontType0 (PDF 1.7, 9.7.5.2 and Annex H's examples). */
function addChineseFont(pdf: PdfWriter): number {
  // Metrics Adobe publishes for STSong-Light; viewers need a descriptor even for predefined fonts.
  const descriptor = pdf.add(
    '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] ' +
      '/ItalicAngle 0 /Ascent 752 /Descent -271 /CapHeight 737 /StemV 58 >>',
  );
  const cidFont = pdf.add(
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light ' +
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> ' +
      `/FontDescriptor ${descriptor} 0 R /DW 1000 >>`,
  );
  return pdf.add(
    '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H ' +
      `/DescendantFonts [${cidFont} 0 R] >>`,
  );
}

function fillColor(color: Rgb): string {
  return `${color.map((channel) => pdfNumber(channel / 255)).join(' ')} rg\n`;
}

function rectPath(x: number, top: number, width: number, height: number): string {
  return `${pdfNumber(x)} ${pdfNumber(PAGE_HEIGHT_PT - top - height)} ${pdfNumber(width)} ${pdfNumber(height)} re\n`;
}

function drawRect(item: RectItem): string {
  return `${fillColor(item.color)}${rectPath(item.x, item.y, item.width, item.height)}f\n`;
}

/** White square (so the quiet zone is light whatever lies beneath), then one path of dark modules. */
function drawQr(item: QrItem): string {
  const { matrix } = item;
  const moduleSize = item.size / (matrix.size + 2 * QR_QUIET_ZONE_MODULES);
  const originX = item.x + QR_QUIET_ZONE_MODULES * moduleSize;
  const originY = item.y + QR_QUIET_ZONE_MODULES * moduleSize;
  let path = '';
  for (let row = 0; row < matrix.size; row++) {
    // Runs of dark modules in a row become one rectangle: smaller file, no seams between them.
    let column = 0;
    while (column < matrix.size) {
      if (!matrix.isDark(row, column)) {
        column++;
        continue;
      }
      const start = column;
      while (column < matrix.size && matrix.isDark(row, column)) column++;
      path += rectPath(
        originX + start * moduleSize,
        originY + row * moduleSize,
        (column - start) * moduleSize,
        moduleSize,
      );
    }
  }
  return `${fillColor([255, 255, 255])}${rectPath(item.x, item.y, item.size, item.size)}f\n${fillColor([0, 0, 0])}${path}f\n`;
}

interface TextRun {
  cjk: boolean;
  bytes: number[];
}

/** Splits a line into runs Helvetica can print (WinAnsi bytes) and runs for STSong (UCS-2 bytes). */
function textRuns(text: string): TextRun[] {
  const runs: TextRun[] = [];
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    const winAnsi = winAnsiCode(codePoint);
    const cjk = winAnsi === undefined;
    let last = runs[runs.length - 1];
    if (last === undefined || last.cjk !== cjk) {
      last = { cjk, bytes: [] };
      runs.push(last);
    }
    if (!cjk) {
      last.bytes.push(winAnsi!);
    } else {
      const ucs2 = codePoint > 0xffff || codePoint === 0xfffd ? CJK_REPLACEMENT : codePoint;
      last.bytes.push(ucs2 >> 8, ucs2 & 0xff);
    }
  }
  return runs;
}

function drawText(item: TextItem): { operators: string; usesCjk: boolean } {
  const width = pdfTextWidthPt(item.text, item.size, item.weight);
  const x = item.align === 'center' ? item.x - width / 2 : item.x;
  const size = pdfNumber(item.size);
  let operators = `BT\n${fillColor(item.color)}1 0 0 1 ${pdfNumber(x)} ${pdfNumber(PAGE_HEIGHT_PT - item.baseline)} Tm\n`;
  let usesCjk = false;
  // Each Tj advances the text position by the run's width, so runs in different fonts line up.
  for (const run of textRuns(item.text)) {
    if (run.cjk) {
      usesCjk = true;
      // STSong-Light has no bold face: thicken its outlines by stroking them too.
      const bold = item.weight === 'bold';
      const strokeColor = item.color.map((channel) => pdfNumber(channel / 255)).join(' ');
      operators += `/${FONT_CJK} ${size} Tf\n`;
      operators += bold ? `${strokeColor} RG ${pdfNumber(item.size * 0.03)} w 2 Tr\n` : '';
      operators += `${pdfHexString(run.bytes)} Tj\n`;
      operators += bold ? '0 Tr\n' : '';
    } else {
      operators += `/${item.weight === 'bold' ? FONT_BOLD : FONT_REGULAR} ${size} Tf\n${pdfHexString(run.bytes)} Tj\n`;
    }
  }
  return { operators: `${operators}ET\n`, usesCjk };
}

/** An ISO 8601 date-time as a PDF date (7.9.4), or undefined when it is not one. */
function pdfDate(isoDateTime: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(
    isoDateTime,
  );
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second = '00', zone] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone!.slice(0, 3)}'${zone!.slice(4, 6)}'`;
  return `D:${year}${month}${day}${hour}${minute}${second}${offset}`;
}
