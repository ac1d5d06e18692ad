// Ed25519 signature checks for everything the ledger verifies (transactions, upload
// authorizations, credential proofs), with one verdict everywhere: @noble/curves' strict RFC 8032
// verifier (zip215: false). That is, A and R must be canonical encodings (y < p, no "-0"), A must
// not be of small order, S must be below L, and the cofactored equation [8][S]B = [8]R + [8][k]A
// must hold. A node may swap in a faster verifier (useEd25519Verify), but only one that gives these
// same verdicts: replaying the log anywhere, a browser included, must accept exactly what the node
// accepted.

import { ed25519 } from '@noble/curves/ed25519.js';
import { hexDecode } from './bytes.js';

/** Size in bytes of an Ed25519 public key. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** Size in bytes of an Ed25519 signature (R || S). */
export const ED25519_SIGNATURE_BYTES = 64;

/** Whether `signature` is `publicKey`'s over `message`; false, never a throw, for anything else. */
export type Ed25519Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/** The reference verdict: @noble/curves, strict RFC 8032 decoding, cofactored equation. */
export function verifyEd25519Strict(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_PUBLIC_KEY_BYTES)
    return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Whether verifyEd25519Strict can accept any signature by `publicKey`: 32 bytes that are the
 * canonical encoding of a curve point not of small order. For a key that is not, every verdict is
 * false (a fast verifier can cache this per key).
 */
export function isStrictEd25519PublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}

let implementation: Ed25519Verify = verifyEd25519Strict;

/** Whether `signature` is `publicKey`'s Ed25519 signature over `message` (see the file comment). */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return implementation(signature, message, publicKey);
}

/**
 * Swap in a faster Ed25519 verifier where the platform has one (the node uses OpenSSL through
 * node:crypto, about twenty times faster). It must give verifyEd25519Strict's verdict for every
 * input; it is checked against the reference on known answers, the edge cases where common
 * verifiers disagree included, before it is accepted (throws if it differs on any).
 */
export function useEd25519Verify(replacement: Ed25519Verify): void {
  for (const [i, { signature, message, publicKey }] of knownAnswerInputs().entries()) {
    const expected = verifyEd25519Strict(signature, message, publicKey);
    let actual: unknown;
    try {
      actual = replacement(signature, message, publicKey);
    } catch (error) {
      throw new Error(`the replacement Ed25519 verifier throws on known answer ${i}`, { cause: error });
    }
    if (actual !== expected)
      throw new Error(
        `the replacement Ed25519 verifier says ${String(actual)} on known answer ${i}, not ${expected}`,
      );
  }
  implementation = replacement;
}

/** Put the reference verifier back (for tests). */
export function useStrictEd25519Verify(): void {
  implementation = verifyEd25519Strict;
}

// Edge cases from "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, SSR 2020), as published
// in https://github.com/novifinancial/ed25519-speccheck cases.txt (the full set of 12 is in
// packages/node/test/vectors/ed25519-speccheck.json). [message, public key, signature], hex.
const SPECCHECK: readonly (readonly [string, string, string])[] = [
  // 0: S = 0, small-order A and R (OpenSSL accepts; strict rejects the small-order key).
  [
    '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000',
  ],
  // 4: mixed-order A and R, passes only the cofactored equation (OpenSSL rejects; strict accepts).
  [
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09',
  ],
  // 6: S > L.
  [
    '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514',
  ],
  // 8: non-canonical R.
  [
    '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f',
  ],
  // 11: non-canonical A (OpenSSL accepts).
  [
    '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  ],
];

// RFC 8032 §7.1 TEST 1 (empty message).
const RFC8032_TEST_1 = {
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  signature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};

/** Group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L_BYTES = hexDecode('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

interface KnownAnswerInput {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
}

function knownAnswerInputs(): KnownAnswerInput[] {
  const publicKey = hexDecode(RFC8032_TEST_1.publicKey);
  const signature = hexDecode(RFC8032_TEST_1.signature);
  const message = new Uint8Array(0);
  // S + L: the same signature with a non-reduced scalar (malleability).
  const unreduced = Uint8Array.from(signature);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = unreduced[32 + i]! + L_BYTES[i]! + carry;
    unreduced[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  const flipped = Uint8Array.from(signature);
  flipped[63] = flipped[63]! ^ 0x01;
  return [
    { signature, message, publicKey },
    { signature, message: Uint8Array.of(0), publicKey },
    { signature: flipped, message, publicKey },
    { signature: unreduced, message, publicKey },
    { signature: signature.subarray(0, 63), message, publicKey },
    ...SPECCHECK.map(([m, a, s]) => ({
      message: hexDecode(m),
      publicKey: hexDecode(a),
      signature: hexDecode(s),
    })),
  ];
}
