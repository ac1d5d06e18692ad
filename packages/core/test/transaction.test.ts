import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { base64Encode } from '../src/base64.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';
import { didKeyFromPublicKey } from '../src/did-key.js';
import { canonicalize } from '../src/jcs.js';
import {
  decodeTransaction,
  decodeTransactionEntry,
  encodeTransaction,
  isUtcTime,
  type SignedTransaction,
  signTransaction,
  type Transaction,
  transactionSigningInput,
  verifyTransaction,
} from '../src/tx/transaction.js';
import { throwsCode } from './support/cinnabar-error.js';

const seed = new Uint8Array(32).fill(7);
const actor = didKeyFromPublicKey(ed25519.getPublicKey(seed));
const otherSeed = new Uint8Array(32).fill(9);

function tx(overrides: Partial<Transaction> = {}): Transaction {
  return {
    v: 1,
    type: 'asset.register',
    actor,
    seq: 1,
    time: '2026-11-21T06:00:00.000Z',
    body: { title: '朱砂 Cinnabar', size: 1024, tags: ['seal', 'red'] },
    ...overrides,
  };
}

describe('signed transactions', () => {
  test('sign, encode as canonical JSON, decode and verify', () => {
    const signed = signTransaction(tx(), seed);
    const entry = encodeTransaction(signed);
    assert.equal(utf8Decode(entry), canonicalize(signed));
    const decoded = decodeTransaction(entry);
    assert.deepEqual(decoded, signed);
    assert.equal(verifyTransaction(decoded), true);
  });

  test('the signature covers a domain-separated canonical form', () => {
    const signed = signTransaction(tx(), seed);
    const input = utf8Decode(transactionSigningInput(signed));
    assert.ok(input.startsWith('cinnabar/tx/v1\n{"actor":'));
    assert.ok(!input.includes('"sig"'));
    // The same key's signature over the bare canonical JSON (no domain) does not verify.
    const { sig: _, ...unsigned } = signed;
    const bare = base64Encode(ed25519.sign(utf8Encode(canonicalize(unsigned)), seed));
    assert.equal(verifyTransaction({ ...signed, sig: bare }), false);
  });

  test('any change to a signed field makes verification fail', () => {
    const signed = signTransaction(tx(), seed);
    const changes: Partial<SignedTransaction>[] = [
      { type: 'asset.update' },
      { seq: 2 },
      { time: '2026-11-21T06:00:01.000Z' },
      { body: { ...signed.body, size: 1025 } },
      { actor: didKeyFromPublicKey(ed25519.getPublicKey(otherSeed)) },
    ];
    for (const change of changes)
      assert.equal(verifyTransaction({ ...signed, ...change }), false, JSON.stringify(change));
  });

  test('a signature by someone else does not verify; signing for another actor is refused', () => {
    const signed = signTransaction(tx(), seed);
    const forged = base64Encode(ed25519.sign(transactionSigningInput(signed), otherSeed));
    assert.equal(verifyTransaction({ ...signed, sig: forged }), false);
    throwsCode(() => signTransaction(tx(), otherSeed), 'malformed_transaction', /not the key of the actor/);
  });

  test('a transaction too large for the log is refused when signed', () => {
    throwsCode(() => signTransaction(tx({ body: { blob: 'x'.repeat(70_000) } }), seed), 'entry_too_large');
  });

  const good = canonicalize(signTransaction(tx(), seed));
  const mutate = (change: (o: Record<string, unknown>) => void) => {
    const o = JSON.parse(good) as Record<string, unknown>;
    change(o);
    return canonicalize(o);
  };
  const hostile: [string, string, string, RegExp][] = [
    ['not JSON', '{', 'malformed_json', /./],
    ['an array', '[]', 'malformed_transaction', /JSON object/],
    ['a missing field', mutate((o) => delete o.seq), 'malformed_transaction', /missing field\(s\): seq/],
    ['an unknown field', mutate((o) => (o.extra = 1)), 'malformed_transaction', /unknown field\(s\): extra/],
    ['version 2', mutate((o) => (o.v = 2)), 'malformed_transaction', /v must be 1/],
    ['an upper-case type', mutate((o) => (o.type = 'Asset.Register')), 'malformed_transaction', /type/],
    ['an undotted type', mutate((o) => (o.type = 'register')), 'malformed_transaction', /type/],
    ['a did:web actor', mutate((o) => (o.actor = 'did:web:example.com')), 'malformed_transaction', /did:key/],
    ['seq 0', mutate((o) => (o.seq = 0)), 'malformed_transaction', /seq/],
    ['a fractional seq', mutate((o) => (o.seq = 1.5)), 'malformed_transaction', /seq/],
    ['a seq beyond 2^53', mutate((o) => (o.seq = 2 ** 53)), 'malformed_transaction', /seq/],
    ['a seq as a string', mutate((o) => (o.seq = '1')), 'malformed_transaction', /seq/],
    [
      'a time with an offset',
      mutate((o) => (o.time = '2026-11-21T08:00:00+02:00')),
      'malformed_transaction',
      /time/,
    ],
    ['February 30', mutate((o) => (o.time = '2026-02-30T00:00:00Z')), 'malformed_transaction', /time/],
    ['hour 24', mutate((o) => (o.time = '2026-11-21T24:00:00Z')), 'malformed_transaction', /time/],
    [
      'a second way to write the time',
      mutate((o) => (o.time = '2026-11-21T06:00:00.1Z')),
      'malformed_transaction',
      /time/,
    ],
    ['a body that is a string', mutate((o) => (o.body = 'x')), 'malformed_transaction', /body/],
    ['a body that is null', mutate((o) => (o.body = null)), 'malformed_transaction', /body/],
    ['a sig that is not base64', mutate((o) => (o.sig = 'not base64!')), 'malformed_transaction', /sig/],
    [
      'a short sig',
      mutate((o) => (o.sig = base64Encode(new Uint8Array(63)))),
      'malformed_transaction',
      /63 bytes/,
    ],
    [
      'non-canonical key order',
      good.replace('{"actor"', '{"v":1,"actor"').replace(/,"v":1}$/, '}'),
      'non_canonical_json',
      /canonical/,
    ],
    ['non-canonical white space', good.replace('{"actor":', '{ "actor":'), 'non_canonical_json', /canonical/],
    ['a duplicate key', good.replace('{"actor":', '{"v":1,"actor":'), 'malformed_json', /duplicate/i],
    ['over 65,535 bytes', `{"pad":"${'x'.repeat(65_536)}"}`, 'malformed_json', /./],
  ];
  for (const [name, text, code, reason] of hostile) {
    test(`decode refuses ${name}`, () => {
      throwsCode(() => decodeTransaction(text), code as never, reason);
    });
  }

  test('invalid UTF-8 is refused', () => {
    throwsCode(() => decodeTransaction(new Uint8Array([0x7b, 0xff, 0x7d])), 'malformed_transaction', /UTF-8/);
  });

  test('property: flipping any byte of an entry makes it undecodable or unverifiable', () => {
    const entry = encodeTransaction(signTransaction(tx(), seed));
    fc.assert(
      fc.property(fc.nat(entry.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const damaged = entry.slice();
        damaged[at]! ^= xor;
        let decoded: SignedTransaction;
        try {
          decoded = decodeTransaction(damaged);
        } catch {
          return true;
        }
        return !verifyTransaction(decoded);
      }),
      { numRuns: 500 },
    );
  });

  test('property: the signing input cut from an entry is the one serialized from its transaction', () => {
    // Bodies with anything JSON allows, including members named "sig" (holding other signatures'
    // text), quotes, escapes and non-ASCII text in names and values.
    const sigLike = fc.uint8Array({ minLength: 64, maxLength: 64 }).map(base64Encode);
    const body = fc.dictionary(
      fc.oneof(fc.constant('sig'), fc.string(), fc.constant('"sig"')),
      fc.oneof(
        sigLike,
        fc.string({ unit: 'grapheme' }),
        fc.integer(),
        fc.dictionary(fc.oneof(fc.constant('sig'), fc.string()), fc.oneof(sigLike, fc.string()), {
          maxKeys: 3,
          noNullPrototype: true,
        }),
      ),
      { maxKeys: 6, noNullPrototype: true },
    );
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 1_000_000 }), (b, seq) => {
        const signed = signTransaction(tx({ body: b, seq }), seed);
        const entry = encodeTransaction(signed);
        const { tx: decoded, signingInput } = decodeTransactionEntry(entry);
        assert.deepEqual(decoded, signed);
        assert.deepEqual(signingInput, transactionSigningInput(signed));
      }),
      { numRuns: 300 },
    );
  });
});

