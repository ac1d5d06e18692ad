import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { base32Decode, base32Encode } from '../src/base32.js';
import { concatBytes, hexDecode, hexEncode, utf8Encode } from '../src/bytes.js';
import {
  CID_TEXT_LENGTH,
  cidBytesFromDigest,
  cidFromBytes,
  cidFromDigest,
  createCidHasher,
  parseCid,
  parseCidBytes,
  verifyCid,
} from '../src/cid.js';
import { CinnabarError } from '../src/errors.js';
import { sha256 } from '../src/hash.js';

interface RawVector {
  source: string;
  utf8?: string;
  patternLength?: number;
  cid: string;
  bytes?: string;
}

interface Vectors {
  sources: Record<string, string>;
  raw: RawVector[];
  otherCodecs: { source: string; comment: string; cid: string; bytes: string; reason: string }[];
  otherForms: { source: string; comment: string; cid: string; reason: string }[];
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/cid.json', import.meta.url), 'utf8')) as Vectors;

function content(v: RawVector): Uint8Array {
  if (v.utf8 !== undefined) return utf8Encode(v.utf8);
  return Uint8Array.from({ length: v.patternLength! }, (_, i) => i % 256);
}

function assertMalformed(fn: () => unknown, reason: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof CinnabarError, `expected CinnabarError(malformed_cid), got ${String(caught)}`);
  assert.equal(caught.code, 'malformed_cid', caught.message);
  assert.match(caught.message, reason);
}

/** The text form of arbitrary CID bytes, to feed hostile binary forms through parseCid. */
function text(bytes: Uint8Array): string {
  return `b${base32Encode(bytes)}`;
}

const abc = cidFromBytes(utf8Encode('abc'));
const abcBytes = base32Decode(abc.slice(1));
const digest = abcBytes.slice(4);

describe('CID vectors', () => {
  test('every vector names a described source', () => {
    for (const v of [...vectors.raw, ...vectors.otherCodecs, ...vectors.otherForms]) {
      for (const s of v.source.split(' ')) assert.ok(vectors.sources[s], `unknown source ${s}`);
    }
  });

  for (const v of vectors.raw) {
    const name = v.utf8 !== undefined ? JSON.stringify(v.utf8) : `${v.patternLength} pattern bytes`;
    test(`raw sha2-256 CIDv1 of ${name} (${v.source})`, () => {
      const data = content(v);
      assert.equal(cidFromBytes(data), v.cid);
      assert.equal(cidFromDigest(sha256(data)), v.cid);
      const parsed = parseCid(v.cid);
      assert.deepEqual(parsed, { version: 1, codec: 0x55, hashCode: 0x12, digest: sha256(data) });
      if (v.bytes !== undefined) {
        assert.equal(hexEncode(base32Decode(v.cid.slice(1))), v.bytes);
        assert.equal(hexEncode(cidBytesFromDigest(sha256(data))), v.bytes);
        assert.deepEqual(parseCidBytes(hexDecode(v.bytes)), parsed);
      }
      assert.equal(verifyCid(v.cid, data), true);
      const altered = data.length > 0 ? data.slice() : Uint8Array.of(0);
      altered[0]! ^= 1;
      assert.equal(verifyCid(v.cid, altered), false);
      // Streaming in uneven chunks gives the same CID.
      for (const size of [1, 7, 64, 1000]) {
        const hasher = createCidHasher();
        for (let i = 0; i < data.length; i += size) hasher.update(data.subarray(i, i + size));
        assert.equal(hasher.digest(), v.cid);
      }
    });
  }

  for (const v of vectors.otherCodecs) {
    test(`rejects ${v.comment} (${v.source})`, () => {
      // The base32 layer agrees with js-multiformats on these bytes.
      assert.equal(hexEncode(base32Decode(v.cid.slice(1))), v.bytes);
      assert.equal(text(hexDecode(v.bytes)), v.cid);
      assertMalformed(() => parseCid(v.cid), new RegExp(v.reason));
      assertMalformed(() => parseCidBytes(hexDecode(v.bytes)), new RegExp(v.reason));
    });
  }

  for (const v of vectors.otherForms) {
    test(`rejects ${v.comment} (${v.source})`, () => {
      assertMalformed(() => parseCid(v.cid), new RegExp(v.reason));
    });
  }
});

