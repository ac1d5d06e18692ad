/**
 * What the auditor's replay needs of each log entry before it applies it, none of which depends on
 * the state: its leaf hash, its decoding, its signature's verdict and its preparation (body schema,
 * the keys it reads). Any thread can do this, in any order (entry-pool.ts); only applying the rules
 * has to follow the log's order on one thread.
 */
import {
  decodeTransactionEntry,
  HASH_SIZE,
  leafHash,
  type PreparedTransaction,
  prepareTransaction,
  transactionId,
} from '@cinnabar/core';

/** An entry ready to apply, or why it is not a valid transaction whatever the state. */
export type EntryOutcome =
  | { prepared: PreparedTransaction; txId: string }
  | { rejection: { code: string; message: string } };

/** Entries checked: their leaf hashes (HASH_SIZE bytes each, in order) and outcomes. */
export interface CheckedEntries {
  leafHashes: Uint8Array;
  outcomes: EntryOutcome[];
}

export type VerifySignature = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

export function checkEntries(entries: readonly Uint8Array[], verify: VerifySignature): CheckedEntries {
  const leafHashes = new Uint8Array(entries.length * HASH_SIZE);
  const outcomes = entries.map((entry, i) => {
    leafHashes.set(leafHash(entry), i * HASH_SIZE);
    return checkEntry(entry, verify);
  });
  return { leafHashes, outcomes };
}

function checkEntry(entry: Uint8Array, verify: VerifySignature): EntryOutcome {
  let decoded: ReturnType<typeof decodeTransactionEntry>;
  try {
    decoded = decodeTransactionEntry(entry);
  } catch (error) {
    return { rejection: { code: 'malformed_transaction', message: (error as Error).message } };
  }
  if (!verify(decoded.signature, decoded.signingInput, decoded.publicKey))
    return {
      rejection: {
        code: 'invalid_signature',
        message: `the signature is not ${decoded.tx.actor}'s over this transaction`,
      },
    };
  const prepared = prepareTransaction(decoded.tx);
  if (!prepared.ok) return { rejection: { code: prepared.code, message: prepared.message } };
  return { prepared, txId: transactionId(entry) };
}
