// Standard base64 (RFC 4648 §4) with padding, as C2SP signed-note and tlog-checkpoint use.
// Decoding is strict: exactly one encoding is accepted for any byte string (padding required,
// no whitespace, no URL-safe alphabet, unused trailing bits zero), so a note cannot be altered
// without changing what it decodes to.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Standard base64 with padding. */
export function base64Encode(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    chunk += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    chunk += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}${ALPHABET[(n >> 6) & 63]!}=`;
  }
  parts.push(chunk);
  return parts.join('');
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const value = code < 128 ? DECODE[code]! : -1;
  if (value < 0) {
    const shown =
      code >= 0x21 && code < 0x7f ? `'${text[i]}'` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new Error(`invalid base64: unexpected character ${shown} at offset ${i}`);
  }
  return value;
}

/**
 * Strict standard base64 decoding. Throws an Error saying what is wrong: a character outside the
 * alphabet (including whitespace, and '=' other than one or two at the end), a length that is not
 * a multiple of 4, or non-zero unused bits before the padding (a non-canonical encoding).
 */
export function base64Decode(text: string): Uint8Array {
  let pad = 0;
  while (pad < 2 && text.charCodeAt(text.length - 1 - pad) === 0x3d) pad++;
  const end = text.length - pad;
  for (let i = 0; i < end; i++) sextet(text, i);
  if (text.length % 4 !== 0) throw new Error(`invalid base64: length ${text.length} is not a multiple of 4`);
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  const full = pad === 0 ? end : end - (4 - pad); // characters in groups without padding
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const n =
      (sextet(text, i) << 18) |
      (sextet(text, i + 1) << 12) |
      (sextet(text, i + 2) << 6) |
      sextet(text, i + 3);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  if (pad === 2) {
    const a = sextet(text, full);
    const b = sextet(text, full + 1);
    if ((b & 15) !== 0)
      throw new Error('invalid base64: non-zero bits before the padding (non-canonical encoding)');
    out[o] = (a << 2) | (b >> 4);
  } else if (pad === 1) {
    const a = sextet(text, full);
    const b = sextet(text, full + 1);
    const c = sextet(text, full + 2);
    if ((c & 3) !== 0)
      throw new Error('invalid base64: non-zero bits before the padding (non-canonical encoding)');
    out[o++] = (a << 2) | (b >> 4);
    out[o] = ((b & 15) << 4) | (c >> 2);
  }
  return out;
}