describe('parseCid rejects, saying why', () => {
  const at = (i: number, c: string) => abc.slice(0, i) + c + abc.slice(i + 1);
  const lastValue = 'abcdefghijklmnopqrstuvwxyz234567'.indexOf(abc.at(-1)!);
  const strayBits = 'abcdefghijklmnopqrstuvwxyz234567'[lastValue | 1]!;
  const cases: [string, string, RegExp][] = [
    ['the empty string', '', /CID is empty/],
    ['upper-case multibase B', abc.toUpperCase(), /upper-case base32 \(multibase 'B'\)/],
    ['upper case after b', `b${abc.slice(1).toUpperCase()}`, /upper-case 'A' at offset 0/],
    ['one upper-case character', at(20, abc[20]!.toUpperCase()), /upper-case .* at offset 19/],
    ['padding', `${abc}======`, /padding '=' at offset 58/],
    ['a character outside the alphabet', at(10, '1'), /unexpected character '1' at offset 9/],
    ['whitespace', ` ${abc}`, /unknown multibase prefix " "/],
    ['a trailing newline', `${abc}\n`, /unexpected character U\+000A/],
    ['non-canonical last character', at(58, strayBits), /non-zero unused bits/],
    ['base58btc prefix z', `z${abc.slice(1)}`, /multibase prefix "z" \(base58btc\)/],
    ['base16 prefix f', `f${hexEncode(abcBytes)}`, /multibase prefix "f" \(base16\)/],
    ['base32pad prefix c', `c${abc.slice(1)}`, /multibase prefix "c" \(base32pad\)/],
    ['base36 prefix k', `k${abc.slice(1)}`, /multibase prefix "k" \(base36\)/],
    ['base256emoji prefix', `\u{1F680}${abc.slice(1)}`, /multibase prefix "\u{1F680}" \(base256emoji\)/u],
    ['unknown prefix', `!${abc.slice(1)}`, /unknown multibase prefix "!"/],
    ['no prefix', abc.slice(1), /multibase prefix "a"|unknown multibase prefix "a"/],
    ['CIDv0', 'QmatYkNGZnELf8cAGdyJpUca2PyY4szai3RHyyWofNY1pY', /CIDv0/],
    ['one character short (impossible length)', abc.slice(0, -1), /length 57 is not the length/],
    ['two characters short (truncated digest)', abc.slice(0, -2), /digest is truncated: 31 of 32 bytes/],
    ['a huge input', `b${'a'.repeat(600)}`, /CID is 601 characters; a raw sha2-256 CIDv1 is 59/],
    // Binary forms, through the text form.
    [
      'a trailing byte',
      text(concatBytes(abcBytes, Uint8Array.of(0))),
      /1 trailing byte\(s\) after the digest/,
    ],
    ['CID version 0', text(concatBytes(Uint8Array.of(0, 0x55, 0x12, 0x20), digest)), /CID version 0 is not/],
    ['CID version 2', text(concatBytes(Uint8Array.of(2, 0x55, 0x12, 0x20), digest)), /CID version 2 is not/],
    ['a bare multihash (CIDv0 bytes)', text(concatBytes(Uint8Array.of(0x12, 0x20), digest)), /CIDv0/],
    [
      'dag-json codec (two-byte varint)',
      text(concatBytes(Uint8Array.of(1, 0xa9, 0x02, 0x12, 0x20), digest)),
      /codec 0x129 \(dag-json\).*only raw \(0x55\) CIDs are accepted/,
    ],
    [
      'sha2-512',
      text(concatBytes(Uint8Array.of(1, 0x55, 0x13, 0x40), digest, digest)),
      /multihash 0x13 \(sha2-512\) is not accepted; only sha2-256/,
    ],
    ['blake3', text(concatBytes(Uint8Array.of(1, 0x55, 0x1e, 0x20), digest)), /0x1e \(blake3\)/],
    ['identity multihash', text(Uint8Array.of(1, 0x55, 0x00, 3, 0x61, 0x62, 0x63)), /0x00 \(identity\)/],
    [
      'a 31-byte digest',
      text(concatBytes(Uint8Array.of(1, 0x55, 0x12, 0x1f), digest.subarray(0, 31))),
      /digest length is 31; a sha2-256 digest is 32 bytes/,
    ],
    [
      'a 33-byte digest',
      text(concatBytes(Uint8Array.of(1, 0x55, 0x12, 0x21), digest, Uint8Array.of(0))),
      /digest length is 33/,
    ],
    [
      'a non-minimal version varint',
      text(concatBytes(Uint8Array.of(0x81, 0x00, 0x55, 0x12, 0x20), digest)),
      /the version varint is not minimally encoded/,
    ],
    [
      'a non-minimal codec varint',
      text(concatBytes(Uint8Array.of(0x01, 0xd5, 0x00, 0x12, 0x20), digest)),
      /the codec varint is not minimally encoded/,
    ],
    [
      'a non-minimal digest length varint',
      text(concatBytes(Uint8Array.of(0x01, 0x55, 0x12, 0xa0, 0x00), digest)),
      /the digest length varint is not minimally encoded/,
    ],
    ['a varint longer than 9 bytes', text(new Uint8Array(12).fill(0xff)), /longer than 9 bytes/],
    ['bytes ending inside a varint', text(Uint8Array.of(1, 0xd5)), /CID ends inside the codec varint/],
    ['bytes ending before the codec', text(Uint8Array.of(1)), /CID ends before the codec/],
  ];
  for (const [name, input, reason] of cases) {
    test(name, () => assertMalformed(() => parseCid(input), reason));
  }

  test('a non-string', () => {
    assertMalformed(() => parseCid(abcBytes as unknown as string), /CID must be a string/);
    assertMalformed(() => parseCidBytes(abc as unknown as Uint8Array), /binary CID must be a Uint8Array/);
  });

  test('verifyCid throws on a malformed CID rather than answering false', () => {
    assertMalformed(() => verifyCid(abc.toUpperCase(), utf8Encode('abc')), /upper-case/);
  });

  test('cidFromDigest needs a 32-byte digest', () => {
    assertMalformed(() => cidFromDigest(new Uint8Array(31)), /32 bytes/);
    assertMalformed(() => cidFromDigest('x' as unknown as Uint8Array), /32 bytes/);
  });
});

