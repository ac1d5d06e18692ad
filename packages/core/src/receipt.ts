// Transaction receipts: everything needed to check, offline and years later, that a signed
// transaction is entry `index` of a log. A receipt carries the entry (the RFC 8785 canonical signed
// transaction), an RFC 9162 §2.1.3 inclusion proof, the log's signed checkpoint (C2SP
// tlog-checkpoint), the same proof as a C2SP tlog-proof, and the log's verifier key as the node
// served it. Only a key pinned by the verifier says WHICH log; the receipt's own key shows only
// that the receipt is self-consistent.
import { base64Decode, base64Encode } from './base64.js';
import { bytesEqual } from './bytes.js';
import { type Checkpoint, openCheckpoint, parseCheckpoint } from './checkpoint.js';
import { CinnabarError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { parseJsonStrict } from './jcs.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { MAX_NOTE_SIZE, type NoteVerifier, parseNote, verifierFromKey } from './note.js';
import { MAX_ENTRY_SIZE } from './tiles.js';
import {
  formatTlogProof,
  inclusionProofLength,
  MAX_TLOG_PROOF_HASHES,
  MAX_TLOG_PROOF_SIZE,
  parseTlogProof,
  verifyTlogProof,
} from './tlog-proof.js';
import {
  decodeTransaction,
  isTransactionId,
  type SignedTransaction,
  transactionId,
  verifyTransaction,
} from './tx/transaction.js';

export const RECEIPT_FORMAT = 'cinnabar-receipt/v1';

/** Largest receipt accepted by parseReceipt, in UTF-8 bytes. */
export const MAX_RECEIPT_SIZE = 1024 * 1024;

/** Longest verifier key accepted in a receipt, in characters. */
export const MAX_RECEIPT_VKEY_LENGTH = 4096;

/** What a node returns for an accepted transaction (JSON). */
export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  /** transactionId(entry): lower-case hex SHA-256 of the entry bytes. */
  txId: string;
  /** The entry's index in the log. */
  index: number;
  /** Standard base64 of the entry bytes (the canonical signed transaction). */
  entry: string;
  /** The signed checkpoint note (C2SP tlog-checkpoint) of a tree whose size is above `index`. */
  checkpoint: string;
  /** Standard base64 RFC 9162 inclusion proof of leaf `index` in the checkpoint's tree, leaf first. */
  proof: string[];
  /** The same proof in C2SP tlog-proof text form. */
  tlogProof: string;
  /** The log's verifier key (C2SP signed-note vkey) as the node served it. NOT a trust anchor. */
  vkey: string;
}

export interface MakeReceiptInput {
  index: number;
  /** The entry bytes: the canonical signed transaction. */
  entry: Uint8Array;
  /** The signed checkpoint note. */
  checkpoint: string;
  /** The inclusion proof of `index` in the checkpoint's tree (as proveInclusion returns it). */
  proof: readonly Uint8Array[];
  vkey: string;
  /** The entry's transactionId, where the caller has it already (computed from `entry` otherwise). */
  txId?: string;
}

/** The checks of verifyReceipt, in the order they run. */
export const RECEIPT_CHECKS = [
  'receipt',
  'file',
  'signature',
  'inclusion',
  'checkpoint',
  'tlog-proof',
] as const;

export type ReceiptCheckName = (typeof RECEIPT_CHECKS)[number];

export interface ReceiptCheck {
  name: ReceiptCheckName;
  ok: boolean;
  /** For people: what was checked, or exactly what did not match. */
  detail: string;
}

/** What a verified receipt establishes, for printing. */
export interface ReceiptFacts {
  txId: string;
  index: number;
  /** The transaction's type, e.g. "asset.register". */
  type: string;
  /** The did:key that signed the transaction. */
  actor: string;
  seq: number;
  time: string;
  /** The log's origin and the size of the checkpoint's tree. */
  origin: string;
  treeSize: number;
  /** Standard base64 of the checkpoint's root hash. */
  rootHash: string;
  /** The verifier key the checkpoint was verified with. */
  vkey: string;
  /** Whether that key was given by the caller (pinned) rather than taken from the receipt. */
  pinned: boolean;
  /** For a transaction whose body names a file (asset.register): its CID, size and title as registered. */
  asset?: { cid: string; size?: number; title?: string };
}

