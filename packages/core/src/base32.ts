// Base32 of RFC 4648 §6 in the form multibase calls "base32" (prefix 'b'): the RFC alphabet in
// lower case, without padding. Decoding is strict, so every byte string has exactly one text:
// lower case only, no '=' padding, no whitespace, no length that no byte string encodes to
// (RFC 4648 §6: 8 characters per 5 bytes, and a final quantum of 2, 4, 5 or 7 characters), and
// the unused low bits of the last character zero (RFC 4648 §3.5, canonical encoding).

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Lower-case RFC 4648 §6 base32 of `bytes`, without padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0; // pending bits, at most 12 (4 left over + 8 new)
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31]!;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]!;
  return out;
}

function describe(text: string, i: number): string {
  const code = text.charCodeAt(i);
  return code >= 0x21 && code < 0x7f
    ? `'${text[i]}'`
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Decodes lower-case, unpadded RFC 4648 §6 base32 strictly. Throws an Error saying what is
 * wrong: an upper-case letter, padding, a character outside the alphabet, an impossible length,
 * or non-zero unused bits in the last character.
 */
export function base32Decode(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('base32 input must be a string');
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 && DECODE[code]! >= 0) continue;
    if (code === 0x3d) throw new Error(`invalid base32: padding '=' at offset ${i} (unpadded form required)`);
    if (code >= 0x41 && code <= 0x5a) {
      throw new Error(`invalid base32: upper-case ${describe(text, i)} at offset ${i} (lower case required)`);
    }
    throw new Error(`invalid base32: unexpected character ${describe(text, i)} at offset ${i}`);
  }
  const rest = text.length % 8;
  if (rest === 1 || rest === 3 || rest === 6) {
    throw new Error(`invalid base32: length ${text.length} is not the length of any encoding`);
  }
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    buffer = (buffer << 5) | DECODE[text.charCodeAt(i)]!;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (buffer >> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  if (buffer !== 0) {
    throw new Error('invalid base32: non-zero unused bits in the last character (non-canonical encoding)');
  }
  return out;
}
