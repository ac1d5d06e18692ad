// The node verifies Ed25519 with OpenSSL and its own per-key tables (node-crypto.ts,
// ed25519-tables.ts); anyone replaying the log verifies with core's strict @noble/curves verifier.
// All must give the same verdict on every input, or a browser replaying the log would refuse what
// the node accepted (or the other way round). Checked on the edge cases of "Taming the many
// EdDSAs" (vectors/ed25519-speccheck.json) and Wycheproof's suite (vectors/wycheproof-ed25519.json),
// on signatures that only the cofactored equation accepts, and on random valid and invalid ones.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import {
  base64Encode,
  concatBytes,
  decodeTransaction,
  didKeyFromPublicKey,
  encodeTransaction,
  hexDecode,
  type Transaction,
  transactionSigningInput,
  useEd25519Verify,
  verifyEd25519,
  verifyEd25519Strict,
  verifyTransaction,
} from '@cinnabar/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import {
  buildKeyTable,
  ED25519_TABLES_ADDON_PATH,
  ed25519TablesUnavailable,
  verifyWithKeyTable,
} from '../src/ed25519-tables.js';
import { VerifyPool } from '../src/ledger/verify-pool.js';
import { useNodeCrypto, verifyEd25519Node } from '../src/node-crypto.js';

interface SpeccheckCase {
  case: number;
  description: string;
  message: string;
  publicKey: string;
  signature: string;
  strict: boolean;
  openssl: boolean;
}

interface WycheproofCase {
  tcId: number;
  publicKey: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
  flags: string[];
  comment: string;
}

const wycheproof = JSON.parse(
  readFileSync(new URL('./vectors/wycheproof-ed25519.json', import.meta.url), 'utf8'),
) as { source: string; numberOfTests: number; tests: WycheproofCase[] };

const speccheck = JSON.parse(
  readFileSync(new URL('./vectors/ed25519-speccheck.json', import.meta.url), 'utf8'),
) as { source: string; cases: SpeccheckCase[] };

type Point = ReturnType<typeof ed25519.Point.fromBytes>;
const B = ed25519.Point.BASE;
/** The order of the base point. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const SPKI_ED25519_PREFIX = hexDecode('302a300506032b6570032100');
const PKCS8_ED25519_PREFIX = hexDecode('302e020100300506032b657004220420');

/** The eight points of order dividing 8 (EIGHT_TORSION in ed25519-speccheck src/main.rs). */
const TORSION: Point[] = Array.from({ length: 8 }, (_, i) =>
  ed25519.Point.fromBytes(
    hexDecode('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa'),
  ).multiply(BigInt(i + 1)),
);

