// One description of the certificate page, in points from the top-left corner, that both the PDF
// and the PNG renderer draw. Every string from the content goes through wrapText, which cleans
// it and caps its line count, so no field can push anything off the page or into the QR code.
import { PAGE_HEIGHT_PT, PAGE_WIDTH_PT } from './page.js';
import { type QrMatrix, qrMatrix } from './qr.js';
import type { CertificateContent } from './render.js';
import { cleanLine, type FontWeight, wrapText } from './text-metrics.js';

/** 0-255 per channel. */
export type Rgb = readonly [number, number, number];

export interface TextItem {
  type: 'text';
  /** One line, already cleaned and wrapped. */
  text: string;
  /** Left edge, or the centre line when align is 'center' (each renderer centres with its own font). */
  x: number;
  baseline: number;
  size: number;
  weight: FontWeight;
  align: 'left' | 'center';
  color: Rgb;
}

export interface RectItem {
  type: 'rect';
  x: number;
  y: number;
  width: number;
  height: number;
  color: Rgb;
}

/** A QR code; size is the side of the square including the quiet zone. */
export interface QrItem {
  type: 'qr';
  x: number;
  y: number;
  size: number;
  matrix: QrMatrix;
}

export type LayoutItem = TextItem | RectItem | QrItem;

export interface CertificateLayout {
  /** For the PDF's document information. */
  documentTitle: string;
  /** content.issuedAt, cleaned: the PDF's creation date, so the same content gives the same bytes. */
  issuedAt: string;
  items: LayoutItem[];
}

export const INK: Rgb = [33, 33, 33];
export const MUTED: Rgb = [105, 105, 105];
export const CINNABAR: Rgb = [190, 45, 35];

const MARGIN = 60;
const CONTENT_WIDTH = PAGE_WIDTH_PT - 2 * MARGIN;
const LABEL_WIDTH = 96;

// The bottom band (issuer on the left, QR code on the right) has a fixed place; the flowing text
// above it must end before BOTTOM_BAND_TOP.
const QR_SIDE = 132;
const QR_X = PAGE_WIDTH_PT - MARGIN - QR_SIDE;
const QR_Y = PAGE_HEIGHT_PT - MARGIN - QR_SIDE - 14;
const BOTTOM_BAND_TOP = QR_Y - 12;
const ISSUER_WIDTH = QR_X - MARGIN - 16;

const MAX_RIGHTS_LINES = 6;

const KIND_WORDING: Record<string, { subtitle: string; phrase: string }> = {
  owner: { subtitle: 'Certificate of Ownership', phrase: 'is the registered owner of' },
  'edition-holder': { subtitle: 'Certificate of Edition', phrase: 'holds an edition of' },
  licensee: { subtitle: 'Certificate of License', phrase: 'is licensed to use' },
};
const UNKNOWN_KIND = { subtitle: 'Certificate of Rights', phrase: 'holds rights in' };

interface TextStyle {
  size: number;
  weight?: FontWeight;
  color?: Rgb;
  lineHeight: number;
  maxLines: number;
}

/** Places lines top to bottom; `y` is the baseline of the last line placed. */
class Flow {
  readonly items: LayoutItem[] = [];

  constructor(public y: number) {}

  gap(points: number): void {
    this.y += points;
  }

  /** Wrapped lines, left-aligned at x or centred in [x, x + width]. */
  text(text: string, x: number, width: number, align: 'left' | 'center', style: TextStyle): number {
    const weight = style.weight ?? 'regular';
    const lines = wrapText(text, width, style.size, weight, style.maxLines);
    for (const line of lines) {
      this.y += style.lineHeight;
      this.items.push({
        type: 'text',
        text: line,
        x: align === 'center' ? x + width / 2 : x,
        baseline: this.y,
        size: style.size,
        weight,
        align,
        color: style.color ?? INK,
      });
    }
    return lines.length;
  }

  centered(text: string, style: TextStyle): void {
    this.text(text, MARGIN, CONTENT_WIDTH, 'center', style);
  }

  /** A label in the left column, its value wrapped in the right one, first lines sharing a baseline. */
  labelled(label: string, value: string, x: number, width: number, maxLines: number): void {
    const style: TextStyle = { size: 9, lineHeight: 12.5, maxLines };
    const top = this.y;
    this.text(label, x, LABEL_WIDTH - 6, 'left', { ...style, maxLines: 1, color: MUTED });
    const labelBottom = this.y;
    this.y = top;
    this.text(value, x + LABEL_WIDTH, width - LABEL_WIDTH, 'left', style);
    this.y = Math.max(this.y, labelBottom);
  }

  heading(text: string, x: number): void {
    this.text(text, x, CONTENT_WIDTH, 'left', {
      size: 10,
      weight: 'bold',
      color: CINNABAR,
      lineHeight: 14,
      maxLines: 1,
    });
    this.rect(x, this.y + 4, 40, 1, CINNABAR);
    this.gap(4);
  }

  rect(x: number, y: number, width: number, height: number, color: Rgb): void {
    this.items.push({ type: 'rect', x, y, width, height, color });
  }
}

/** A rectangular border of the given thickness, inset from the page edge. */
function frame(flow: Flow, inset: number, thickness: number, color: Rgb): void {
  const width = PAGE_WIDTH_PT - 2 * inset;
  const height = PAGE_HEIGHT_PT - 2 * inset;
  flow.rect(inset, inset, width, thickness, color);
  flow.rect(inset, inset + height - thickness, width, thickness, color);
  flow.rect(inset, inset, thickness, height, color);
  flow.rect(inset + width - thickness, inset, thickness, height, color);
}