describe('createCidHasher', () => {
  test('empty input is the empty CID', () => {
    assert.equal(createCidHasher().digest(), vectors.raw[0]!.cid);
  });

  test('cannot be used after digest()', () => {
    const hasher = createCidHasher();
    hasher.update(utf8Encode('abc'));
    assert.equal(hasher.digest(), abc);
    assert.throws(() => hasher.update(utf8Encode('more')), /already finished/);
    assert.throws(() => hasher.digest(), /already finished/);
  });

  test('rejects a chunk that is not bytes', () => {
    assert.throws(() => createCidHasher().update('abc' as unknown as Uint8Array), TypeError);
  });

  test('any chunking gives the CID of the whole (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (chunks) => {
        const hasher = createCidHasher();
        for (const chunk of chunks) hasher.update(chunk);
        assert.equal(hasher.digest(), cidFromBytes(concatBytes(...chunks)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('CID properties', () => {
  test('every CID is 59 characters, starts "bafkrei" and parses back to its digest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const cid = cidFromBytes(data);
        assert.equal(cid.length, CID_TEXT_LENGTH);
        assert.ok(cid.startsWith('bafkrei'), cid);
        assert.deepEqual(parseCid(cid).digest, sha256(data));
        assert.equal(cidFromDigest(parseCid(cid).digest), cid);
        assert.equal(verifyCid(cid, data), true);
      }),
      { numRuns: 200 },
    );
  });

  test('changing any one character makes the CID malformed or name other content', () => {
    const data = utf8Encode('hello world');
    const cid = cidFromBytes(data);
    const chars = 'abcdefghijklmnopqrstuvwxyz234567ABZQ=1 '.split('');
    fc.assert(
      fc.property(fc.nat({ max: cid.length - 1 }), fc.constantFrom(...chars), (i, c) => {
        fc.pre(cid[i] !== c);
        const changed = cid.slice(0, i) + c + cid.slice(i + 1);
        let ok: boolean;
        try {
          ok = verifyCid(changed, data);
        } catch (error) {
          assert.ok(error instanceof CinnabarError && error.code === 'malformed_cid');
          return;
        }
        assert.equal(ok, false);
      }),
      { numRuns: 500 },
    );
  });
});