function le(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function leBytes(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

const mod = (n: bigint) => ((n % L) + L) % L;
/** A scalar in [1, L) from 32 random bytes. */
const scalar = (bytes: Uint8Array) => mod(le(bytes)) || 1n;

/** OpenSSL's own verdict, without the node's checks around it. */
function opensslVerdict(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.from(concatBytes(SPKI_ED25519_PREFIX, publicKey)),
      format: 'der',
      type: 'spki',
    });
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * Every verifier the node has, with the strict verdict: all must agree. The node checks a key's
 * first signature with OpenSSL and later ones with the key's table: twice here, so both are seen.
 */
async function assertSameVerdict(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  what: string,
): Promise<boolean> {
  const strict = verifyEd25519Strict(signature, message, publicKey);
  assert.equal(verifyEd25519Node(signature, message, publicKey), strict, `${what}: node (sync)`);
  assert.equal(verifyEd25519Node(signature, message, publicKey), strict, `${what}: node (sync, again)`);
  assert.equal(await pool.verify({ signature, message, publicKey }), strict, `${what}: node (worker)`);
  return strict;
}

/**
 * A signature by the key A = [a]B + T (T of small order) whose R = [r]B + U (U of small order):
 * [S]B = [r]B + [k][a]B with S = r + k·a, so R + [k]A - [S]B = U + [k]T is of small order and the
 * cofactored equation always holds; the cofactorless one holds only when U + [k]T is the identity.
 */
function mixedOrderSignature(
  a: bigint,
  t: Point,
  r: bigint,
  u: Point,
  message: Uint8Array,
): { publicKey: Uint8Array; signature: Uint8Array } {
  const publicKey = B.multiply(a).add(t).toBytes();
  const R = B.multiply(r).add(u).toBytes();
  const k = mod(le(sha512(concatBytes(R, publicKey, message))));
  return { publicKey, signature: concatBytes(R, leBytes(mod(r + k * a))) };
}

/** The node's worker threads (ledger/verify-pool.ts), two so that batches alternate between them. */
const pool = new VerifyPool(2);
after(() => pool.close());

describe('Ed25519: the node gives core strict verdict (consensus)', () => {
  test(`"Taming the many EdDSAs" edge cases (ed25519-speccheck, ${speccheck.cases.length} vectors)`, async () => {
    assert.equal(speccheck.cases.length, 12);
    for (const c of speccheck.cases) {
      const [m, a, s] = [hexDecode(c.message), hexDecode(c.publicKey), hexDecode(c.signature)];
      const what = `case ${c.case} (${c.description})`;
      assert.equal(await assertSameVerdict(s, m, a, what), c.strict, `${what}: strict`);
      // The recorded OpenSSL verdicts show what the node's checks around OpenSSL are for.
      assert.equal(opensslVerdict(s, m, a), c.openssl, `${what}: OpenSSL alone`);
    }
  });

  test(`Wycheproof's Ed25519 suite (${wycheproof.tests.length} vectors): every verifier gives its result`, async () => {
    assert.equal(wycheproof.tests.length, wycheproof.numberOfTests);
    for (const c of wycheproof.tests) {
      const [m, a, s] = [hexDecode(c.msg), hexDecode(c.publicKey), hexDecode(c.sig)];
      const what = `tcId ${c.tcId} (${c.comment || c.flags.join(', ')})`;
      assert.notEqual(c.result, 'acceptable', what);
      assert.equal(await assertSameVerdict(s, m, a, what), c.result === 'valid', what);
    }
  });

  test('core refuses as a did:key every key strict verification refuses (speccheck cases 0, 1, 10, 11)', () => {
    for (const c of speccheck.cases) {
      const key = hexDecode(c.publicKey);
      const refused = [0, 1, 10, 11].includes(c.case);
      if (refused) assert.throws(() => didKeyFromPublicKey(key), `case ${c.case}`);
      else assert.match(didKeyFromPublicKey(key), /^did:key:z/, `case ${c.case}`);
    }
  });

  test('the raw OpenSSL verifier is refused as a replacement: it differs on the known answers', () => {
    assert.throws(() => useEd25519Verify(opensslVerdict), /known answer/);
  });

  test('signatures only the cofactored equation accepts (mixed-order A and R): accepted, like noble', async () => {
    let cofactoredOnly = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 7 }),
        fc.uint8Array({ maxLength: 300 }),
        async (aBytes, rBytes, t, u, message) => {
          const { publicKey, signature } = mixedOrderSignature(
            scalar(aBytes),
            TORSION[t]!,
            scalar(rBytes),
            TORSION[u]!,
            message,
          );
          // A small-order key (t = 7 is the identity: A = [a]B) is fine; strict accepts all of these.
          assert.equal(await assertSameVerdict(signature, message, publicKey, 'cofactored'), true);
          if (!opensslVerdict(signature, message, publicKey)) cofactoredOnly++;
        },
      ),
      { numRuns: 150 },
    );
    assert.ok(cofactoredOnly > 50, `only ${cofactoredOnly} runs needed the cofactored equation`);
  });

  test('random valid signatures, and every kind of damage to them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('signature', 'message', 'key', 'S+L', 'R=-0', 'S=0', 'random signature'),
        async (seed, message, at, xor, damage) => {
          const publicKey = ed25519.getPublicKey(seed);
          const key = createPrivateKey({
            key: Buffer.from(concatBytes(PKCS8_ED25519_PREFIX, seed)),
            format: 'der',
            type: 'pkcs8',
          });
          const signature = new Uint8Array(nodeSign(null, message, key));
          assert.equal(await assertSameVerdict(signature, message, publicKey, 'valid'), true);
          const [s, m, a] = [
            Uint8Array.from(signature),
            Uint8Array.from(message),
            Uint8Array.from(publicKey),
          ];
          switch (damage) {
            case 'signature':
              s[at % 64] = s[at % 64]! ^ xor;
              break;
            case 'message':
              if (m.length === 0) return;
              m[at % m.length] = m[at % m.length]! ^ xor;
              break;
            case 'key':
              a[at % 32] = a[at % 32]! ^ xor;
              break;
            case 'S+L':
              s.set(leBytes(le(s.subarray(32)) + L), 32);
              break;
            case 'R=-0':
              s.set(at % 2 ? hexDecode(`01${'00'.repeat(30)}80`) : hexDecode(`ec${'ff'.repeat(31)}`), 0);
              break;
            case 'S=0':
              s.fill(0, 32);
              break;
            case 'random signature':
              s.set(sha512(concatBytes(seed, leBytes(BigInt(at)))));
              break;
          }
          await assertSameVerdict(s, m, a, damage);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('small-order keys, canonical or not, with every small-order R and S = 0 or random', async () => {
    const encodings = [
      ...TORSION.map((p) => p.toBytes()),
      // Non-canonical encodings: y + p where that still fits, and x = 0 with the sign bit set.
      hexDecode(`ee${'ff'.repeat(30)}7f`),
      hexDecode(`ed${'ff'.repeat(30)}7f`),
      hexDecode(`ec${'ff'.repeat(31)}`),
      hexDecode(`01${'00'.repeat(30)}80`),
    ];
    const message = new TextEncoder().encode('small order');
    for (const a of encodings)
      for (const r of encodings)
        for (const s of [new Uint8Array(32), sha512(concatBytes(a, r)).subarray(0, 32)]) {
          s[31] = s[31]! & 0x0f;
          assert.equal(await assertSameVerdict(concatBytes(r, s), message, a, 'small order'), false);
        }
  });

  test('checks asked for together go to the workers in batches, each answered in its place', async () => {
    const checks = Array.from({ length: 300 }, (_, i) => {
      const seed = sha512(leBytes(BigInt(i))).subarray(0, 32);
      const message = sha512(leBytes(BigInt(i + 1000))).subarray(0, i % 64);
      const signature = ed25519.sign(message, seed);
      if (i % 3 === 1) signature[i % 64] = signature[i % 64]! ^ 1;
      return {
        signature,
        message,
        publicKey: ed25519.getPublicKey(i % 5 === 2 ? sha512(seed).subarray(0, 32) : seed),
      };
    });
    const verdicts = await Promise.all(checks.map((c) => pool.verify(c)));
    const expected = checks.map((c) => verifyEd25519Strict(c.signature, c.message, c.publicKey));
    assert.deepEqual(verdicts, expected);
    assert.ok(expected.includes(true) && expected.includes(false));
  });

  test('wrong sizes are false, never a throw', async () => {
    const publicKey = ed25519.getPublicKey(new Uint8Array(32));
    const signature = ed25519.sign(new Uint8Array(0), new Uint8Array(32));
    await assertSameVerdict(signature.subarray(0, 63), new Uint8Array(0), publicKey, 'short signature');
    await assertSameVerdict(concatBytes(signature, Uint8Array.of(0)), new Uint8Array(0), publicKey, 'long');
    await assertSameVerdict(signature, new Uint8Array(0), publicKey.subarray(0, 31), 'short key');
  });

  test('verifyTransaction after useNodeCrypto: a cofactored-only signature by a mixed-order did:key is valid', () => {
    useNodeCrypto();
    // Find a nonce whose signature OpenSSL refuses, so that the node's settling path is exercised.
    for (let r = 1n; ; r++) {
      const a = 0x1234567890abcdefn;
      const publicKey = B.multiply(a).add(TORSION[0]!).toBytes();
      const tx: Transaction = {
        v: 1,
        type: 'identity.register',
        actor: didKeyFromPublicKey(publicKey),
        seq: 1,
        time: '2026-03-01T00:00:00Z',
        body: { kind: 'person', name: 'Mixed order' },
      };
      const message = transactionSigningInput(tx);
      const { signature } = mixedOrderSignature(a, TORSION[0]!, r, TORSION[2]!, message);
      if (opensslVerdict(signature, message, publicKey)) continue;
      const signed = decodeTransaction(encodeTransaction({ ...tx, sig: base64Encode(signature) }));
      assert.equal(verifyEd25519Strict(signature, message, publicKey), true);
      assert.equal(verifyEd25519(signature, message, publicKey), true);
      assert.equal(verifyTransaction(signed), true);
      const forged = { ...signed, seq: 2 };
      assert.equal(verifyTransaction(forged), false);
      break;
    }
  });
});

