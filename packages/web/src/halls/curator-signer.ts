/**
 * Who signs a curator's space.create and space.update: the browser's key session (src/keys/
 * session.ts), which signs in the page and posts /v1/tx. A curator without a key in this browser
 * imports one here from its seed (64 hex characters), as a key file the session opens and keeps.
 */
import { createKeyFile, didFromSeed, hexDecode } from '@cinnabar/core';
import { importKeyFile } from '../keys/session.js';
import { identityName } from './data.js';

/** Import the Ed25519 seed `hex` into the browser's key session and make it the active identity; its DID. */
export async function importSeed(hex: string): Promise<string | undefined> {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  const seed = hexDecode(hex.toLowerCase());
  try {
    // The key carries the identity's registered name, so the key store can show it.
    const name = await identityName(didFromSeed(seed));
    const text = await createKeyFile({ seed, ...(name ? { name } : {}) });
    return (await importKeyFile(text)).did;
  } finally {
    seed.fill(0);
  }
}
