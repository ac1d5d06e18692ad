import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { base58btcDecode, base58btcEncode } from '../src/base58.js';
import { hexDecode, hexEncode } from '../src/bytes.js';

interface Vectors {
  encodeDecode: { source: string; hex: string; base58: string }[];
  invalid: { source: string; text: string; comment?: string }[];
  valid: { source: string; text: string; hex?: string }[];
  ed25519Keys: { source: string; seed: string; publicKeyBase58: string }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/base58.json', import.meta.url), 'utf8'),
) as Vectors;
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

describe('base58btc: Bitcoin Core base58_encode_decode.json', () => {
  for (const v of vectors.encodeDecode) {
    test(`${v.hex.slice(0, 24) || '(empty)'}${v.hex.length > 24 ? '…' : ''} <-> ${v.base58.slice(0, 24)}`, () => {
      assert.equal(base58btcEncode(hexDecode(v.hex)), v.base58);
      assert.equal(hexEncode(base58btcDecode(v.base58)), v.hex);
    });
  }

  test('strings Bitcoin Core accepts', () => {
    for (const v of vectors.valid) {
      const bytes = base58btcDecode(v.text);
      if (v.hex !== undefined) assert.equal(hexEncode(bytes), v.hex);
      assert.equal(base58btcEncode(bytes), v.text);
    }
  });

  test('Ed25519 public keys of the did:key test vectors (publicKeyBase58)', () => {
    for (const v of vectors.ed25519Keys) {
      const publicKey = ed25519.getPublicKey(hexDecode(v.seed));
      assert.equal(base58btcEncode(publicKey), v.publicKeyBase58);
      assert.deepEqual(base58btcDecode(v.publicKeyBase58), publicKey);
    }
  });
});

describe('base58btc: strict decoding', () => {
  for (const v of vectors.invalid) {
    test(`rejects ${JSON.stringify(v.text)}${v.comment ? ` (${v.comment})` : ''}`, () => {
      assert.throws(() => base58btcDecode(v.text), /^Error: invalid base58: unexpected character/);
    });
  }

  const cases: [string, string, RegExp][] = [
    ['zero digit', '120', /unexpected character '0' at offset 2/],
    ['capital O', 'O1', /'O' at offset 0/],
    ['capital I', '1I', /'I' at offset 1/],
    ['lower-case l', 'abl', /'l' at offset 2/],
    ['leading space', ' 2g', /U\+0020 at offset 0/],
    ['trailing newline', '2g\n', /U\+000A at offset 2/],
    ['plus (base64)', '2g+', /'\+' at offset 2/],
    ['non-ASCII digit', '2\u0661', /U\+0661 at offset 1/],
    ['full-width letter', '\uff41', /U\+FF41 at offset 0/],
    ['lone surrogate', '2\ud800', /U\+D800 at offset 1/],
  ];
  for (const [name, text, reason] of cases) {
    test(`rejects ${name}`, () => {
      assert.throws(() => base58btcDecode(text), reason);
    });
  }

  test('leading zero bytes are leading 1s, one for one', () => {
    assert.equal(base58btcEncode(new Uint8Array(0)), '');
    assert.equal(base58btcEncode(Uint8Array.of(0)), '1');
    assert.equal(base58btcEncode(Uint8Array.of(0, 0, 1)), '112');
    assert.deepEqual(base58btcDecode('1'), Uint8Array.of(0));
    assert.deepEqual(base58btcDecode('111'), Uint8Array.of(0, 0, 0));
    assert.deepEqual(base58btcDecode('11z'), Uint8Array.of(0, 0, 57));
    assert.deepEqual(base58btcDecode('21'), Uint8Array.of(58));
  });
});

describe('base58btc: properties', () => {
  test('decode(encode(bytes)) = bytes, with the leading zeros as leading 1s', () => {
    const withZeros = fc
      .tuple(fc.nat({ max: 6 }), fc.uint8Array({ maxLength: 80 }))
      .map(([zeros, rest]) => Uint8Array.from([...new Uint8Array(zeros), ...rest]));
    fc.assert(
      fc.property(withZeros, (bytes) => {
        const text = base58btcEncode(bytes);
        assert.deepEqual(base58btcDecode(text), bytes);
        let zeros = 0;
        while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
        let ones = 0;
        while (ones < text.length && text[ones] === '1') ones++;
        assert.equal(ones, zeros);
      }),
      { numRuns: 500 },
    );
  });

  test('every string over the alphabet is the one encoding of what it decodes to', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 80 }), (text) => {
        assert.equal(base58btcEncode(base58btcDecode(text)), text);
      }),
      { numRuns: 500 },
    );
  });

  test('any string with a character outside the alphabet is rejected', () => {
    const outside = fc
      .string({ minLength: 1, maxLength: 2 })
      .filter((s) => [...s].some((c) => !ALPHABET.includes(c)));
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 10 }),
        outside,
        (prefix, bad) => {
          assert.throws(() => base58btcDecode(prefix + bad), /invalid base58/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
