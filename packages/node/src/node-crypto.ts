import { createPublicKey, hash, type KeyObject, verify } from 'node:crypto';
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  isStrictEd25519PublicKey,
  useEd25519Verify,
  useSha256,
  verifyEd25519Strict,
} from '@cinnabar/core';

let installed = false;

/**
 * Make core hash and verify signatures with OpenSSL (node:crypto) instead of JavaScript: same
 * answers, far faster.
 */
export function useNodeCrypto(): void {
  if (installed) return;
  // crypto.hash is the one-shot form: about half the per-call cost of createHash for short inputs.
  useSha256((data) => {
    const digest = hash('sha256', data, 'buffer');
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  });
  useEd25519Verify(verifyEd25519Node);
  installed = true;
}

// Ed25519 through OpenSSL, with core's verdict (verifyEd25519Strict: @noble/curves, zip215: false).
//
// OpenSSL checks the cofactorless equation R = [S]B - [k]A by encoding the right-hand side and
// comparing bytes with R; strict noble checks the cofactored one and also refuses non-canonical
// encodings, small-order keys and S >= L ("Taming the many EdDSAs", Chalkias et al. 2020). So:
//   - a key that strict noble refuses (non-canonical, small order) makes every verdict false; that
//     is decided once per key, with core's own check, and cached with the key's KeyObject;
//   - S >= L, or a non-canonical R, is false at once (strict noble refuses both);
//   - otherwise A and R have one decoding each, and OpenSSL's "true" means R = [S]B - [k]A, which
//     implies the cofactored equation: strict noble says true as well;
//   - OpenSSL's "false" is not final: the cofactored equation may still hold when A or R has a
//     small-order component (speccheck cases 4 and 5). Those, like every invalid signature, are
//     settled by strict noble itself. Honest signatures never take that path; a flood of invalid
//     ones costs the node what it cost before OpenSSL was used.
// packages/node/test/ed25519-consensus.test.ts checks the verdicts against noble's.

/** Most public keys kept as OpenSSL KeyObjects (least recently used evicted first). */
export const ED25519_KEY_CACHE_SIZE = 16_384;

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4), before the 32 key bytes. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A cached key: its KeyObject, 'refused' where strict noble refuses it, 'noble' if OpenSSL would not load it. */
type CachedKey = KeyObject | 'refused' | 'noble';
const keys = new Map<string, CachedKey>();

function cachedKey(publicKey: Uint8Array): CachedKey {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
  let key = keys.get(id);
  if (key !== undefined) {
    // Map order is insertion order: moving a hit to the end makes eviction least-recently-used.
    keys.delete(id);
    keys.set(id, key);
    return key;
  }
  if (!isStrictEd25519PublicKey(publicKey)) key = 'refused';
  else {
    try {
      key = createPublicKey({
        key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
        format: 'der',
        type: 'spki',
      });
    } catch {
      key = 'noble';
    }
  }
  keys.set(id, key);
  if (keys.size > ED25519_KEY_CACHE_SIZE) keys.delete(keys.keys().next().value!);
  return key;
}

/** L = 2^252 + 27742317777372353535851937790883648493, the order of the base point, little-endian. */
const L = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');

/** Whether the signature's S (its last 32 bytes, little-endian) is below L. */
function isReducedScalar(signature: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!;
    const l = L[i]!;
    if (s !== l) return s < l;
  }
  return false; // S = L
}

/**
 * Whether the signature's R (its first 32 bytes) is a canonical point encoding as far as bytes
 * tell: y < p = 2^255 - 19, and not x = 0 with the sign bit set (y = 1 or y = p - 1). Whether y is
 * on the curve at all is left to the verifiers (neither accepts an R that is not).
 */
function isCanonicalR(signature: Uint8Array): boolean {
  let allOnes = (signature[31]! & 0x7f) === 0x7f;
  let allZeros = (signature[31]! & 0x7f) === 0;
  for (let i = 1; i < 31; i++) {
    allOnes &&= signature[i] === 0xff;
    allZeros &&= signature[i] === 0;
  }
  const first = signature[0]!;
  if (allOnes && first >= 0xed) return false; // y >= p
  const signBit = (signature[31]! & 0x80) !== 0;
  if (signBit && allOnes && first === 0xec) return false; // y = p - 1, x = 0, "-0"
  if (signBit && allZeros && first === 1) return false; // y = 1, x = 0, "-0"
  return true;
}

/** Whether the inputs can only be refused: sizes, the key, S and R. Otherwise the key to check with. */
function precheck(
  signature: Uint8Array,
  publicKey: Uint8Array,
): { verdict: false } | { key: KeyObject | 'noble' } {
  if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_PUBLIC_KEY_BYTES)
    return { verdict: false };
  const key = cachedKey(publicKey);
  if (key === 'refused' || !isReducedScalar(signature) || !isCanonicalR(signature)) return { verdict: false };
  return { key };
}

/** Core's strict Ed25519 verdict (verifyEd25519Strict), computed with OpenSSL wherever that is exact. */
export function verifyEd25519Node(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  const checked = precheck(signature, publicKey);
  if ('verdict' in checked) return false;
  if (checked.key !== 'noble') {
    try {
      if (verify(null, message, checked.key, signature)) return true;
    } catch {
      // Settled below.
    }
  }
  return verifyEd25519Strict(signature, message, publicKey);
}