export interface ReceiptVerification {
  /** Whether every check run passed; checks stop at the first failure. */
  ok: boolean;
  /** The checks that ran, in order; if one failed it is the last. */
  checks: ReceiptCheck[];
  /** The name of the check that failed, if one did. */
  failed?: ReceiptCheckName;
  /** Checks not run because an earlier one failed, in order. 'file' is listed only if a file was given. */
  notRun: ReceiptCheckName[];
  /** Present only when every check passed. */
  facts?: ReceiptFacts;
}

export interface VerifyReceiptOptions {
  /** The log's verifier key, pinned by the caller. Without it the receipt's own key is used (and said so). */
  vkey?: string;
  /** The CID (createCidHasher) and byte size of the file the caller holds, to match the registration. */
  file?: { cid: string; size: number };
}

const FIELDS = ['format', 'txId', 'index', 'entry', 'checkpoint', 'proof', 'tlogProof', 'vkey'] as const;
/** Base64 length of the largest entry. */
const MAX_ENTRY_BASE64 = Math.ceil(MAX_ENTRY_SIZE / 3) * 4;

function malformed(message: string, cause?: unknown): CinnabarError {
  return new CinnabarError('malformed_receipt', message, cause === undefined ? undefined : { cause });
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Decodes strict base64, or returns why not. */
function decode(text: string): Uint8Array | string {
  try {
    return base64Decode(text);
  } catch (error) {
    return (error as Error).message;
  }
}

/** Why `value` is not a well-formed receipt (naming the first bad field), or undefined. Checks form only. */
export function receiptProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `a receipt is a JSON object, not ${describe(value)}`;
  const r = value as Record<string, unknown>;
  // The format first, so a receipt of a later version is named as such rather than by its fields.
  if ('format' in r && r.format !== RECEIPT_FORMAT)
    return `format must be ${quote(RECEIPT_FORMAT)}, not ${describe(r.format)}`;
  const extra = Object.keys(r).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (extra.length > 0) return `unknown field(s): ${extra.slice(0, 5).map(quote).join(', ')}`;
  for (const field of FIELDS) {
    if (!(field in r)) return `missing field ${field}`;
    const problem = fieldProblem(field, r[field]);
    if (problem !== undefined) return `${field}${problem.startsWith('[') ? '' : ' '}${problem}`;
  }
  return undefined;
}

function fieldProblem(field: (typeof FIELDS)[number], v: unknown): string | undefined {
  switch (field) {
    case 'format':
      return undefined; // checked first
    case 'txId':
      return typeof v === 'string' && isTransactionId(v)
        ? undefined
        : `must be 64 lower-case hex digits, not ${describe(v)}`;
    case 'index':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
        ? undefined
        : `must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, not ${describe(v)}`;
    case 'entry': {
      if (typeof v !== 'string') return `must be a base64 string, not ${describe(v)}`;
      if (v.length > MAX_ENTRY_BASE64) return `is longer than a ${MAX_ENTRY_SIZE}-byte entry`;
      const bytes = decode(v);
      if (typeof bytes === 'string') return `is not canonical base64 (${bytes})`;
      return bytes.length === 0 ? 'is empty' : undefined;
    }
    case 'checkpoint':
      if (typeof v !== 'string') return `must be a signed note string, not ${describe(v)}`;
      if (v === '') return 'is empty';
      return v.length > MAX_NOTE_SIZE ? `is longer than ${MAX_NOTE_SIZE} bytes` : undefined;
    case 'proof': {
      if (!Array.isArray(v)) return `must be an array of base64 hashes, not ${describe(v)}`;
      if (v.length > MAX_TLOG_PROOF_HASHES)
        return `has ${v.length} hashes; the most is ${MAX_TLOG_PROOF_HASHES}`;
      for (let i = 0; i < v.length; i++) {
        const h: unknown = v[i];
        if (typeof h !== 'string') return `[${i}] must be a base64 string, not ${describe(h)}`;
        const bytes = decode(h);
        if (typeof bytes === 'string') return `[${i}] is not canonical base64 (${bytes})`;
        if (bytes.length !== HASH_SIZE)
          return `[${i}] is ${bytes.length} bytes; a SHA-256 hash is ${HASH_SIZE}`;
      }
      return undefined;
    }
    case 'tlogProof':
      if (typeof v !== 'string') return `must be a C2SP tlog-proof string, not ${describe(v)}`;
      return v.length > MAX_TLOG_PROOF_SIZE ? `is longer than ${MAX_TLOG_PROOF_SIZE} bytes` : undefined;
    case 'vkey':
      if (typeof v !== 'string') return `must be a verifier key string, not ${describe(v)}`;
      if (v === '') return 'is empty';
      return v.length > MAX_RECEIPT_VKEY_LENGTH
        ? `is longer than ${MAX_RECEIPT_VKEY_LENGTH} characters`
        : undefined;
  }
}

