import { type SignedTransaction, transactionSignature } from '@cinnabar/core';
import { verifyEd25519NodeAsync } from '../node-crypto.js';

/**
 * verifyTransaction's verdict, with the Ed25519 check (the costliest step of accepting a
 * transaction) run by OpenSSL on libuv's thread pool instead of the main thread, so that on a
 * machine with more than one core it overlaps with HTTP, the rules and storage. The same verdict as
 * core's strict verifier on every input (node-crypto.ts; ed25519-consensus.test.ts).
 */
export function verifyTransactionOffThread(signed: SignedTransaction): Promise<boolean> {
  const parts = transactionSignature(signed);
  if (parts === undefined) return Promise.resolve(false);
  return verifyEd25519NodeAsync(parts.signature, parts.message, parts.publicKey);
}
