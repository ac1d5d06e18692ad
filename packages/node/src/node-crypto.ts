import { createPublicKey, hash, type KeyObject, verify } from 'node:crypto';
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  isStrictEd25519PublicKey,
  useEd25519Verify,
  useSha256,
  verifyEd25519Strict,
} from '@cinnabar/core';
import { buildKeyTable, keyTablesInUse, verifyWithKeyTable } from './ed25519-tables.js';

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
// The per-key tables (ed25519-tables.ts) compute the same cofactorless equation as OpenSSL, faster,
// and take its place in all of the above.
// packages/node/test/ed25519-consensus.test.ts checks the verdicts against noble's.

/** Most public keys kept as OpenSSL KeyObjects (least recently used evicted first). */
export const ED25519_KEY_CACHE_SIZE = 16_384;
/**
 * Most per-key tables kept (ed25519-tables.ts; 40 KB each, so at most 20 MB a thread), least
 * recently used evicted first. A key gets one at its second signature: one-off keys never do.
 * Building one costs less than one OpenSSL verification, so even a workload that evicts every
 * table before its key comes back costs about what OpenSSL alone would.
 */
export const ED25519_TABLE_CACHE_SIZE = 512;

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4), before the 32 key bytes. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A cached key: its KeyObject, 'refused' where strict noble refuses it, 'noble' if OpenSSL would not load it. */
interface CachedKey {
  key: KeyObject | 'refused' | 'noble';
  /** Whether a signature by it has been checked before (the next one gets a table). */
  seen: boolean;
}
const keys = new Map<string, CachedKey>();
const tables = new Map<string, Uint8Array>();

/** Move a hit to the end of its map: Map order is insertion order, so eviction is least-recently-used. */
function touch<V>(map: Map<string, V>, id: string): V | undefined {
  const value = map.get(id);
  if (value !== undefined) {
    map.delete(id);
    map.set(id, value);
  }
  return value;
}

function cachedKey(id: string, publicKey: Uint8Array): CachedKey {
  const hit = touch(keys, id);
  if (hit) return hit;
  let key: CachedKey['key'];
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
  const cached = { key, seen: false };
  keys.set(id, cached);
  if (keys.size > ED25519_KEY_CACHE_SIZE) keys.delete(keys.keys().next().value!);
  return cached;
}

/** The key's table if it has one or this is its second signature or later (and tables are in use). */
function keyTable(id: string, cached: CachedKey, publicKey: Uint8Array): Uint8Array | undefined {
  if (!keyTablesInUse()) return undefined;
  let table = touch(tables, id);
  if (table) return table;
  if (!cached.seen) {
    cached.seen = true;
    return undefined;
  }
  table = buildKeyTable(publicKey);
  if (!table) return undefined;
  tables.set(id, table);
  if (tables.size > ED25519_TABLE_CACHE_SIZE) tables.delete(tables.keys().next().value!);
  return table;
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
): { verdict: false } | { id: string; cached: CachedKey } {
  if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_PUBLIC_KEY_BYTES)
    return { verdict: false };
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
  const cached = cachedKey(id, publicKey);
  if (cached.key === 'refused' || !isReducedScalar(signature) || !isCanonicalR(signature))
    return { verdict: false };
  return { id, cached };
}

/**
 * Core's strict Ed25519 verdict (verifyEd25519Strict), computed with OpenSSL's equation wherever
 * that is exact: with the key's table (ed25519-tables.ts) from its second signature on, with
 * OpenSSL itself before that or without the addon.
 */
export function verifyEd25519Node(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  const checked = precheck(signature, publicKey);
  if ('verdict' in checked) return false;
  const { key } = checked.cached;
  if (key !== 'noble' && key !== 'refused') {
    try {
      const table = keyTable(checked.id, checked.cached, publicKey);
      if (
        table
          ? verifyWithKeyTable(table, signature, message, publicKey)
          : verify(null, message, key, signature)
      )
        return true;
    } catch {
      // Settled below.
    }
  }
  return verifyEd25519Strict(signature, message, publicKey);
}