/** Rights lines, each up to two lines long, within a total budget; what does not fit is counted. */
function rightsLines(flow: Flow, rights: readonly string[]): void {
  const style: TextStyle = { size: 10, lineHeight: 14, maxLines: 2 };
  const entries = rights.map(cleanLine).filter((line) => line !== '');
  if (entries.length === 0) {
    flow.text('No further terms.', MARGIN, CONTENT_WIDTH, 'left', { ...style, color: MUTED });
    return;
  }
  let used = 0;
  for (let i = 0; i < entries.length; i++) {
    const remaining = entries.length - i;
    // Keep one line for the "and n more" note unless this is the last entry.
    const budget = MAX_RIGHTS_LINES - used - (remaining > 1 ? 1 : 0);
    if (budget <= 0) {
      flow.text(`... and ${remaining} more`, MARGIN, CONTENT_WIDTH, 'left', { ...style, color: MUTED });
      return;
    }
    used += flow.text(`- ${entries[i]}`, MARGIN, CONTENT_WIDTH, 'left', {
      ...style,
      maxLines: Math.min(style.maxLines, budget),
    });
  }
}

function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars - 3).join('')}...`;
}

export function layoutCertificate(content: CertificateContent): CertificateLayout {
  const wording = KIND_WORDING[content.kind] ?? UNKNOWN_KIND;
  const flow = new Flow(MARGIN);

  frame(flow, 24, 2, CINNABAR);
  frame(flow, 30, 0.5, CINNABAR);

  flow.centered('CINNABAR DIGITAL ASSET REGISTRY', { size: 8, color: MUTED, lineHeight: 10, maxLines: 1 });
  flow.centered('Rights Certificate', {
    size: 26,
    weight: 'bold',
    color: CINNABAR,
    lineHeight: 36,
    maxLines: 1,
  });
  flow.centered(wording.subtitle, { size: 13, lineHeight: 20, maxLines: 1 });
  flow.rect(PAGE_WIDTH_PT / 2 - 60, flow.y + 12, 120, 1, CINNABAR);
  flow.gap(14);

  flow.centered('This certifies that', { size: 11, color: MUTED, lineHeight: 24, maxLines: 1 });
  flow.centered(content.holder.name, { size: 18, weight: 'bold', lineHeight: 24, maxLines: 2 });
  flow.gap(3); // room for the descenders of the larger line above
  flow.centered(content.holder.did, { size: 9, color: MUTED, lineHeight: 12.5, maxLines: 2 });
  flow.centered(wording.phrase, { size: 11, color: MUTED, lineHeight: 22, maxLines: 1 });
  flow.centered(content.assetTitle, { size: 18, weight: 'bold', lineHeight: 24, maxLines: 3 });
  flow.gap(3);
  flow.centered(`Asset ${content.assetId}`, { size: 9, color: MUTED, lineHeight: 12.5, maxLines: 2 });

  flow.gap(14);
  flow.heading('RIGHTS', MARGIN);
  rightsLines(flow, content.rights);

  flow.gap(10);
  flow.heading('EVIDENCE IN THE LOG', MARGIN);
  const { evidence } = content;
  flow.labelled('Log', evidence.origin, MARGIN, CONTENT_WIDTH, 2);
  flow.labelled(
    'Entry',
    `${evidence.entryIndex} in a tree of ${evidence.treeSize}`,
    MARGIN,
    CONTENT_WIDTH,
    1,
  );
  flow.labelled('Root hash', evidence.rootHash, MARGIN, CONTENT_WIDTH, 2);
  flow.labelled('Transaction', evidence.txId, MARGIN, CONTENT_WIDTH, 2);
  flow.labelled('Credential', content.credentialId, MARGIN, CONTENT_WIDTH, 2);
  // Every field above has a line cap; the test with maximal content keeps these caps honest.
  if (flow.y > BOTTOM_BAND_TOP)
    throw new Error('layout bug: the certificate text overflows into the bottom band');

  flow.y = BOTTOM_BAND_TOP;
  flow.heading('ISSUED BY', MARGIN);
  flow.text(content.issuer.name, MARGIN, ISSUER_WIDTH, 'left', {
    size: 11,
    weight: 'bold',
    lineHeight: 15,
    maxLines: 2,
  });
  flow.text(content.issuer.did, MARGIN, ISSUER_WIDTH, 'left', {
    size: 9,
    color: MUTED,
    lineHeight: 12.5,
    maxLines: 2,
  });
  flow.gap(4);
  flow.labelled('Issued', content.issuedAt, MARGIN, ISSUER_WIDTH, 1);
  flow.text('Verify at', MARGIN, ISSUER_WIDTH, 'left', {
    size: 9,
    color: MUTED,
    lineHeight: 12.5,
    maxLines: 1,
  });
  flow.text(content.verifyUrl, MARGIN, ISSUER_WIDTH, 'left', { size: 9, lineHeight: 12.5, maxLines: 3 });

  flow.items.push({ type: 'qr', x: QR_X, y: QR_Y, size: QR_SIDE, matrix: qrMatrix(content.verifyUrl) });
  flow.y = QR_Y + QR_SIDE;
  flow.text('Scan to verify', QR_X, QR_SIDE, 'center', {
    size: 8,
    color: MUTED,
    lineHeight: 10,
    maxLines: 1,
  });

  return {
    documentTitle: truncate(`Rights certificate: ${cleanLine(content.assetTitle)}`, 300),
    issuedAt: cleanLine(content.issuedAt),
    items: flow.items,
  };
}
