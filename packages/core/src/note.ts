// C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys, and the verifier/signer key
// encodings of golang.org/x/mod/sumdb/note ("name+keyid+base64(type||key)").
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64Decode, base64Encode } from './base64.js';
import { concatBytes, loneSurrogateIndex, utf8Encode, utf8Length } from './bytes.js';
import { CinnabarError } from './errors.js';
import { sha256 } from './hash.js';

/** Signature type byte of Ed25519 (signed-note, "Signature types"). */
export const SIG_TYPE_ED25519 = 0x01;

/**
 * Largest signed note accepted, in UTF-8 bytes: 1 MiB. The spec asks verifiers to bound the
 * number of signatures or, equivalently, the size of a note.
 */
export const MAX_NOTE_SIZE = 1 << 20;

/** Most signature lines in a note. The spec requires accepting at least 16; Go's note package allows 100. */
export const MAX_NOTE_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 '; // em dash, space
const PRIVATE_PREFIX = 'PRIVATE+KEY+';
const ED25519_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;

/** Checks signatures by one key, identified by its name and key ID. */
export interface NoteVerifier {
  name: string;
  keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** Signs with one key, identified by its name and key ID. */
export interface NoteSigner {
  name: string;
  keyId: number;
  sign(message: Uint8Array): Uint8Array;
}

/** One signature line: key name, 32-bit key ID and the signature bytes after the key ID. */
export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Uint8Array;
}

/** A note's text (ending in a newline) and its signatures, verified or not. */
export interface Note {
  text: string;
  signatures: NoteSignature[];
}

/** Key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], big-endian (signed-note, "Signatures"). */
export function keyId(name: string, typeAndKey: Uint8Array): number {
  const digest = sha256(concatBytes(utf8Encode(name), Uint8Array.of(0x0a), typeAndKey));
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0);
}

function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** "name+hexid", how keys are named in messages. */
function keyLabel(name: string, id: number): string {
  return `${name}+${hex8(id)}`;
}

/** Shows untrusted text in a message: quoted, escaped and cut short. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `text` breaks the character rules of signed-note ("Format"), or undefined. */
function textProblem(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) return `control character ${codePoint(code)} at index ${i}`;
  }
  const surrogate = loneSurrogateIndex(text);
  if (surrogate >= 0)
    return `unpaired surrogate ${codePoint(text.charCodeAt(surrogate))} at index ${surrogate} (not valid UTF-8)`;
  return undefined;
}

const WHITE_SPACE = /\p{White_Space}/u;

/**
 * Why `name` is not a valid key name (non-empty, no Unicode spaces, no '+'), or undefined.
 * The name is quoted unless `secret` (text from a signer key may hold key material).
 */
function nameProblem(name: string, secret = false): string | undefined {
  if (name === '') return 'key name is empty';
  const shown = secret ? 'key name' : `key name ${quote(name)}`;
  const space = WHITE_SPACE.exec(name);
  if (space) return `${shown} contains a space (${codePoint(space[0].charCodeAt(0))})`;
  if (name.includes('+')) return `${shown} contains '+'`;
  const problem = textProblem(name);
  if (problem) return `${shown} contains a ${problem}`;
  return undefined;
}

function malformedKey(reason: string, cause?: unknown): CinnabarError {
  return new CinnabarError('malformed_key', reason, cause === undefined ? undefined : { cause });
}

function malformedNote(reason: string, cause?: unknown): CinnabarError {
  return new CinnabarError('malformed_note', reason, cause === undefined ? undefined : { cause });
}

interface ParsedKey {
  name: string;
  keyId: number;
  key: Uint8Array; // Ed25519 public key (verifier) or seed (signer)
}

/**
 * Parses "name+hexid+base64(0x01||key)"; `what` names the key in messages. Messages about a
 * signer key quote none of it: a misplaced '+' can shift the seed into any field.
 */
