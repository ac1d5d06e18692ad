/**
 * The signed transaction envelope: every state change in Cinnabar is one, and its RFC 8785
 * canonical JSON is the log entry. The actor signs, with the Ed25519 key of its did:key, a
 * domain-separated copy of the canonical envelope without the signature.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64Decode, base64Encode } from '../base64.js';
import { concatBytes, hexEncode, utf8Decode, utf8Encode } from '../bytes.js';
import { didKeyFromPublicKey, publicKeyFromDidKey } from '../did-key.js';
import { verifyEd25519 } from '../ed25519-verify.js';
import { CinnabarError } from '../errors.js';
import { sha256 } from '../hash.js';
import { canonicalBytes, canonicalize, type JsonValue, parseIfCanonical, parseJsonStrict } from '../jcs.js';
import { MAX_ENTRY_SIZE } from '../tiles.js';

export const TX_VERSION = 1;

/**
 * Prefixed to what is signed, so that a transaction signature can never be taken for a signature
 * over anything else the same key signs (a credential, a note).
 */
export const TX_SIGNING_DOMAIN = 'cinnabar/tx/v1\n';

export type JsonObject = { [name: string]: JsonValue };

/** A transaction before it is signed. */
export interface Transaction {
  v: typeof TX_VERSION;
  /** Dotted lower-case name, e.g. "asset.register". */
  type: string;
  /** The did:key of whoever acts and signs. */
  actor: string;
  /** The actor's sequence number: 1 for its first transaction, then one more each time (replay protection). */
  seq: number;
  /** When the actor made it: RFC 3339, UTC, e.g. 2026-11-21T06:00:00.000Z. */
  time: string;
  body: JsonObject;
}

export interface SignedTransaction extends Transaction {
  /** Ed25519 signature, standard base64, over TX_SIGNING_DOMAIN || JCS(transaction without sig). */
  sig: string;
}

const FIELDS = ['actor', 'body', 'seq', 'sig', 'time', 'type', 'v'];
const TYPE_PATTERN = /^[a-z][a-z0-9-]{0,31}(\.[a-z][a-z0-9-]{0,31}){1,3}$/;
// Seconds, or exactly milliseconds: one spelling per instant, so one transaction has one signed form.
const TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{3})?Z$/;

function malformed(message: string, cause?: unknown): CinnabarError {
  return new CinnabarError('malformed_transaction', message, cause === undefined ? undefined : { cause });
}

/** Check the unsigned fields; throws 'malformed_transaction' naming the first bad one. */
export function checkTransaction(tx: Transaction): void {
  checkFields(tx);
}

/** checkTransaction, giving the actor's public key. */
function checkFields(tx: Transaction): Uint8Array {
  if (tx.v !== TX_VERSION) throw malformed(`v must be ${TX_VERSION}, not ${JSON.stringify(tx.v)}`);
  if (typeof tx.type !== 'string' || !TYPE_PATTERN.test(tx.type))
    throw malformed(
      `type ${JSON.stringify(tx.type)} is not a dotted lower-case name such as "asset.register"`,
    );
  if (typeof tx.actor !== 'string') throw malformed('actor must be a did:key string');
  let publicKey: Uint8Array;
  try {
    publicKey = publicKeyFromDidKey(tx.actor);
  } catch (cause) {
    throw malformed(`actor is not a usable did:key: ${(cause as Error).message}`, cause);
  }
  if (!Number.isSafeInteger(tx.seq) || tx.seq < 1)
    throw malformed(`seq must be a whole number from 1, not ${tx.seq}`);
  if (typeof tx.time !== 'string' || !isUtcTime(tx.time))
    throw malformed(
      `time ${JSON.stringify(tx.time)} is not an RFC 3339 UTC time such as 2026-11-21T06:00:00Z`,
    );
  if (typeof tx.body !== 'object' || tx.body === null || Array.isArray(tx.body))
    throw malformed('body must be a JSON object');
  return publicKey;
}