/**
 * A receipt for entry `index`: computes the txId, the base64 forms and the tlog-proof text. The
 * checkpoint must be a signed checkpoint note above `index` and the proof exactly as long as an
 * inclusion proof of `index` in its tree (checked, not verified). Throws malformed_proof, the note
 * and checkpoint parse errors, or malformed_receipt.
 */
export function makeReceipt(input: MakeReceiptInput): Receipt {
  const { index, entry, checkpoint, proof, vkey } = input;
  // The inputs are checked rather than the receipt made from them: that would decode again what
  // was just encoded, and this is on the path of every accepted transaction.
  if (!(entry instanceof Uint8Array)) throw malformed('entry must be a Uint8Array');
  if (entry.length === 0 || entry.length > MAX_ENTRY_SIZE)
    throw malformed(`cannot make a receipt: the entry is ${entry.length} bytes, not 1 to ${MAX_ENTRY_SIZE}`);
  if (typeof vkey !== 'string') throw malformed('cannot make a receipt: vkey must be a string');
  if (vkey === '') throw malformed('cannot make a receipt: vkey is empty');
  if (vkey.length > MAX_RECEIPT_VKEY_LENGTH)
    throw malformed(`cannot make a receipt: vkey is longer than ${MAX_RECEIPT_VKEY_LENGTH} characters`);
  const tlogProof = formatTlogProof({ index, proof: [...proof], checkpointNote: checkpoint });
  if (tlogProof.length > MAX_TLOG_PROOF_SIZE)
    throw malformed(`cannot make a receipt: its tlog-proof is longer than ${MAX_TLOG_PROOF_SIZE} bytes`);
  const txId = input.txId ?? transactionId(entry);
  if (!isTransactionId(txId)) throw malformed(`cannot make a receipt: ${JSON.stringify(txId)} is not a txId`);
  return {
    format: RECEIPT_FORMAT,
    txId,
    index,
    entry: base64Encode(entry),
    checkpoint,
    proof: proof.map(base64Encode),
    tlogProof,
    vkey,
  };
}

/**
 * Parses an untrusted receipt (text or UTF-8 bytes): strict JSON of at most MAX_RECEIPT_SIZE bytes,
 * exactly the fields of Receipt with the right types and encodings. Nothing is verified: see
 * verifyReceipt. Throws malformed_receipt naming the first bad field.
 */
export function parseReceipt(text: string | Uint8Array): Receipt {
  let value: unknown;
  try {
    value = parseJsonStrict(text, {
      maxBytes: MAX_RECEIPT_SIZE,
      maxDepth: 2,
      maxStringLength: MAX_RECEIPT_SIZE,
      maxKeys: 64,
    });
  } catch (cause) {
    throw malformed(`the receipt is not strict JSON within its limits: ${(cause as Error).message}`, cause);
  }
  const problem = receiptProblem(value);
  if (problem !== undefined) throw malformed(`malformed receipt: ${problem}`);
  return value as Receipt;
}