function parseKeyText(text: string, what: 'verifier key' | 'signer key'): ParsedKey {
  const secret = what === 'signer key';
  const plus1 = text.indexOf('+');
  if (plus1 < 0) throw malformedKey(`${what} must be name+keyid+keydata; it has no '+'`);
  const name = text.slice(0, plus1);
  const problem = nameProblem(name, secret);
  if (problem) throw malformedKey(`${what}: ${problem}`);
  const rest = text.slice(plus1 + 1);
  const plus2 = rest.indexOf('+');
  if (plus2 < 0) throw malformedKey(`${what} must be name+keyid+keydata; it has no '+' after the key ID`);
  const idText = rest.slice(0, plus2);
  if (!/^[0-9a-fA-F]{8}$/.test(idText)) {
    throw malformedKey(`${what}: key ID must be 8 hex digits${secret ? '' : `, got ${quote(idText)}`}`);
  }
  const id = Number.parseInt(idText, 16);
  let data: Uint8Array;
  try {
    data = base64Decode(rest.slice(plus2 + 1));
  } catch (error) {
    throw malformedKey(`${what}: key data is not valid base64 (${(error as Error).message})`, error);
  }
  if (data.length === 0) throw malformedKey(`${what}: key data is empty`);
  const type = data[0]!;
  if (type !== SIG_TYPE_ED25519) {
    throw malformedKey(
      `${what}: unsupported signature type 0x${type.toString(16).padStart(2, '0')} (only Ed25519, 0x01)`,
    );
  }
  const key = data.slice(1);
  if (key.length !== ED25519_KEY_SIZE) {
    const part = what === 'signer key' ? 'seed' : 'public key';
    throw malformedKey(`${what}: Ed25519 ${part} must be ${ED25519_KEY_SIZE} bytes, got ${key.length}`);
  }
  return { name, keyId: id, key };
}

function checkKeyId(what: string, parsed: ParsedKey, publicKey: Uint8Array): void {
  const expected = keyId(parsed.name, concatBytes(Uint8Array.of(SIG_TYPE_ED25519), publicKey));
  if (expected !== parsed.keyId) {
    throw malformedKey(
      `${what}: key ID ${hex8(parsed.keyId)} does not match the key (expected ${hex8(expected)})`,
    );
  }
}

function parseSignerKey(skey: string): ParsedKey & { publicKey: Uint8Array } {
  if (typeof skey !== 'string') throw malformedKey('signer key must be a string');
  if (!skey.startsWith(PRIVATE_PREFIX)) throw malformedKey(`signer key must start with ${PRIVATE_PREFIX}`);
  const parsed = parseKeyText(skey.slice(PRIVATE_PREFIX.length), 'signer key');
  const publicKey = ed25519.getPublicKey(parsed.key);
  checkKeyId('signer key', parsed, publicKey);
  return { ...parsed, publicKey };
}

/** Ed25519 signer from "PRIVATE+KEY+name+hexid+base64(0x01||seed32)". Throws malformed_key. */
export function signerFromKey(skey: string): NoteSigner {
  const { name, keyId: id, key: seed } = parseSignerKey(skey);
  return Object.freeze({ name, keyId: id, sign: (message: Uint8Array) => ed25519.sign(message, seed) });
}

/** Ed25519 verifier from "name+hexid+base64(0x01||pub32)". Throws malformed_key. */
export function verifierFromKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string') throw malformedKey('verifier key must be a string');
  if (vkey.startsWith(PRIVATE_PREFIX)) throw malformedKey('this is a private signer key, not a verifier key');
  const parsed = parseKeyText(vkey, 'verifier key');
  const publicKey = parsed.key;
  // Strict RFC 8032 decoding (no ZIP-215 leniency): canonical point encodings only.
  if (!ed25519.utils.isValidPublicKey(publicKey, false)) {
    throw malformedKey('verifier key: public key is not a valid Ed25519 point');
  }
  checkKeyId('verifier key', parsed, publicKey);
  return Object.freeze({
    name: parsed.name,
    keyId: parsed.keyId,
    verify(message: Uint8Array, signature: Uint8Array): boolean {
      if (signature.length !== ED25519_SIGNATURE_SIZE) return false;
      try {
        // zip215: false rejects non-canonical encodings, so signatures are not malleable.
        return ed25519.verify(signature, message, publicKey, { zip215: false });
      } catch {
        return false;
      }
    },
  });
}

function formatKeys(name: string, seed: Uint8Array): { skey: string; vkey: string } {
  const typeAndPublic = concatBytes(Uint8Array.of(SIG_TYPE_ED25519), ed25519.getPublicKey(seed));
  const label = keyLabel(name, keyId(name, typeAndPublic));
  const typeAndSeed = concatBytes(Uint8Array.of(SIG_TYPE_ED25519), seed);
  return {
    skey: `${PRIVATE_PREFIX}${label}+${base64Encode(typeAndSeed)}`,
    vkey: `${label}+${base64Encode(typeAndPublic)}`,
  };
}

