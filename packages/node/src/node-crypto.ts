import { createHash } from 'node:crypto';
import { useSha256 } from '@cinnabar/core';

let installed = false;

/** Make core hash with OpenSSL (node:crypto) instead of JavaScript: same answers, far faster. */
export function useNodeCrypto(): void {
  if (installed) return;
  useSha256((data) => {
    const digest = createHash('sha256').update(data).digest();
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  });
  installed = true;
}
