import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { base58btcDecode, base58btcEncode } from '../src/base58.js';
import { concatBytes, hexDecode } from '../src/bytes.js';
import {
  DID_KEY_PREFIX,
  didKeyDocument,
  didKeyFromPublicKey,
  publicKeyFromDidKey,
  publicKeyFromVerificationMethodId,
  verificationMethodId,
} from '../src/did-key.js';
import { canonicalize, parseCanonicalJson } from '../src/jcs.js';
import { throwsCode as rejects } from './support/cinnabar-error.js';

interface Vectors {
  ed25519: {
    source: string;
    did: string;
    seed?: string;
    publicKeyBase58?: string;
    verificationMethodId?: string;
    x25519KeyAgreementMultibase?: string;
    x25519PublicKeyBase58?: string;
  }[];
  specDocument: { document: Record<string, unknown> };
  otherKeyTypes: { source: string; did: string; multicodec: string; name: string }[];
  invalid: { source: string; file: string; did: string }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/did-key.json', import.meta.url), 'utf8'),
) as Vectors;

/** "did:key:z" + base58btc(bytes): a did:key over arbitrary bytes, to build hostile DIDs. */
function didOf(...parts: Uint8Array[]): string {
  return `${DID_KEY_PREFIX}z${base58btcEncode(concatBytes(...parts))}`;
}

const HEADER = Uint8Array.of(0xed, 0x01);
const GOOD = vectors.ed25519[0]!.did;
const GOOD_KEY = publicKeyFromDidKey(GOOD);

describe('did:key vectors (w3c-ccg did-method-key, did-key-spec, did-key-test-suite)', () => {
  for (const v of vectors.ed25519) {
    test(`${v.source}: ${v.did}`, () => {
      const publicKey = publicKeyFromDidKey(v.did);
      assert.equal(publicKey.length, 32);
      assert.equal(didKeyFromPublicKey(publicKey), v.did);
      assert.ok(v.did.startsWith('did:key:z6Mk'));
      if (v.publicKeyBase58 !== undefined) assert.deepEqual(publicKey, base58btcDecode(v.publicKeyBase58));
      if (v.seed !== undefined) assert.deepEqual(publicKey, ed25519.getPublicKey(hexDecode(v.seed)));
      if (v.verificationMethodId !== undefined) {
        assert.equal(verificationMethodId(v.did), v.verificationMethodId);
        assert.deepEqual(publicKeyFromVerificationMethodId(v.verificationMethodId), publicKey);
      }
      // The vectors' X25519 key agreement keys are the Montgomery form of the Ed25519 key, with
      // multicodec x25519-pub (0xec 0x01): a check of base58btc and the multicodec prefix on other data.
      const x25519 = ed25519.utils.toMontgomery(publicKey);
      if (v.x25519PublicKeyBase58 !== undefined)
        assert.equal(base58btcEncode(x25519), v.x25519PublicKeyBase58);
      if (v.x25519KeyAgreementMultibase !== undefined) {
        assert.equal(
          `z${base58btcEncode(concatBytes(Uint8Array.of(0xec, 0x01), x25519))}`,
          v.x25519KeyAgreementMultibase,
        );
      }
    });
  }

  test("didKeyDocument matches the spec's Multikey document (without the optional X25519 key agreement)", () => {
    const { keyAgreement: _, ...expected } = vectors.specDocument.document;
    const did = expected.id as string;
    assert.deepEqual(didKeyDocument(did), expected);
    // The document is plain JSON: it canonicalizes, and the canonical text parses back to it.
    assert.deepEqual(parseCanonicalJson(canonicalize(didKeyDocument(did))), expected);
  });

  for (const v of vectors.otherKeyTypes) {
    test(`rejects ${v.name} did:key from the spec: ${v.did.slice(0, 40)}…`, () => {
      const reason =
        v.name === 'bls12_381-g2-pub'
          ? /too long for an Ed25519 key/
          : new RegExp(`multicodec ${v.multicodec} \\(${v.name}\\); only ed25519-pub`);
      rejects(() => publicKeyFromDidKey(v.did), 'malformed_did', reason);
      rejects(() => didKeyDocument(v.did), 'malformed_did', reason);
    });
  }

  const suiteReasons: Record<string, RegExp> = {
    'did:key:tKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b': /must start with "z" \(base58btc\), got "t"/,
    'did:key:zTjsVPtY': /holds 3 key bytes; an Ed25519 public key is 32/,
    'key:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b': /is not a DID: it must start with "did:"/,
    'did:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b': /has method "z6Mk.*", not "key"/,
    'did:key:-v4:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b': /version or extra component/,
    'did:key:6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b': /must start with "z" \(base58btc\), got "6"/,
  };
  for (const v of vectors.invalid) {
    test(`rejects the test suite's ${v.file}`, () => {
      rejects(
        () => publicKeyFromDidKey(v.did),
        'malformed_did',
        suiteReasons[v.did] ?? /is not base58btc: invalid base58/,
      );
    });
  }
});