/**
 * A new Ed25519 key pair for `name`: the secret signer key "PRIVATE+KEY+name+hexid+base64(0x01||seed)"
 * and the public verifier key "name+hexid+base64(0x01||pub)". The seed is random unless given.
 */
export function generateSignerKey(name: string, seed?: Uint8Array): { skey: string; vkey: string } {
  const problem = nameProblem(name);
  if (problem) throw malformedKey(problem);
  if (seed !== undefined && seed.length !== ED25519_KEY_SIZE) {
    throw malformedKey(`Ed25519 seed must be ${ED25519_KEY_SIZE} bytes, got ${seed.length}`);
  }
  return formatKeys(name, seed === undefined ? ed25519.utils.randomSecretKey() : Uint8Array.from(seed));
}

/** The verifier key of a signer key. Throws malformed_key. */
export function vkeyFromSkey(skey: string): string {
  const { name, keyId: id, publicKey } = parseSignerKey(skey);
  return `${keyLabel(name, id)}+${base64Encode(concatBytes(Uint8Array.of(SIG_TYPE_ED25519), publicKey))}`;
}

function parseSignatureLine(line: string, n: number): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) {
    throw malformedNote(
      `signature line ${n} does not start with an em dash (U+2014) and a space: ${quote(line)}`,
    );
  }
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0)
    throw malformedNote(`signature line ${n} has no space between the key name and the signature`);
  const name = rest.slice(0, space);
  const problem = nameProblem(name);
  if (problem) throw malformedNote(`signature line ${n}: ${problem}`);
  const encoded = rest.slice(space + 1);
  if (encoded === '') throw malformedNote(`signature line ${n} has an empty signature`);
  let raw: Uint8Array;
  try {
    raw = base64Decode(encoded);
  } catch (error) {
    throw malformedNote(
      `signature line ${n}: signature is not valid base64 (${(error as Error).message})`,
      error,
    );
  }
  if (raw.length < 5) {
    throw malformedNote(
      `signature line ${n}: signature is ${raw.length} bytes; it needs a 4-byte key ID and at least 1 more byte`,
    );
  }
  const id = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0);
  return { name, keyId: id, signature: raw.slice(4) };
}

/** Why the note as a whole is too large or has bad characters, or undefined. */
function sizeAndCharsProblem(note: string): string | undefined {
  // A UTF-16 code unit is at least one UTF-8 byte, so a long string is rejected before any scan.
  if (note.length > MAX_NOTE_SIZE) return `note is larger than ${MAX_NOTE_SIZE} bytes`;
  const problem = textProblem(note);
  if (problem) return `note contains a ${problem}`;
  const size = utf8Length(note);
  if (size > MAX_NOTE_SIZE) return `note is ${size} bytes; the most is ${MAX_NOTE_SIZE}`;
  return undefined;
}

/**
 * Parses a signed note's structure without verifying anything (signed-note, "Format"): the text
 * is everything up to and including the newline before the last blank line; each following line
 * is "— name base64(keyid||signature)". Throws malformed_note saying what is wrong.
 */
export function parseNote(message: string): Note {
  if (typeof message !== 'string') throw malformedNote('note must be a string');
  const problem = sizeAndCharsProblem(message);
  if (problem) throw malformedNote(problem);
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw malformedNote('note has no blank line between the text and the signatures');
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (block === '') throw malformedNote('note ends with a blank line: there are no signature lines after it');
  if (!block.endsWith('\n')) throw malformedNote('the last signature line does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw malformedNote(
      `note has ${lines.length} signature lines; the most accepted is ${MAX_NOTE_SIGNATURES}`,
    );
  }
  return { text, signatures: lines.map((line, i) => parseSignatureLine(line, i + 1)) };
}

