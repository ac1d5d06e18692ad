import {
  type AssetRegister,
  type AssetUpdate,
  CinnabarError,
  type DecodedTransaction,
  decodeTransactionEntry,
  isCinnabarError,
  MAX_SEALED_DESCRIPTION_BYTES,
  makeReceipt,
  openSealedDescription,
  prepareTransaction,
  type Receipt,
  type Rejection,
  transactionId,
  verifyEd25519,
} from '@cinnabar/core';
import type { BlobStore } from '../blobs/blob-store.js';
import { type ProblemCode, ProblemError } from '../http/problems.js';
import type { Appended } from '../log/sequencer.js';
import type { LedgerResult, MediaFingerprint, Submission } from './node-ledger.js';
import { TransactionRejectedError } from './node-ledger.js';

/** What the node knows of stored bytes: their size, media type and fingerprints. */
export interface BlobFacts {
  size: number;
  mediaType: string;
  media: MediaFingerprint;
}

export interface AcceptOptions {
  /** Where inclusion proofs come from (a LogReader). */
  reader: { inclusionProof(index: number, size: number): Promise<Uint8Array[]> };
  vkey: string;
  /** Sequences a checked transaction; throws ProblemError('not_sequencer') where another node sequences. */
  submit: (entry: Uint8Array, submission: Submission) => Promise<Appended>;
  /** The stored blob with this CID, if any. */
  blobFacts: (cid: string) => Promise<BlobFacts | undefined>;
  /** The whole of a stored blob, if any (asked only of small ones: sealed descriptions). */
  readBlob: (cid: string) => Promise<Uint8Array | undefined>;
  /** Farthest a transaction's time may be from the node's clock. */
  maxClockSkewMs: number;
  now?: () => number;
  /** Checks an Ed25519 signature: core's verifyEd25519 unless given (verify-pool.ts has one off the main thread). */
  verifySignature?: (check: SignatureCheck) => boolean | Promise<boolean>;
}

/** One Ed25519 check: the signature over `message` by `publicKey`. */
export interface SignatureCheck {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
}

const defaultVerify = (c: SignatureCheck) => verifyEd25519(c.signature, c.message, c.publicKey);

/** What POST /v1/tx answers for an accepted transaction. */
export interface TxAccepted {
  txId: string;
  index: number;
  type: string;
  actor: string;
  /** The asset, credential or identity it made or changed. */
  subject: { asset?: string; credential?: string; licence?: string; did?: string };
  /** Registered assets that look or are shaped like this one ("possible prior work"). */
  possiblePriorWork?: { asset: string; reason: string; distance: number }[];
  receipt: Receipt;
}

function rejected(rejection: Rejection): ProblemError {
  return new ProblemError(rejection.code as ProblemCode, rejection.message, {
    extensions: { rule: rejection.rule, ...(rejection.details ? { details: rejection.details } : {}) },
  });
}

/**
 * Accept a signed transaction, given as its canonical JSON (the body of POST /v1/tx). Checked in
 * order: the envelope, the signature, the time against the node's clock, the body (schema and
 * state-free rules), the stored bytes for a registration; then sequenced, where the rules run
 * against the state. Resolves, once the transaction is durable, with a receipt anyone can verify
 * offline; throws a ProblemError saying why it was refused.
 */
