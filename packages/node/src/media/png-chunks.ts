// PNG chunk reading and writing (ISO/IEC 15948 / W3C PNG 3rd edition §5): the chunk walk, CRC-32,
// and the three text chunks (§11.3.3 tEXt, zTXt, iTXt). Everything here takes untrusted bytes and
// bounds every length; nothing throws for a malformed file: the walk reports what it could read
// and an issue saying where it stopped.
import { inflateSync } from 'node:zlib';

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

export interface PngChunk {
  /** Four ASCII letters, e.g. "IHDR", "tEXt", "caBX". */
  type: string;
  /** Offset of the chunk's length field in the file. */
  offset: number;
  /** The chunk's data (a view into the file's bytes). */
  data: Uint8Array;
  /** Whether the stored CRC matches (§5.3: over type and data). Checked only when asked. */
  crcOk?: boolean;
}

export interface PngIssue {
  code: string;
  message: string;
  offset?: number;
}

export interface PngWalk {
  chunks: PngChunk[];
  issues: PngIssue[];
  /** Offset of the IEND chunk, when the walk reached it. */
  iendOffset?: number;
}

/** Most chunks walked; a real PNG has a handful plus its IDATs. */
export const MAX_PNG_CHUNKS = 1_000_000;

export function isPng(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Walk the chunks of a PNG. The CRC is checked for the chunk types in `checkCrcOf` (computing it
 * over every IDAT would be wasted work for a metadata reader). Stops at IEND, at the first
 * truncated or impossible chunk, or after MAX_PNG_CHUNKS.
 */
export function walkPngChunks(bytes: Uint8Array, checkCrcOf: ReadonlySet<string> = new Set()): PngWalk {
  const walk: PngWalk = { chunks: [], issues: [] };
  if (!isPng(bytes)) {
    walk.issues.push({ code: 'PNG_SIGNATURE', message: 'Not a PNG: the signature is missing.', offset: 0 });
    return walk;
  }
  let at = 8;
  while (at < bytes.byteLength) {
    if (walk.chunks.length >= MAX_PNG_CHUNKS) {
      walk.issues.push({
        code: 'PNG_TOO_MANY_CHUNKS',
        message: `Stopped after ${MAX_PNG_CHUNKS} chunks.`,
        offset: at,
      });
      return walk;
    }
    if (at + 12 > bytes.byteLength) {
      walk.issues.push({ code: 'PNG_TRUNCATED', message: 'A chunk header is cut short.', offset: at });
      return walk;
    }
    const length = readU32BE(bytes, at);
    const type = ascii(bytes, at + 4, 4);
    // §5.3: the length is at most 2^31 - 1; the chunk must fit in the file.
    if (length > 0x7fffffff || at + 12 + length > bytes.byteLength) {
      walk.issues.push({
        code: 'PNG_TRUNCATED',
        message: `Chunk ${JSON.stringify(type)} claims ${length} bytes; the file ends first.`,
        offset: at,
      });
      return walk;
    }
    if (!/^[A-Za-z]{4}$/.test(type)) {
      walk.issues.push({
        code: 'PNG_BAD_CHUNK_TYPE',
        message: 'A chunk type is not four letters.',
        offset: at,
      });
      return walk;
    }
    const data = bytes.subarray(at + 8, at + 8 + length);
    const chunk: PngChunk = { type, offset: at, data };
    if (checkCrcOf.has(type))
      chunk.crcOk = crc32(bytes.subarray(at + 4, at + 8 + length)) === readU32BE(bytes, at + 8 + length);
    walk.chunks.push(chunk);
    if (type === 'IEND') {
      walk.iendOffset = at;
      return walk;
    }
    at += 12 + length;
  }
  walk.issues.push({ code: 'PNG_NO_IEND', message: 'The file ends without an IEND chunk.', offset: at });
  return walk;
}

export interface PngText {
  chunkType: 'tEXt' | 'zTXt' | 'iTXt';
  keyword: string;
  text: string;
}

/**
 * Decode a text chunk (§11.3.3). tEXt and zTXt are Latin-1; iTXt is UTF-8 (language tag and
 * translated keyword are read past, not returned). Compressed text is inflated to at most
 * `maxTextBytes`; more than that, or a malformed chunk, is an Error with a message (the caller
 * turns it into an issue).
 */
export function decodePngText(chunk: PngChunk, maxTextBytes: number): PngText {
  const { data } = chunk;
  const nul = data.indexOf(0);
  if (nul < 1 || nul > 79) throw new Error('the keyword is missing, empty or longer than 79 bytes');
  const keyword = latin1(data.subarray(0, nul));
  if (chunk.type === 'tEXt') {
    if (data.byteLength - nul - 1 > maxTextBytes) throw new Error(`the text is over ${maxTextBytes} bytes`);
    return { chunkType: 'tEXt', keyword, text: latin1(data.subarray(nul + 1)) };
  }
  if (chunk.type === 'zTXt') {
    if (data[nul + 1] !== 0) throw new Error('unknown compression method');
    return { chunkType: 'zTXt', keyword, text: latin1(inflateBounded(data.subarray(nul + 2), maxTextBytes)) };
  }
  if (chunk.type === 'iTXt') {
    const compressed = data[nul + 1];
    const method = data[nul + 2];
    if (compressed === undefined || method === undefined) throw new Error('the chunk is cut short');
    const languageEnd = data.indexOf(0, nul + 3);
    const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
    if (translatedEnd < 0) throw new Error('the language tag or translated keyword is not terminated');
    const body = data.subarray(translatedEnd + 1);
    let raw: Uint8Array;
    if (compressed === 0) {
      if (body.byteLength > maxTextBytes) throw new Error(`the text is over ${maxTextBytes} bytes`);
      raw = body;
    } else if (compressed === 1 && method === 0) {
      raw = inflateBounded(body, maxTextBytes);
    } else {
      throw new Error('unknown compression flag or method');
    }
    return { chunkType: 'iTXt', keyword, text: utf8(raw) };
  }
  throw new Error(`${chunk.type} is not a text chunk`);
}

/** A complete chunk: length, type, data and CRC. */
export function encodePngChunk(type: string, data: Uint8Array): Uint8Array {
  if (!/^[A-Za-z]{4}$/.test(type))
    throw new TypeError(`encodePngChunk: bad chunk type ${JSON.stringify(type)}`);
  const out = new Uint8Array(12 + data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.byteLength);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.byteLength, crc32(out.subarray(4, 8 + data.byteLength)));
  return out;
}

/**
 * A text chunk for `keyword` and `text`: tEXt when the text is printable ASCII (every reader takes
 * it), otherwise uncompressed iTXt (UTF-8, empty language tag and translated keyword).
 */
export function encodePngTextChunk(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new TypeError('encodePngTextChunk: bad keyword');
  const key = new TextEncoder().encode(keyword);
  if (/^[\x20-\x7e\n]*$/.test(text)) {
    const body = new TextEncoder().encode(text);
    return encodePngChunk('tEXt', concat([key, Uint8Array.of(0), body]));
  }
  const body = new TextEncoder().encode(text);
  return encodePngChunk('iTXt', concat([key, Uint8Array.of(0, 0, 0, 0, 0), body]));
}

// ---------------------------------------------------------------------------------------------
// CRC-32 (ISO 3309 / ITU-T V.42, the polynomial of PNG §5.3 Annex D)

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.byteLength; i++)
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------

function inflateBounded(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return new Uint8Array(inflateSync(data, { maxOutputLength: maxBytes }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`the text inflates to over ${maxBytes} bytes`);
    throw new Error('the compressed text does not inflate');
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

export function readU32BE(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

function ascii(b: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...b.subarray(start, start + length));
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

export function utf8(b: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(b);
}