describe('isUtcTime', () => {
  /** The rule as first written: a Date.UTC round trip of the fields. isUtcTime must agree with it on every input. */
  function byDateRoundTrip(text: string): boolean {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{3})?Z$/.exec(text);
    if (!m) return false;
    const [, year, month, day, hour, minute, second] = m.map(Number);
    const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
    return (
      date.getUTCFullYear() === year &&
      date.getUTCMonth() === month! - 1 &&
      date.getUTCDate() === day &&
      date.getUTCHours() === hour &&
      date.getUTCMinutes() === minute &&
      date.getUTCSeconds() === second
    );
  }

  test('edges: leap days, month ends, hour 24, leap seconds, years before 0100, other spellings', () => {
    const cases: [string, boolean][] = [
      ['2026-11-21T06:00:00Z', true],
      ['2026-11-21T06:00:00.000Z', true],
      ['2026-11-21T06:00:00.0Z', false],
      ['2026-11-21T06:00:00+00:00', false],
      ['2024-02-29T00:00:00Z', true],
      ['2026-02-29T00:00:00Z', false],
      ['2000-02-29T00:00:00Z', true],
      ['1900-02-29T00:00:00Z', false],
      ['2026-04-31T00:00:00Z', false],
      ['2026-12-31T23:59:59Z', true],
      ['2026-13-01T00:00:00Z', false],
      ['2026-00-10T00:00:00Z', false],
      ['2026-01-00T00:00:00Z', false],
      ['2026-01-01T24:00:00Z', false],
      ['2026-01-01T00:60:00Z', false],
      ['2016-12-31T23:59:60Z', false],
      ['0099-06-01T00:00:00Z', false],
      ['0100-06-01T00:00:00Z', true],
      ['9999-12-31T23:59:59Z', true],
    ];
    for (const [text, expected] of cases) {
      assert.equal(isUtcTime(text), expected, text);
      assert.equal(byDateRoundTrip(text), expected, `reference: ${text}`);
    }
  });

  test('agrees with the Date.UTC round trip on random field values', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        (year, month, day, hour, minute, second) => {
          const text = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}Z`;
          assert.equal(isUtcTime(text), byDateRoundTrip(text), text);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
