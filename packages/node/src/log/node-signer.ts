import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { type NoteSigner, signerFromKey } from '@cinnabar/core';

// PKCS #8 prefix for an Ed25519 private key (RFC 8410 §7): the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/**
 * A note signer backed by OpenSSL through node:crypto: the same deterministic Ed25519 signatures
 * as core's signer (RFC 8032), several times faster, which matters because every batch signs a
 * checkpoint. The key text is parsed and checked by core.
 */
export function nodeNoteSigner(skey: string): NoteSigner {
  const portable = signerFromKey(skey);
  const seed = seedFromSkey(skey);
  const der = new Uint8Array(ED25519_PKCS8_PREFIX.length + seed.length);
  der.set(ED25519_PKCS8_PREFIX);
  der.set(seed, ED25519_PKCS8_PREFIX.length);
  const key: KeyObject = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  return {
    name: portable.name,
    keyId: portable.keyId,
    sign: (message) => new Uint8Array(sign(null, message, key)),
  };
}

/** The 32-byte seed of a "PRIVATE+KEY+name+id+base64(0x01||seed)" key (already checked by core). */
function seedFromSkey(skey: string): Uint8Array {
  const encoded = skey.split('+').slice(4).join('+');
  const raw = Buffer.from(encoded, 'base64');
  return new Uint8Array(raw.subarray(1, 33));
}