describe('did:key hostile DIDs', () => {
  const notOnCurve = new Uint8Array(32);
  notOnCurve[0] = 2; // y = 2: (y^2 - 1) / (d y^2 + 1) has no square root mod p
  const identity = new Uint8Array(32);
  identity[0] = 1; // y = 1, x = 0: the neutral element, order 1
  const nonCanonical = hexDecode('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'); // y = p
  const cases: [string, unknown, RegExp][] = [
    ['not a string', 42, /a DID must be a string, got number/],
    ['empty string', '', /is not a DID/],
    [
      'upper-case method',
      GOOD.replace('did:key:', 'did:KEY:'),
      /method "KEY", not "key" \(method names are lowercase\)/,
    ],
    ['upper-case scheme', GOOD.replace('did:', 'DID:'), /is not a DID: it must start with "did:"/],
    ['another method', 'did:web:example.com', /method "web", not "key"/],
    ['wrong prefix "did:key:" missing', GOOD.slice('did:key:'.length), /is not a DID/],
    ['leading whitespace', ` ${GOOD}`, /contains whitespace/],
    ['trailing newline', `${GOOD}\n`, /contains whitespace/],
    ['inner space', GOOD.replace('z6Mk', 'z6 Mk'), /contains whitespace/],
    ['no-break space', `${GOOD}\u00a0`, /contains whitespace/],
    ['empty identifier', 'did:key:', /empty method-specific identifier/],
    ['multibase prefix only', 'did:key:z', /varint is truncated/],
    [
      'base58btc without the multibase "z"',
      `did:key:${GOOD.slice(9)}`,
      /must start with "z" \(base58btc\), got "6"/,
    ],
    ['multibase base64url ("u")', `did:key:u${'7QE'}`, /must start with "z" \(base58btc\), got "u"/],
    ['version component', GOOD.replace('did:key:', 'did:key:1:'), /version or extra component/],
    ['DID URL with fragment', verificationMethodId(GOOD), /is a DID URL \(it has "#"\)/],
    ['DID URL with query', `${GOOD}?service=x`, /is a DID URL \(it has "\?"\)/],
    ['DID URL with path', `${GOOD}/path`, /is a DID URL \(it has "\/"\)/],
    [
      'non-base58 "0"',
      `${GOOD.slice(0, 20)}0${GOOD.slice(21)}`,
      /not base58btc: invalid base58: unexpected character '0' at offset 11/,
    ],
    ['non-base58 "O"', `${GOOD.slice(0, -1)}O`, /unexpected character 'O'/],
    ['non-base58 "I"', `${GOOD.slice(0, -1)}I`, /unexpected character 'I'/],
    ['non-base58 "l"', `${GOOD.slice(0, -1)}l`, /unexpected character 'l'/],
    ['non-ASCII character', `${GOOD.slice(0, -1)}é`, /unexpected character U\+00E9/],
    [
      'truncated by one character',
      GOOD.slice(0, -1),
      /has 47 characters after "did:key:", not the 48 of an Ed25519 did:key \(truncated or extended\?\)/,
    ],
    ['truncated to the header', didOf(HEADER), /holds 0 key bytes/],
    ['truncated key (31 bytes)', didOf(HEADER, GOOD_KEY.subarray(0, 31)), /holds 31 key bytes/],
    ['extra byte', didOf(HEADER, GOOD_KEY, Uint8Array.of(0)), /holds 33 key bytes/],
    ['extra character', `${GOOD}z`, /has 49 characters after "did:key:", not the 48/],
    ['far too long', `${GOOD}${'z'.repeat(100)}`, /too long for an Ed25519 key/],
    [
      'wrong multicodec secp256k1-pub (0xe7)',
      didOf(Uint8Array.of(0xe7, 0x01), GOOD_KEY),
      /multicodec 0xe7 \(secp256k1-pub\)/,
    ],
    [
      'wrong multicodec x25519-pub (0xec)',
      didOf(Uint8Array.of(0xec, 0x01), GOOD_KEY),
      /multicodec 0xec \(x25519-pub\)/,
    ],
    [
      'wrong multicodec p256-pub (0x1200)',
      didOf(Uint8Array.of(0x80, 0x24), GOOD_KEY),
      /multicodec 0x1200 \(p256-pub\)/,
    ],
    ['unknown multicodec', didOf(Uint8Array.of(0x01), GOOD_KEY), /decodes to unknown multicodec 0x1$/],
    ['raw key without multicodec', didOf(GOOD_KEY), /multicodec 0x/],
    [
      '0xed without the varint continuation (0xed 0x00)',
      didOf(Uint8Array.of(0xed, 0x00), GOOD_KEY),
      /not minimally encoded/,
    ],
    [
      'non-minimal varint for 0xed (0xed 0x81 0x00)',
      didOf(Uint8Array.of(0xed, 0x81, 0x00), GOOD_KEY),
      /not minimally encoded/,
    ],
    [
      'varint 0xed as one byte (0x6d, not the varint of 0xed)',
      didOf(Uint8Array.of(0x6d), GOOD_KEY),
      /multicodec 0x6d/,
    ],
    ['unterminated varint', didOf(new Uint8Array(10).fill(0xff)), /truncated or longer than 9 bytes/],
    [
      'not on the curve',
      didOf(HEADER, notOnCurve),
      /not a point on the curve, or not its canonical encoding/,
    ],
    [
      'non-canonical point encoding (y = p)',
      didOf(HEADER, nonCanonical),
      /not a point on the curve, or not its canonical encoding/,
    ],
    ['small-order point (identity)', didOf(HEADER, identity), /a point of small order/],
  ];
  for (const [name, did, reason] of cases) {
    test(name, () => {
      rejects(() => publicKeyFromDidKey(did as string), 'malformed_did', reason);
      rejects(() => verificationMethodId(did as string), 'malformed_did', reason);
    });
  }

  test("verification method ids: the fragment must be the DID's own multibase value", () => {
    const other = vectors.ed25519[1]!.did;
    rejects(() => publicKeyFromVerificationMethodId(GOOD), 'malformed_did', /has no fragment/);
    rejects(
      () => publicKeyFromVerificationMethodId(`${GOOD}#${other.slice(8)}`),
      'malformed_did',
      /fragment must be the DID's multibase value/,
    );
    rejects(() => publicKeyFromVerificationMethodId(`${GOOD}#key-1`), 'malformed_did', /fragment must be/);
    rejects(
      () => publicKeyFromVerificationMethodId(`${other.slice(0, -1)}#x`),
      'malformed_did',
      /truncated or extended/,
    );
  });
});