/** Whether `text` is an RFC 3339 UTC time in the one form transactions use, and a real instant. */
export function isUtcTime(text: string): boolean {
  const m = TIME_PATTERN.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  // A real calendar date and time: no Feb 30, no hour 24, no leap second. Years before 0100 are
  // refused: the first rule, a Date.UTC round trip, read them as 19xx, and verdicts never change.
  return (
    year >= 100 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    Number(m[4]) <= 23 &&
    Number(m[5]) <= 59 &&
    Number(m[6]) <= 59
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The bytes the actor signs. */
export function transactionSigningInput(tx: Transaction): Uint8Array {
  const { v, type, actor, seq, time, body } = tx;
  return concatBytes(utf8Encode(TX_SIGNING_DOMAIN), canonicalBytes({ v, type, actor, seq, time, body }));
}

/** Sign with the actor's 32-byte Ed25519 seed, which must be the key of `tx.actor`. */
export function signTransaction(tx: Transaction, seed: Uint8Array): SignedTransaction {
  checkTransaction(tx);
  if (didKeyFromPublicKey(ed25519.getPublicKey(seed)) !== tx.actor)
    throw malformed('the signing key is not the key of the actor');
  const sig = base64Encode(ed25519.sign(transactionSigningInput(tx), seed));
  const signed: SignedTransaction = { ...tx, sig };
  encodeTransaction(signed); // refuses one too large for the log now, not at append time
  return signed;
}

/** The log entry: RFC 8785 canonical JSON, at most 65,535 bytes. */
export function encodeTransaction(signed: SignedTransaction): Uint8Array {
  const bytes = canonicalBytes(signed);
  if (bytes.length > MAX_ENTRY_SIZE)
    throw new CinnabarError(
      'entry_too_large',
      `the transaction is ${bytes.length} bytes; the most is ${MAX_ENTRY_SIZE}`,
    );
  return bytes;
}

/**
 * Parse an entry or a request body, untrusted: at most 65,535 bytes, strict JSON, exactly the
 * envelope's fields with the right types, and canonical (so each transaction has one encoding).
 * The signature is not checked here: see verifyTransaction.
 */
export function decodeTransaction(input: Uint8Array | string): SignedTransaction {
  return decodeTransactionText(typeof input === 'string' ? input : decodeUtf8(input)).tx;
}

/** A decoded log entry, what its signature covers, and what checks it (see transactionSignature). */
export interface DecodedTransaction {
  tx: SignedTransaction;
  /** transactionSigningInput(tx), cut from the entry itself rather than serialized again. */
  signingInput: Uint8Array;
  /** The actor's Ed25519 public key. */
  publicKey: Uint8Array;
  /** The 64 bytes of `sig`. */
  signature: Uint8Array;
}

/**
 * decodeTransaction, with the signing input taken from the entry: the canonical text minus its
 * top-level `,"sig":"…"` member. That is exactly the canonical text of the transaction without
 * `sig`: members are sorted (actor, body, seq, sig, time, type, v) and each is serialized on its
 * own. `,"sig":` cannot occur inside a string (a quote there is escaped), and only scalars follow
 * the top-level member, so its last occurrence is that member.
 */
export function decodeTransactionEntry(input: Uint8Array | string): DecodedTransaction {
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  const bytes = typeof input === 'string' ? utf8Encode(input) : input;
  const { tx, publicKey, signature } = decodeTransactionText(text);
  const member = `,"sig":${JSON.stringify(tx.sig)}`;
  const at = text.lastIndexOf(member);
  if (at < 0) throw malformed('the sig member is not where canonical form puts it'); // not reached
  // The member and all after it (time, type, v) are ASCII: as many bytes from the end as characters.
  const atByte = bytes.length - (text.length - at);
  const signingInput = fromSlab(SIGNING_DOMAIN_BYTES.length + bytes.length - member.length);
  signingInput.set(SIGNING_DOMAIN_BYTES);
  signingInput.set(bytes.subarray(0, atByte), SIGNING_DOMAIN_BYTES.length);
  signingInput.set(bytes.subarray(atByte + member.length), SIGNING_DOMAIN_BYTES.length + atByte);
  return { tx, signingInput, publicKey, signature };
}

const SIGNING_DOMAIN_BYTES = utf8Encode(TX_SIGNING_DOMAIN);

/**
 * Signing inputs are cut from shared 64 KiB slabs, as Node's Buffer pool does for small buffers:
 * one allocation for dozens of entries instead of one each (an auditor decodes thousands a second).
 * A slab lives while any input cut from it does.
 */
const SLAB_SIZE = 64 * 1024;
let slab = new Uint8Array(0);
let slabUsed = 0;

function fromSlab(size: number): Uint8Array {
  if (size > SLAB_SIZE / 4) return new Uint8Array(size);
  if (slabUsed + size > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const part = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size;
  return part;
}

const ENTRY_JSON_LIMITS = Object.freeze({ maxBytes: MAX_ENTRY_SIZE, maxDepth: 32 });

function decodeTransactionText(text: string): {
  tx: SignedTransaction;
  publicKey: Uint8Array;
  signature: Uint8Array;
} {
  // Canonical entries (every logged one) take the native parser; anything else the strict one,
  // which says what is wrong.
  const canonical = parseIfCanonical(text, ENTRY_JSON_LIMITS);
  const value = canonical ?? parseJsonStrict(text, ENTRY_JSON_LIMITS);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed('a transaction is a JSON object');
  const keys = Object.keys(value).sort();
  const missing = FIELDS.filter((f) => !keys.includes(f));
  const extra = keys.filter((k) => !FIELDS.includes(k));
  if (missing.length > 0) throw malformed(`missing field(s): ${missing.join(', ')}`);
  if (extra.length > 0) throw malformed(`unknown field(s): ${extra.slice(0, 5).join(', ')}`);
  const signed = value as SignedTransaction;
  const publicKey = checkFields(signed);
  if (typeof signed.sig !== 'string') throw malformed('sig must be a base64 string');
  let sig: Uint8Array;
  try {
    sig = base64Decode(signed.sig);
  } catch (cause) {
    throw malformed(`sig is not canonical base64: ${(cause as Error).message}`, cause);
  }
  if (sig.length !== 64) throw malformed(`sig is ${sig.length} bytes; an Ed25519 signature is 64`);
  // Parsed once; the canonical form of what was parsed must be the text itself.
  if (canonical === undefined && canonicalize(value) !== text)
    throw new CinnabarError('non_canonical_json', 'the transaction is not in RFC 8785 canonical form');
  return { tx: signed, publicKey, signature: sig };
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decode(bytes);
  } catch (cause) {
    throw malformed('the transaction is not valid UTF-8', cause);
  }
}

/**
 * What verifyTransaction checks, for a verifier elsewhere (say, off the main thread): the actor's
 * public key, the signature and the bytes signed. Undefined where the actor or sig does not parse:
 * the transaction is then not validly signed.
 */
export function transactionSignature(
  signed: SignedTransaction,
  /** The signing input, where the caller has it (decodeTransactionEntry). */
  signingInput?: Uint8Array,
): { publicKey: Uint8Array; signature: Uint8Array; message: Uint8Array } | undefined {
  try {
    const publicKey = publicKeyFromDidKey(signed.actor);
    const signature = base64Decode(signed.sig);
    return { publicKey, signature, message: signingInput ?? transactionSigningInput(signed) };
  } catch {
    return undefined;
  }
}

/** Whether `sig` is the actor's signature over the transaction (false, never a throw, for a bad one). */
export function verifyTransaction(signed: SignedTransaction): boolean {
  const parts = transactionSignature(signed);
  return parts !== undefined && verifyEd25519(parts.signature, parts.message, parts.publicKey);
}

/**
 * A transaction's id: the lower-case hex SHA-256 of its log entry (the canonical signed bytes).
 * Anyone holding the entry can compute it; an asset's id is the id of its registration.
 */
export function transactionId(entry: Uint8Array): string {
  return hexEncode(sha256(entry));
}

/** Whether `text` has the form of a transaction id (64 lower-case hex digits). */
export function isTransactionId(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}
