import { hash } from 'node:crypto';
import { useSha256 } from '@cinnabar/core';

let installed = false;

/** Make core hash with OpenSSL (node:crypto) instead of JavaScript: same answers, far faster. */
export function useNodeCrypto(): void {
  if (installed) return;
  // crypto.hash is the one-shot form: about half the per-call cost of createHash for short inputs.
  useSha256((data) => {
    const digest = hash('sha256', data, 'buffer');
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  });
  installed = true;
}