describe('didKeyFromPublicKey', () => {
  test('rejects what is not a 32-byte valid Ed25519 point of large order', () => {
    rejects(() => didKeyFromPublicKey(new Uint8Array(31)), 'malformed_key', /32 bytes, got 31 bytes/);
    rejects(() => didKeyFromPublicKey(new Uint8Array(33)), 'malformed_key', /got 33 bytes/);
    rejects(() => didKeyFromPublicKey('key' as unknown as Uint8Array), 'malformed_key', /got string/);
    const notOnCurve = new Uint8Array(32);
    notOnCurve[0] = 2;
    rejects(() => didKeyFromPublicKey(notOnCurve), 'malformed_key', /not a point on the curve/);
    const identity = new Uint8Array(32);
    identity[0] = 1;
    rejects(() => didKeyFromPublicKey(identity), 'malformed_key', /small order/);
  });

  test('round trip over random keys: key -> did -> key, and the document names the key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const publicKey = ed25519.getPublicKey(seed);
        const did = didKeyFromPublicKey(publicKey);
        assert.match(did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/);
        assert.deepEqual(publicKeyFromDidKey(did), publicKey);
        const doc = didKeyDocument(did);
        assert.equal(doc.verificationMethod[0]!.publicKeyMultibase, did.slice(8));
        assert.equal(doc.verificationMethod[0]!.id, verificationMethodId(did));
        assert.deepEqual(publicKeyFromVerificationMethodId(verificationMethodId(did)), publicKey);
      }),
      { numRuns: 100 },
    );
  });

  test('the returned key is a copy', () => {
    const key = publicKeyFromDidKey(GOOD);
    key[0] = key[0]! ^ 1;
    assert.deepEqual(publicKeyFromDidKey(GOOD), GOOD_KEY);
  });
});