/** Verifiers by name and key ID; two different verifiers for one (name, ID) make that pair unusable. */
function verifierIndex(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier[]> {
  const index = new Map<string, NoteVerifier[]>();
  for (const verifier of verifiers) {
    const label = keyLabel(verifier.name, verifier.keyId);
    const list = index.get(label);
    if (!list) index.set(label, [verifier]);
    else if (!list.includes(verifier)) list.push(verifier);
  }
  return index;
}

/**
 * Parses and verifies a signed note (signed-note, "Signatures"). A signature whose key name and
 * key ID both match a verifier must verify, or the note is rejected (invalid_signature); other
 * signatures are ignored and returned in `unverified`. At least one signature must verify
 * (unverified_note). Repeats are dropped: `verified` holds each key once, `unverified` each
 * distinct line once.
 */
export function openNote(
  message: string,
  verifiers: readonly NoteVerifier[],
): { text: string; verified: NoteSignature[]; unverified: NoteSignature[] } {
  const note = parseNote(message);
  const index = verifierIndex(verifiers);
  const textBytes = utf8Encode(note.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenVerified = new Set<string>();
  const seenUnverified = new Set<string>();
  for (const sig of note.signatures) {
    const label = keyLabel(sig.name, sig.keyId);
    const candidates = index.get(label);
    if (!candidates) {
      const line = `${label} ${base64Encode(sig.signature)}`;
      if (!seenUnverified.has(line)) {
        seenUnverified.add(line);
        unverified.push(sig);
      }
      continue;
    }
    if (candidates.length > 1) {
      throw new CinnabarError(
        'malformed_key',
        `ambiguous verifiers: ${candidates.length} different verifiers for key ${label}`,
      );
    }
    if (!candidates[0]!.verify(textBytes, sig.signature)) {
      throw new CinnabarError('invalid_signature', `signature by known key ${label} does not verify`);
    }
    if (!seenVerified.has(label)) {
      seenVerified.add(label);
      verified.push(sig);
    }
  }
  if (verified.length === 0) {
    const signed = [...new Set(note.signatures.map((s) => keyLabel(s.name, s.keyId)))];
    const shown = signed.length > 5 ? `${signed.slice(0, 5).join(', ')}, …` : signed.join(', ');
    const known = [...index.keys()].join(', ') || 'none';
    throw new CinnabarError(
      'unverified_note',
      `note has no signature by a known key (signed by ${shown}; known: ${known})`,
    );
  }
  return { text: note.text, verified, unverified };
}

/**
 * Signs `text` with each signer and returns the signed note. The text must end in a newline,
 * be valid UTF-8 without control characters other than newline, and fit in MAX_NOTE_SIZE once
 * signed. Throws malformed_note, or invalid_signature if a signer returns no signature.
 */
export function signNote(text: string, ...signers: NoteSigner[]): string {
  if (typeof text !== 'string') throw malformedNote('text must be a string');
  if (!text.endsWith('\n')) throw malformedNote('text must end with a newline');
  const problem = textProblem(text);
  if (problem) throw malformedNote(`text contains a ${problem}`);
  if (signers.length === 0) throw malformedNote('at least one signer is required');
  if (signers.length > MAX_NOTE_SIGNATURES) {
    throw malformedNote(`${signers.length} signers; the most is ${MAX_NOTE_SIGNATURES}`);
  }
  const message = utf8Encode(text);
  const seen = new Set<string>();
  let lines = '';
  for (const signer of signers) {
    const nameIssue = nameProblem(signer.name);
    if (nameIssue) throw malformedNote(`signer: ${nameIssue}`);
    if (!Number.isInteger(signer.keyId) || signer.keyId < 0 || signer.keyId > 0xffffffff) {
      throw malformedNote(`signer ${quote(signer.name)}: key ID must be a 32-bit unsigned integer`);
    }
    const label = keyLabel(signer.name, signer.keyId);
    if (seen.has(label)) throw malformedNote(`signer ${label} is given twice`);
    seen.add(label);
    const signature = signer.sign(message);
    if (!(signature instanceof Uint8Array) || signature.length === 0) {
      throw new CinnabarError('invalid_signature', `signer ${label} returned no signature`);
    }
    const raw = new Uint8Array(4 + signature.length);
    new DataView(raw.buffer).setUint32(0, signer.keyId);
    raw.set(signature, 4);
    lines += `${SIG_PREFIX}${signer.name} ${base64Encode(raw)}\n`;
  }
  const note = `${text}\n${lines}`;
  const size = utf8Length(note);
  if (size > MAX_NOTE_SIZE)
    throw malformedNote(`signed note would be ${size} bytes; the most is ${MAX_NOTE_SIZE}`);
  return note;
}
