import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexDecode } from '../src/bytes.js';
import {
  isStrictEd25519PublicKey,
  useEd25519Verify,
  useStrictEd25519Verify,
  verifyEd25519,
  verifyEd25519Strict,
} from '../src/ed25519-verify.js';

// RFC 8032 §7.1 TEST 1: the empty message.
const PUBLIC_KEY = hexDecode('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const SIGNATURE = hexDecode(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);

test('verifyEd25519 gives the RFC 8032 §7.1 TEST 1 answer, and false (never a throw) for bad input', () => {
  assert.equal(verifyEd25519(SIGNATURE, new Uint8Array(0), PUBLIC_KEY), true);
  assert.equal(verifyEd25519(SIGNATURE, Uint8Array.of(0), PUBLIC_KEY), false);
  assert.equal(verifyEd25519(SIGNATURE.subarray(1), new Uint8Array(0), PUBLIC_KEY), false);
  assert.equal(verifyEd25519(SIGNATURE, new Uint8Array(0), PUBLIC_KEY.subarray(1)), false);
});

test('isStrictEd25519PublicKey: canonical, on the curve, not of small order', () => {
  assert.equal(isStrictEd25519PublicKey(PUBLIC_KEY), true);
  assert.equal(isStrictEd25519PublicKey(hexDecode(`01${'00'.repeat(31)}`)), false); // the identity
  assert.equal(isStrictEd25519PublicKey(hexDecode(`ec${'ff'.repeat(31)}`)), false); // "-0", non-canonical
  assert.equal(isStrictEd25519PublicKey(hexDecode(`ee${'ff'.repeat(30)}7f`)), false); // y = p + 1
  assert.equal(isStrictEd25519PublicKey(PUBLIC_KEY.subarray(1)), false);
});

test('useEd25519Verify refuses a replacement that differs from the strict verdict, and keeps the old one', () => {
  assert.throws(() => useEd25519Verify(() => true), /known answer/);
  assert.throws(() => useEd25519Verify(() => false), /known answer/);
  // ZIP 215 is the usual consensus choice elsewhere, but not Cinnabar's: its verdicts differ.
  assert.throws(
    () => useEd25519Verify((s, m, a) => ed25519.verify(s, m, a, { zip215: true })),
    /known answer/,
  );
  assert.throws(
    () =>
      useEd25519Verify(() => {
        throw new Error('boom');
      }),
    /throws/,
  );
  assert.equal(verifyEd25519(SIGNATURE, new Uint8Array(0), PUBLIC_KEY), true);
});

test('useEd25519Verify accepts an identical verifier, and useStrictEd25519Verify puts the reference back', () => {
  let calls = 0;
  useEd25519Verify((s, m, a) => {
    calls++;
    return verifyEd25519Strict(s, m, a);
  });
  const before = calls;
  assert.equal(verifyEd25519(SIGNATURE, new Uint8Array(0), PUBLIC_KEY), true);
  assert.equal(calls, before + 1);
  useStrictEd25519Verify();
  verifyEd25519(SIGNATURE, new Uint8Array(0), PUBLIC_KEY);
  assert.equal(calls, before + 1);
});
