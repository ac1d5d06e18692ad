// A minimal PDF 1.7 file writer: numbered indirect objects, a classic cross-reference table with
// the objects' byte offsets, and a trailer. Everything written is ASCII (strings from content are
// passed as hex strings), so one character is one byte and offsets are string lengths.
import { createHash } from 'node:crypto';

const HEADER = '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n'; // the comment's high bytes mark the file as binary

export class PdfWriter {
  private readonly bodies: (string | undefined)[] = [];

  /** Allocates an object number, for objects that must be referred to before they are written. */
  reserve(): number {
    this.bodies.push(undefined);
    return this.bodies.length;
  }

  set(objectNumber: number, body: string): void {
    assertAscii(body);
    this.bodies[objectNumber - 1] = body;
  }

  add(body: string): number {
    const objectNumber = this.reserve();
    this.set(objectNumber, body);
    return objectNumber;
  }

  /** A stream object; data must be ASCII. */
  addStream(data: string, dictionaryEntries = ''): number {
    return this.add(`<< ${dictionaryEntries}/Length ${data.length} >>\nstream\n${data}\nendstream`);
  }

  finish(catalog: number, info: number): Uint8Array {
    let file = HEADER;
    const offsets: number[] = [];
    this.bodies.forEach((body, index) => {
      if (body === undefined) throw new Error(`PDF object ${index + 1} was reserved but never written`);
      offsets.push(file.length);
      file += `${index + 1} 0 obj\n${body}\nendobj\n`;
    });
    const xrefOffset = file.length;
    // Each entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, space and newline.
    const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`);
    file += `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n${entries.join('')}`;
    // The file identifier is a digest of the body, so it is the same for the same content.
    const id = createHash('md5').update(file, 'latin1').digest('hex');
    file += `trailer\n<< /Size ${offsets.length + 1} /Root ${catalog} 0 R /Info ${info} 0 R /ID [<${id}> <${id}>] >>\n`;
    file += `startxref\n${xrefOffset}\n%%EOF\n`;
    return new Uint8Array(Buffer.from(file, 'latin1'));
  }
}

function assertAscii(body: string): void {
  if (/[^\t\n\r -~]/.test(body)) throw new Error('PDF objects must be written as printable ASCII');
}

/** A number as PDF syntax: at most three decimals, never exponent notation or "-0". */
export function pdfNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a PDF number: ${value}`);
  const rounded = Number(value.toFixed(3));
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** Bytes as a PDF hex string, which cannot break out of its delimiters whatever the bytes are. */
export function pdfHexString(bytes: Iterable<number>): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return `<${hex}>`;
}

/** A text string (PDF 1.7, 7.9.2.2) for document information: UTF-16BE with a byte order mark. */
export function pdfTextString(text: string): string {
  const bytes = [0xfe, 0xff];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes.push(unit >> 8, unit & 0xff);
  }
  return pdfHexString(bytes);
}