describe('Ed25519: a key table gives OpenSSL its own verdict (native/ed25519_tables.c)', () => {
  test('the native verifier is built and in use', () => {
    assert.equal(
      ed25519TablesUnavailable(),
      undefined,
      `${ED25519_TABLES_ADDON_PATH} is missing: npm run build makes it, with a C compiler (cc) and Node's headers`,
    );
  });

  /** The table's verdict, for a key that decodes and an S below L (what the node asks it). */
  function tableVerdict(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    const table = buildKeyTable(publicKey);
    assert.ok(table, 'a table for a point');
    return verifyWithKeyTable(table, signature, message, publicKey);
  }
  const decodes = (publicKey: Uint8Array) => {
    try {
      ed25519.Point.fromBytes(publicKey, false);
      return true;
    } catch {
      return false;
    }
  };
  const belowL = (signature: Uint8Array) => le(signature.subarray(32)) < L;

  test('speccheck vectors: where the key decodes and S < L, OpenSSL says what the table says', () => {
    let compared = 0;
    for (const c of speccheck.cases) {
      const [m, a, s] = [hexDecode(c.message), hexDecode(c.publicKey), hexDecode(c.signature)];
      if (!decodes(a) || !belowL(s)) continue;
      assert.equal(tableVerdict(s, m, a), opensslVerdict(s, m, a), `case ${c.case}`);
      compared++;
    }
    assert.ok(compared >= 8, `${compared} cases compared`);
  });

  test('Wycheproof vectors: where the signature is 64 bytes and S < L, OpenSSL says what the table says', () => {
    let compared = 0;
    for (const c of wycheproof.tests) {
      const [m, a, s] = [hexDecode(c.msg), hexDecode(c.publicKey), hexDecode(c.sig)];
      if (s.length !== 64 || !belowL(s)) continue;
      assert.equal(tableVerdict(s, m, a), opensslVerdict(s, m, a), `tcId ${c.tcId}`);
      compared++;
    }
    assert.ok(compared > 100, `${compared} vectors compared`);
  });

  test('random keys, valid and damaged signatures, mixed-order keys and nonces: OpenSSL agrees every time', async () => {
    let valid = 0;
    let cofactoredOnly = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        // Half the time no torsion (TORSION[7] is the identity), and half the time no damage.
        fc.integer({ min: 0, max: 14 }),
        fc.integer({ min: 0, max: 14 }),
        fc.uint8Array({ maxLength: 1500 }),
        fc.nat(),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
        async (aBytes, rBytes, t, u, message, at, xor) => {
          const { publicKey, signature } = mixedOrderSignature(
            scalar(aBytes),
            TORSION[Math.min(t, 7)]!,
            scalar(rBytes),
            TORSION[Math.min(u, 7)]!,
            message,
          );
          // xor = 0 leaves it as signed; otherwise one byte of the signature or the message changes.
          if (xor !== 0 && at % 2 === 0) signature[(at >> 1) % 64] = signature[(at >> 1) % 64]! ^ xor;
          else if (xor !== 0 && message.length > 0)
            message[(at >> 1) % message.length] = message[(at >> 1) % message.length]! ^ xor;
          if (!belowL(signature)) return;
          const openssl = opensslVerdict(signature, message, publicKey);
          assert.equal(tableVerdict(signature, message, publicKey), openssl);
          if (openssl) valid++;
          else if (verifyEd25519Strict(signature, message, publicKey)) cofactoredOnly++;
        },
      ),
      { numRuns: 400 },
    );
    assert.ok(valid > 20 && cofactoredOnly > 20, `${valid} valid, ${cofactoredOnly} valid for strict only`);
  });

  test('bytes that name no point, or name one non-canonically, get no table', () => {
    const notOnCurve = Array.from({ length: 40 }, (_, i) => leBytes(BigInt(i + 2))).filter(
      (y) => !decodes(y),
    );
    assert.ok(notOnCurve.length > 5);
    for (const y of notOnCurve) assert.equal(buildKeyTable(y), undefined);
    assert.equal(buildKeyTable(hexDecode(`ee${'ff'.repeat(30)}7f`)), undefined, 'y = p + 1');
    assert.equal(buildKeyTable(hexDecode(`01${'00'.repeat(30)}80`)), undefined, 'x = 0 with the sign bit');
    assert.ok(buildKeyTable(hexDecode(`01${'00'.repeat(31)}`)), 'the identity is a point');
  });

  test("wrong arguments, another key's table among them, are a TypeError from the addon, not a crash", () => {
    const publicKey = ed25519.getPublicKey(new Uint8Array(32));
    const signature = ed25519.sign(new Uint8Array(0), new Uint8Array(32));
    const table = buildKeyTable(publicKey)!;
    const empty = new Uint8Array(0);
    assert.equal(verifyWithKeyTable(table, signature, empty, publicKey), true);
    assert.throws(() => verifyWithKeyTable(table.subarray(8), signature, empty, publicKey), TypeError);
    assert.throws(() => verifyWithKeyTable(table, signature.subarray(1), empty, publicKey), TypeError);
    assert.throws(() => verifyWithKeyTable(table, signature, empty, publicKey.subarray(1)), TypeError);
    const otherTable = buildKeyTable(ed25519.getPublicKey(Uint8Array.of(1, ...new Uint8Array(31))))!;
    assert.throws(
      () => verifyWithKeyTable(otherTable, signature, empty, publicKey),
      /not the table of publicKey/,
    );
    const bigS = Uint8Array.from(signature);
    bigS[63] = 0xff;
    assert.throws(() => verifyWithKeyTable(table, bigS, empty, publicKey), TypeError);
  });
});