/** "name+hexid" of a verifier. */
function keyLabel(verifier: NoteVerifier): string {
  return `${verifier.name}+${verifier.keyId.toString(16).padStart(8, '0')}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The checks run in order; each returns a detail, or throws a Failure with one. */
class Failure extends Error {}

/**
 * Verifies a receipt offline, checking in order and stopping at the first failure:
 *  1. receipt: its form; the entry decodes as a canonical transaction; txId is its SHA-256;
 *  2. file (only if `options.file`): the transaction's body names that CID and size;
 *  3. signature: the actor's Ed25519 signature on the transaction;
 *  4. inclusion: RFC 9162 §2.1.3.2, the entry's leaf hash at `index` against the checkpoint's root;
 *  5. checkpoint: the checkpoint's signature by the pinned key `options.vkey`, or else by the
 *     receipt's own key, which is NOT a trust anchor (the detail says so);
 *  6. tlog-proof: the tlog-proof text has the same index, proof and checkpoint, and verifies.
 * Never throws for a bad receipt (the result says what failed); throws malformed_key for a
 * malformed `options.vkey` and malformed_receipt for malformed `options.file`.
 */
export function verifyReceipt(receipt: Receipt, options: VerifyReceiptOptions = {}): ReceiptVerification {
  const pinnedVerifier = options.vkey === undefined ? undefined : verifierFromKey(options.vkey);
  const file = options.file;
  if (file !== undefined) {
    if (typeof file.cid !== 'string' || file.cid === '') throw malformed('file.cid must be a CID string');
    if (!Number.isSafeInteger(file.size) || file.size < 0) throw malformed('file.size must be a byte count');
  }

  const names = RECEIPT_CHECKS.filter((name) => name !== 'file' || file !== undefined);
  const checks: ReceiptCheck[] = [];
  // State carried from one check to the next.
  let entry: Uint8Array = new Uint8Array(0);
  let tx: SignedTransaction | undefined;
  let checkpoint: Checkpoint | undefined;
  let verifier: NoteVerifier | undefined;
  let proof: Uint8Array[] = [];

  const steps: Record<ReceiptCheckName, () => string> = {
    receipt: () => {
      const problem = receiptProblem(receipt);
      if (problem !== undefined) throw new Failure(`malformed receipt: ${problem}`);
      entry = base64Decode(receipt.entry);
      proof = receipt.proof.map(base64Decode);
      try {
        tx = decodeTransaction(entry);
      } catch (error) {
        throw new Failure(`the entry is not a valid transaction: ${message(error)}`);
      }
      const id = transactionId(entry);
      if (id !== receipt.txId)
        throw new Failure(`the receipt's txId ${receipt.txId} is not the SHA-256 of its entry, ${id}`);
      return `the entry is a canonical ${tx.type} transaction with id ${receipt.txId}`;
    },
    file: () => {
      const body = tx!.body;
      const cid = body.cid;
      if (typeof cid !== 'string')
        throw new Failure(`the transaction is a ${tx!.type} whose body names no cid: it registers no file`);
      if (cid !== file!.cid)
        throw new Failure(`the file's bytes have CID ${file!.cid}, the registration is for ${cid}`);
      if (body.size !== file!.size)
        throw new Failure(
          `the file is ${file!.size} bytes, the registration says ${typeof body.size === 'number' ? body.size : 'no size'}`,
        );
      return `the file's bytes have CID ${cid} and ${file!.size} bytes, as registered`;
    },
    signature: () => {
      if (!verifyTransaction(tx!))
        throw new Failure(
          `the transaction's signature does not verify with the key of its actor ${tx!.actor}`,
        );
      return `Ed25519 signature by ${tx!.actor} verifies`;
    },
    inclusion: () => {
      try {
        checkpoint = parseCheckpoint(parseNote(receipt.checkpoint).text);
      } catch (error) {
        throw new Failure(`the checkpoint is not a signed checkpoint note: ${message(error)}`);
      }
      const { size, rootHash } = checkpoint;
      const { index } = receipt;
      if (index >= size) throw new Failure(`index ${index} is not below the checkpoint's tree size ${size}`);
      const expected = inclusionProofLength(index, size);
      if (proof.length !== expected)
        throw new Failure(
          `the proof has ${proof.length} hashes; an inclusion proof of index ${index} in a tree of ${size} has ${expected}`,
        );
      if (!verifyInclusion(leafHash(entry), index, size, proof, rootHash))
        throw new Failure(
          `the proof does not lead from the entry's leaf hash at index ${index} to the root of the checkpoint of size ${size} (wrong entry, index or proof)`,
        );
      return `entry ${index} is in the tree of size ${size} with root ${base64Encode(rootHash)} (${proof.length} proof hashes)`;
    },
    checkpoint: () => {
      if (pinnedVerifier !== undefined) {
        verifier = pinnedVerifier;
        const differs = receipt.vkey !== options.vkey;
        try {
          openCheckpoint(receipt.checkpoint, verifier);
        } catch (error) {
          const other = differs ? ` (the receipt names another key: ${quote(receipt.vkey)})` : '';
          throw new Failure(
            `the checkpoint is not signed by the pinned key ${keyLabel(verifier)}${other}: ${message(error)}`,
          );
        }
        const note = differs ? `; the receipt's own vkey ${quote(receipt.vkey)} differs and was ignored` : '';
        return `the checkpoint of ${checkpoint!.origin} is signed by the pinned key ${keyLabel(verifier)}${note}`;
      }
      try {
        verifier = verifierFromKey(receipt.vkey);
      } catch (error) {
        throw new Failure(`the receipt's vkey is not a usable verifier key: ${message(error)}`);
      }
      try {
        openCheckpoint(receipt.checkpoint, verifier);
      } catch (error) {
        throw new Failure(
          `the checkpoint is not signed by the receipt's key ${keyLabel(verifier)}: ${message(error)}`,
        );
      }
      return `the checkpoint of ${checkpoint!.origin} is signed by ${keyLabel(verifier)}, a key taken from the receipt itself and NOT pinned: this shows the receipt is consistent, not that it comes from the log you trust (pass --vkey with the log's key to pin it)`;
    },
    'tlog-proof': () => {
      let parsed: ReturnType<typeof parseTlogProof>;
      try {
        parsed = parseTlogProof(receipt.tlogProof);
      } catch (error) {
        throw new Failure(`the tlog-proof text does not parse: ${message(error)}`);
      }
      if (parsed.index !== receipt.index)
        throw new Failure(
          `the tlog-proof is for index ${parsed.index}, the receipt for index ${receipt.index}`,
        );
      if (parsed.proof.length !== proof.length)
        throw new Failure(
          `the tlog-proof has ${parsed.proof.length} proof hashes, the receipt's proof ${proof.length}`,
        );
      const differing = parsed.proof.findIndex((h, i) => !bytesEqual(h, proof[i]!));
      if (differing >= 0)
        throw new Failure(`proof hash ${differing + 1} of the tlog-proof differs from the receipt's proof`);
      if (parsed.checkpointNote !== receipt.checkpoint)
        throw new Failure("the tlog-proof's checkpoint differs from the receipt's checkpoint");
      try {
        verifyTlogProof(receipt.tlogProof, { entry }, verifier!);
      } catch (error) {
        throw new Failure(`the tlog-proof does not verify: ${message(error)}`);
      }
      return 'the C2SP tlog-proof has the same index, proof and checkpoint, and verifies';
    },
  };

  for (const [i, name] of names.entries()) {
    try {
      checks.push({ name, ok: true, detail: steps[name]() });
    } catch (error) {
      // Anything unexpected from a hostile receipt is a failure of that check, not a crash.
      checks.push({ name, ok: false, detail: error instanceof Failure ? error.message : message(error) });
      return { ok: false, checks, failed: name, notRun: names.slice(i + 1) };
    }
  }

  const facts: ReceiptFacts = {
    txId: receipt.txId,
    index: receipt.index,
    type: tx!.type,
    actor: tx!.actor,
    seq: tx!.seq,
    time: tx!.time,
    origin: checkpoint!.origin,
    treeSize: checkpoint!.size,
    rootHash: base64Encode(checkpoint!.rootHash),
    vkey: pinnedVerifier === undefined ? receipt.vkey : options.vkey!,
    pinned: pinnedVerifier !== undefined,
  };
  const { cid, size, title } = tx!.body;
  if (typeof cid === 'string') {
    facts.asset = { cid };
    if (typeof size === 'number') facts.asset.size = size;
    if (typeof title === 'string') facts.asset.title = title;
  }
  return { ok: true, checks, notRun: [], facts };
}
