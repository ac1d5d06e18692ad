import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mock, test } from 'node:test';
import jsQRModule from 'jsqr';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { PNG } from 'pngjs';
import { bitmapTextWidthPt, glyphRows } from '../src/certificate/bitmap-font.js';
import { layoutCertificate, type QrItem } from '../src/certificate/layout.js';
import { PAGE_HEIGHT_PT, PAGE_WIDTH_PT } from '../src/certificate/page.js';
import {
  type CertificateContent,
  renderCertificatePdf,
  renderCertificatePng,
} from '../src/certificate/render.js';
import { cleanLine, pdfTextWidthPt } from '../src/certificate/text-metrics.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

const ASSET_ID = 'a3f1c2d4e5b6978812345678901234567890abcdefabcdefabcdefabcdef0123';

function sampleContent(overrides: Partial<CertificateContent> = {}): CertificateContent {
  return {
    kind: 'edition-holder',
    assetId: ASSET_ID,
    assetTitle: 'Harbour at Dawn',
    holder: { did: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', name: 'Ada Lovelace' },
    issuer: { did: 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH', name: 'Cinnabar Demo Ledger' },
    rights: [
      'Edition 3 of 100',
      'Uses: display, commercial',
      'Territory: worldwide',
      'From 2026-01-01 until 2027-12-31',
    ],
    evidence: {
      origin: 'localhost:7470/log',
      entryIndex: 1234,
      txId: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      treeSize: 5000,
      rootHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    },
    credentialId: 'urn:uuid:3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    issuedAt: '2026-03-01T12:00:00Z',
    verifyUrl: `http://localhost:7470/verify?asset=${ASSET_ID}`,
    ...overrides,
  };
}

/**
 * Strings meant to break out of PDF strings, streams and objects, and long enough to reach every
 * field's line cap, so the layout is tried at its tallest.
 */
const hostileContent = sampleContent({
  kind: 'owner',
  assetTitle: `Evil) Tj ET BT (x\\) \\\\ ( >> endstream endobj\n%%EOF\r\n<4142> 山水画\ttab ${'很长的标题'.repeat(40)}`,
  holder: {
    did: `did:key:z${'6'.repeat(400)}`,
    name: `王小明 ) ( \\ \u202eevil\u0000nul \ud800lone 😀 ${'W'.repeat(300)}`,
  },
  issuer: { did: `did:key:z6Mk)(\\${'M'.repeat(300)}`, name: 'W'.repeat(5000) },
  assetId: 'A'.repeat(10_000),
  rights: [')', '(', '\\', 'y'.repeat(3000), ...Array.from({ length: 40 }, (_, i) => `Clause ${i}`)],
  evidence: {
    origin: 'W'.repeat(2000),
    entryIndex: Number.MAX_SAFE_INTEGER,
    txId: `stream\nendstream${'W'.repeat(300)}`,
    treeSize: -0,
    rootHash: '>>'.repeat(300),
  },
  credentialId: `urn:uuid:) /Evil true ${'W'.repeat(300)}`,
  issuedAt: `not a date) /Evil ( ${'W'.repeat(300)}`,
  verifyUrl: `http://localhost:7470/verify?asset=${'W'.repeat(300)}`,
});

// ---------------------------------------------------------------------------------------------
// Reading the outputs back with independent decoders

// jsqr's types declare an ES default export on a CommonJS module; its bundle sets exports.default too.
const jsQR = jsQRModule.default;

const pdfjsRoot = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

interface ParsedPdf {
  pageCount: number;
  /** [x0, y0, x1, y1] of the first page, in points. */
  pageBox: number[];
  info: Record<string, unknown>;
  /** The first page's text, one extracted item after another, with all white space removed. */
  compactText: string;
  /** What pdf.js warned about, e.g. "Indexing all PDF objects" when the xref table is wrong. */
  warnings: string[];
}

/** Parses with pdf.js, which finds the predefined CJK CMaps in its package's cmaps folder. */
async function parsePdf(bytes: Uint8Array): Promise<ParsedPdf> {
  // pdf.js reports problems it repaired through console.log; collect them instead.
  const warnings: string[] = [];
  const log = mock.method(console, 'log', (...args: unknown[]) => {
    warnings.push(args.join(' '));
  });
  try {
    const document = await getDocument({
      data: bytes.slice(), // pdf.js takes ownership of the buffer it is given
      cMapUrl: join(pdfjsRoot, 'cmaps/'),
      cMapPacked: true,
      standardFontDataUrl: join(pdfjsRoot, 'standard_fonts/'),
      verbosity: 1, // errors and warnings
    }).promise;
    const page = await document.getPage(1);
    const { info } = await document.getMetadata();
    const text = await page.getTextContent();
    const compactText = text.items
      .map((item) => ('str' in item ? item.str : ''))
      .join('')
      .replace(/\s+/g, '');
    const parsed = {
      pageCount: document.numPages,
      pageBox: page.view,
      info: info as Record<string, unknown>,
      compactText,
      warnings,
    };
    await document.destroy();
    return parsed;
  } finally {
    log.mock.restore();
  }
}

const compact = (text: string) => text.replace(/\s+/g, '');

/**
 * Checks the file structure pdf.js would silently repair: every xref entry points at its
 * "n 0 obj", the trailer's /Size counts the entries, and each stream's /Length ends at endstream.
 */
function assertPdfStructure(bytes: Uint8Array): void {
  const file = Buffer.from(bytes).toString('latin1');
  assert.ok(file.startsWith('%PDF-1.7\n'));
  assert.ok(file.endsWith('%%EOF\n'));
  const startxref = /startxref\n(\d+)\n%%EOF\n$/.exec(file);
  assert.ok(startxref, 'startxref at the end');
  const xrefOffset = Number(startxref[1]);
  assert.equal(file.slice(xrefOffset, xrefOffset + 5), 'xref\n');
  const subsection = /^xref\n0 (\d+)\n/.exec(file.slice(xrefOffset));
  assert.ok(subsection);
  const count = Number(subsection[1]);
  const entriesStart = xrefOffset + subsection[0].length;
  assert.equal(file.slice(entriesStart, entriesStart + 20), '0000000000 65535 f \n');
  for (let objectNumber = 1; objectNumber < count; objectNumber++) {
    const entry = file.slice(entriesStart + objectNumber * 20, entriesStart + (objectNumber + 1) * 20);
    assert.match(entry, /^\d{10} 00000 n \n$/);
    const offset = Number(entry.slice(0, 10));
    assert.ok(
      file.startsWith(`${objectNumber} 0 obj\n`, offset),
      `xref entry ${objectNumber} points at object ${objectNumber}`,
    );
  }
  assert.match(file.slice(entriesStart + count * 20), new RegExp(`^trailer\\n<< /Size ${count} /Root `));
  for (const stream of file.matchAll(/\/Length (\d+) >>\nstream\n/g)) {
    const dataEnd = stream.index + stream[0].length + Number(stream[1]);
    assert.equal(file.slice(dataEnd, dataEnd + 11), '\nendstream\n');
  }
}

function decodeQrFromPng(bytes: Uint8Array): { width: number; height: number; qrText: string | undefined } {
  const png = PNG.sync.read(Buffer.from(bytes));
  const rgba = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  return { width: png.width, height: png.height, qrText: jsQR(rgba, png.width, png.height)?.data };
}

// ---------------------------------------------------------------------------------------------
// Tests

test('the PNG is an A4 page at 150 dpi whose QR code reads back as the verify URL', () => {
  const content = sampleContent();
  const decoded = decodeQrFromPng(renderCertificatePng(content));
  assert.equal(decoded.width, 1240);
  assert.equal(decoded.height, 1754);
  assert.equal(decoded.qrText, content.verifyUrl);
});

test('a long verify URL makes a denser QR code that still reads back from the PNG', () => {
  const verifyUrl = `https://registry.example/verify?asset=${ASSET_ID}&credential=${'c'.repeat(200)}&x=()%5C`;
  assert.equal(decodeQrFromPng(renderCertificatePng(sampleContent({ verifyUrl }))).qrText, verifyUrl);
});

test('pdf.js reads one A4 page with the title, full ids and document information', async () => {
  const content = sampleContent();
  const bytes = renderCertificatePdf(content);
  assertPdfStructure(bytes);
  const pdf = await parsePdf(bytes);
  assert.deepEqual(pdf.warnings, []);
  assert.equal(pdf.pageCount, 1);
  assert.deepEqual(pdf.pageBox, [0, 0, 595, 842]);
  assert.equal(pdf.info.Title, 'Rights certificate: Harbour at Dawn');
  assert.equal(pdf.info.Producer, 'Cinnabar');
  assert.equal(pdf.info.CreationDate, 'D:20260301120000Z');
  for (const expected of [
    'Rights Certificate',
    'Certificate of Edition',
    content.assetTitle,
    content.holder.name,
    // Wrapped over lines, but complete.
    content.holder.did,
    content.issuer.did,
    content.assetId,
    content.evidence.rootHash,
    content.evidence.txId,
    content.credentialId,
    content.verifyUrl,
    ...content.rights,
  ]) {
    assert.ok(pdf.compactText.includes(compact(expected)), `text contains ${expected}`);
  }
  // Latin text needs no CJK font.
  assert.ok(!Buffer.from(bytes).toString('latin1').includes('STSong-Light'));
});

test('Chinese titles and names are set in STSong-Light and extract back as Chinese', async () => {
  const content = sampleContent({
    assetTitle: '山水画 (Landscape) No. 3',
    holder: { did: sampleContent().holder.did, name: '李明' },
  });
  const bytes = renderCertificatePdf(content);
  assertPdfStructure(bytes);
  const file = Buffer.from(bytes).toString('latin1');
  assert.match(file, /\/Subtype \/Type0 \/BaseFont \/STSong-Light \/Encoding \/UniGB-UCS2-H/);
  assert.match(
    file,
    /\/Subtype \/CIDFontType0 .*\/CIDSystemInfo << \/Registry \(Adobe\) \/Ordering \(GB1\) \/Supplement 2 >>/,
  );
  const pdf = await parsePdf(bytes);
  assert.deepEqual(pdf.warnings, []);
  assert.ok(pdf.compactText.includes(compact('山水画 (Landscape) No. 3')));
  assert.ok(pdf.compactText.includes('李明'));
  assert.equal(pdf.info.Title, 'Rights certificate: 山水画 (Landscape) No. 3');
});

test('hostile strings cannot break the PDF syntax', async () => {
  const bytes = renderCertificatePdf(hostileContent);
  assertPdfStructure(bytes);
  const pdf = await parsePdf(bytes);
  assert.deepEqual(pdf.warnings, []);
  assert.equal(pdf.pageCount, 1);
  assert.equal(pdf.info.Title, `Rights certificate: ${cleanLine(hostileContent.assetTitle)}`);
  assert.equal(pdf.info.CreationDate, undefined, 'an unparseable issuedAt sets no creation date');
  // The delimiters print as themselves; control characters became spaces.
  assert.ok(
    pdf.compactText.includes(
      compact('Evil) Tj ET BT (x\\) \\\\ ( >> endstream endobj %%EOF <4142> 山水画 tab'),
    ),
  );
  assert.ok(pdf.compactText.includes(compact('王小明 ) ( \\')));
  assert.ok(pdf.compactText.includes('urn:uuid:)/Evil'));
  // Overlong fields are cut visibly, not silently.
  assert.ok(pdf.compactText.includes('AAAA...'));
  assert.ok(pdf.compactText.includes(compact('... and')));
  // The PNG renders too, and its QR code is unaffected.
  assert.equal(decodeQrFromPng(renderCertificatePng(hostileContent)).qrText, hostileContent.verifyUrl);
});

test('whatever the content, every line stays inside the frame and clear of the QR code', () => {
  for (const content of [sampleContent(), hostileContent]) {
    const { items } = layoutCertificate(content);
    const qr = items.find((item): item is QrItem => item.type === 'qr')!;
    for (const item of items) {
      if (item.type !== 'text') continue;
      // The wider of the PDF's and the PNG's rendering of the line.
      const width = Math.max(
        pdfTextWidthPt(item.text, item.size, item.weight),
        bitmapTextWidthPt(item.text, item.size),
      );
      const left = item.align === 'center' ? item.x - width / 2 : item.x;
      const top = item.baseline - item.size;
      const bottom = item.baseline + item.size * 0.25;
      const where = `"${item.text}" at (${left}, ${item.baseline})`;
      assert.ok(left >= 36 && left + width <= PAGE_WIDTH_PT - 36, `${where} fits across`);
      assert.ok(top >= 36 && bottom <= PAGE_HEIGHT_PT - 36, `${where} fits down`);
      const overlapsQr =
        left < qr.x + qr.size && left + width > qr.x && top < qr.y + qr.size && bottom > qr.y;
      assert.ok(!overlapsQr, `${where} is clear of the QR code`);
    }
  }
});

test('characters the bitmap font lacks are drawn as a visible box', () => {
  const box = glyphRows('山');
  assert.ok(box.some((row) => row !== 0));
  assert.deepEqual(glyphRows('é'), box);
  assert.notDeepEqual(glyphRows('A'), box);
  assert.deepEqual(glyphRows(' '), [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('the same content gives the same bytes, whatever the clock says', () => {
  const content = sampleContent({ assetTitle: '山水画 (Landscape)' });
  mock.timers.enable({ apis: ['Date'], now: 0 });
  try {
    const first = { pdf: renderCertificatePdf(content), png: renderCertificatePng(content) };
    mock.timers.setTime(4_102_444_800_000); // 2100-01-01
    const second = { pdf: renderCertificatePdf(content), png: renderCertificatePng(content) };
    assert.deepEqual(Buffer.from(second.pdf), Buffer.from(first.pdf));
    assert.deepEqual(Buffer.from(second.png), Buffer.from(first.png));
  } finally {
    mock.timers.reset();
  }
  // And different content gives different bytes.
  const other = renderCertificatePdf({ ...content, issuedAt: '2026-03-02T12:00:00Z' });
  assert.notDeepEqual(Buffer.from(other), Buffer.from(renderCertificatePdf(content)));
});