export async function acceptTransaction(entry: Uint8Array, options: AcceptOptions): Promise<TxAccepted> {
  let decoded: DecodedTransaction;
  try {
    decoded = decodeTransactionEntry(entry);
  } catch (error) {
    if (error instanceof CinnabarError) {
      const code = error.code === 'non_canonical_json' ? 'non_canonical_json' : 'malformed_transaction';
      throw new ProblemError(code, error.message);
    }
    throw error;
  }
  const tx = decoded.tx;
  const check = { publicKey: decoded.publicKey, signature: decoded.signature, message: decoded.signingInput };
  const valid = await (options.verifySignature ?? defaultVerify)(check);
  if (!valid)
    throw new ProblemError('invalid_signature', `the signature is not ${tx.actor}'s over this transaction`);
  const skew = Date.parse(tx.time) - (options.now ?? Date.now)();
  if (Math.abs(skew) > options.maxClockSkewMs)
    throw new ProblemError(
      'transaction_time_skew',
      `time ${tx.time} is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'ahead of' : 'behind'} this node's clock; the most is ${options.maxClockSkewMs / 1000} s`,
    );
  const prepared = prepareTransaction(tx);
  if (!prepared.ok) throw rejected(prepared);

  let media: MediaFingerprint | undefined;
  if (prepared.type === 'asset.register') {
    const body = tx.body as AssetRegister;
    const blob = await options.blobFacts(body.cid);
    if (!blob)
      throw new ProblemError('blob_required', `this node stores no blob ${body.cid}; upload it first`);
    if (blob.size !== body.size)
      throw new ProblemError(
        'blob_size_mismatch',
        `the bytes of ${body.cid} are ${blob.size} long, not ${body.size}`,
      );
    if (blob.mediaType !== body.mediaType)
      throw new ProblemError(
        'media_type_mismatch',
        `the bytes of ${body.cid} are ${blob.mediaType} by their content, not ${body.mediaType}`,
      );
    media = blob.media;
  }
  if (prepared.type === 'asset.register' || prepared.type === 'asset.update') {
    const { sealed } = tx.body as AssetRegister | AssetUpdate;
    if (sealed !== undefined) await checkSealedDescription(sealed, options);
  }

  const txId = transactionId(entry);
  let appended: Appended;
  try {
    appended = await options.submit(entry, media ? { prepared, txId, media } : { prepared, txId });
  } catch (error) {
    if (error instanceof TransactionRejectedError) throw rejected(error.rejection);
    throw error;
  }
  const result = appended.result as LedgerResult;
  if (!result.applied) throw rejected(result.rejection); // not reached: submissions are refused, not logged
  const { index, checkpoint } = appended;
  const proof = await options.reader.inclusionProof(index, checkpoint.size);
  const receipt = makeReceipt({ index, entry, checkpoint: checkpoint.note, proof, vkey: options.vkey, txId });
  const accepted: TxAccepted = {
    txId,
    index,
    type: tx.type,
    actor: tx.actor,
    subject: result.acceptance.subject,
    receipt,
  };
  const asset = result.acceptance.subject.asset;
  const marks = result.marks.filter((m) => m.asset === asset);
  if (marks.length > 0)
    accepted.possiblePriorWork = marks.map((m) => ({
      asset: m.other,
      reason: m.reason,
      distance: m.distance,
    }));
  return accepted;
}

/**
 * A sealed description named on the log must be one the node stores and can serve, and a document
 * the rules would take in the clear: the log holds only its CID, so nothing later could check it.
 */
async function checkSealedDescription(cid: string, options: AcceptOptions): Promise<void> {
  const missing = () =>
    new ProblemError(
      'sealed_description_required',
      `this node stores no sealed description ${cid}; upload it first`,
    );
  const facts = await options.blobFacts(cid);
  if (!facts) throw missing();
  if (facts.size > MAX_SEALED_DESCRIPTION_BYTES)
    throw new ProblemError(
      'malformed_sealed_description',
      `sealed description: ${cid} is ${facts.size} bytes; the most is ${MAX_SEALED_DESCRIPTION_BYTES}`,
    );
  const bytes = await options.readBlob(cid);
  if (!bytes) throw missing();
  try {
    openSealedDescription(bytes, cid);
  } catch (error) {
    if (isCinnabarError(error, 'malformed_sealed_description'))
      throw new ProblemError('malformed_sealed_description', error.message);
    throw error;
  }
}

/** BlobFacts from a blob store: the blob's size and its inspection at upload (undefined without either). */
export function storedBlobFacts(blobs: BlobStore): (cid: string) => Promise<BlobFacts | undefined> {
  return async (cid) => {
    const stored = blobs.storedFacts(cid);
    if (!stored) return undefined;
    const { size, inspection } = stored;
    const phash = inspection.image?.perceptualHash;
    const geometry = inspection.model?.geometryHash;
    return {
      size,
      mediaType: inspection.mediaType,
      media: { ...(phash ? { phash } : {}), ...(geometry ? { geometry } : {}) },
    };
  };
}
