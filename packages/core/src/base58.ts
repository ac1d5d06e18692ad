// Base58 with the Bitcoin alphabet ("base58btc", the multibase 'z' encoding used by did:key).
// Each leading zero byte is one leading '1'; the remaining bytes are a big-endian integer written
// in base 58 without leading zero digits. This makes the encoding a bijection between byte strings
// and strings over the alphabet, so decoding is strict by construction: every accepted string is
// the one encoding of what it decodes to. Unlike Bitcoin Core's DecodeBase58, no whitespace is
// skipped. Both directions are quadratic in the length: callers bound untrusted input first.

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Base58btc (Bitcoin alphabet) encoding of `bytes`. */
export function base58btcEncode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // log(256) / log(58) < 1.38: digits needed for the non-zero part.
  const size = Math.floor(((bytes.length - zeros) * 138) / 100) + 1;
  const digits = new Uint8Array(size);
  let length = 0;
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    let j = 0;
    for (let k = size - 1; (carry !== 0 || j < length) && k >= 0; k--, j++) {
      carry += 256 * digits[k]!;
      digits[k] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    length = j;
  }
  let start = size - length;
  while (start < size && digits[start] === 0) start++;
  let out = '1'.repeat(zeros);
  for (let k = start; k < size; k++) out += ALPHABET[digits[k]!]!;
  return out;
}

/**
 * Strict base58btc decoding. Throws an Error naming the first character outside the Bitcoin
 * alphabet (which excludes 0, O, I and l) and its offset; whitespace is not skipped.
 */
export function base58btcDecode(text: string): Uint8Array {
  const values = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE[code]! : -1;
    if (value < 0) {
      const shown =
        code >= 0x21 && code < 0x7f
          ? `'${text[i]}'`
          : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
      throw new Error(`invalid base58: unexpected character ${shown} at offset ${i}`);
    }
    values[i] = value;
  }
  let zeros = 0;
  while (zeros < values.length && values[zeros] === 0) zeros++;
  // log(58) / log(256) < 0.733: bytes needed for the non-zero part.
  const size = Math.floor(((values.length - zeros) * 733) / 1000) + 1;
  const bytes = new Uint8Array(size);
  let length = 0;
  for (let i = zeros; i < values.length; i++) {
    let carry = values[i]!;
    let j = 0;
    for (let k = size - 1; (carry !== 0 || j < length) && k >= 0; k--, j++) {
      carry += 58 * bytes[k]!;
      bytes[k] = carry & 0xff;
      carry >>>= 8;
    }
    length = j;
  }
  let start = size - length;
  while (start < size && bytes[start] === 0) start++;
  const out = new Uint8Array(zeros + size - start);
  out.set(bytes.subarray(start), zeros);
  return out;
}
