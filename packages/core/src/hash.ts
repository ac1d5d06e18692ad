import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** Size in bytes of every hash in the log (SHA-256). */
export const HASH_SIZE = 32;

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
