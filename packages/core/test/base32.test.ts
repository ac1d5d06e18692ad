import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { base32Decode, base32Encode } from '../src/base32.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';

interface Vectors {
  rfc4648: { source: string; input: string; output: string }[];
  multibase: { source: string; input: string; base32: string; base32upper: string; base32pad: string }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/base32.json', import.meta.url), 'utf8'),
) as Vectors;

function assertThrows(fn: () => unknown, reason: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.match(error.message, reason);
    return true;
  });
}

describe('base32 vectors', () => {
  // RFC 4648 §10 writes BASE32 upper-case with padding; this module writes the multibase form,
  // lower-case without padding, so compare case-insensitively with the padding removed.
  for (const { input, output } of vectors.rfc4648) {
    test(`RFC 4648 §10: BASE32(${JSON.stringify(input)}) = ${JSON.stringify(output)}`, () => {
      const unpadded = output.replace(/=+$/, '');
      const encoded = base32Encode(utf8Encode(input));
      assert.equal(encoded.toUpperCase(), unpadded);
      assert.equal(encoded, unpadded.toLowerCase());
      assert.equal(utf8Decode(base32Decode(unpadded.toLowerCase())), input);
    });
  }

  for (const v of vectors.multibase) {
    test(`multibase spec: base32 of ${JSON.stringify(v.input)}`, () => {
      assert.equal(`b${base32Encode(utf8Encode(v.input))}`, v.base32);
      assert.equal(utf8Decode(base32Decode(v.base32.slice(1))), v.input);
      // The other spellings multibase allows are refused by this strict decoder.
      assertThrows(() => base32Decode(v.base32upper.slice(1)), /upper-case/);
      if (v.base32pad.includes('=')) assertThrows(() => base32Decode(v.base32pad.slice(1)), /padding/);
      else assert.equal(utf8Decode(base32Decode(v.base32pad.slice(1))), v.input);
    });
  }
});

describe('base32 strict decoding', () => {
  const cases: [string, string, RegExp][] = [
    ['upper case', 'MZXW6', /upper-case 'M' at offset 0/],
    ['mixed case', 'mzXw6', /upper-case 'X' at offset 2/],
    ['padding', 'my======', /padding '=' at offset 2/],
    ['digit 1 (not in the alphabet)', 'mz1w6', /unexpected character '1' at offset 2/],
    ['digit 8', 'mzxw8', /unexpected character '8' at offset 4/],
    ['digit 0', '0y', /unexpected character '0' at offset 0/],
    ['space', 'my ', /unexpected character U\+0020 at offset 2/],
    ['newline', 'my\n', /unexpected character U\+000A at offset 2/],
    ['non-ASCII', 'mé', /unexpected character U\+00E9 at offset 1/],
    ['1 character (no encoding is 1 mod 8 long)', 'm', /length 1 is not the length of any encoding/],
    ['3 characters', 'mzx', /length 3 is not the length/],
    ['6 characters', 'mzxw6y', /length 6 is not the length/],
    ['9 characters', 'mzxw6ytbo', /length 9 is not the length/],
    ['non-zero unused bits ("f" is "my")', 'mz', /non-zero unused bits/],
    ['non-zero unused bits ("foob" is "mzxw6yq")', 'mzxw6yr', /non-zero unused bits/],
  ];
  for (const [name, input, reason] of cases) {
    test(`rejects ${name}`, () => assertThrows(() => base32Decode(input), reason));
  }

  test('rejects a non-string', () => {
    assert.throws(() => base32Decode(new Uint8Array(2) as unknown as string), TypeError);
  });

  test('empty text is the empty byte string', () => {
    assert.deepEqual(base32Decode(''), new Uint8Array(0));
    assert.equal(base32Encode(new Uint8Array(0)), '');
  });
});

describe('base32 properties', () => {
  test('round trip, alphabet and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = base32Encode(bytes);
        assert.match(text, /^[a-z2-7]*$/);
        assert.equal(text.length, Math.ceil((bytes.length * 8) / 5));
        assert.deepEqual(base32Decode(text), bytes);
      }),
      { numRuns: 300 },
    );
  });

  test('every accepted text is the one encoding of what it decodes to', () => {
    const char = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567'.split(''));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }), (chars) => {
        const text = chars.join('');
        let decoded: Uint8Array;
        try {
          decoded = base32Decode(text);
        } catch {
          return;
        }
        assert.equal(base32Encode(decoded), text);
      }),
      { numRuns: 500 },
    );
  });
});
