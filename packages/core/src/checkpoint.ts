// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text of a log's signed tree head.
import { base64Decode, base64Encode } from './base64.js';
import { loneSurrogateIndex } from './bytes.js';
import { CinnabarError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { type NoteSignature, type NoteSigner, type NoteVerifier, openNote, signNote } from './note.js';

/** A log's tree head: origin line, tree size, RFC 6962 root hash and opaque extension lines. */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

function malformed(reason: string, cause?: unknown): CinnabarError {
  return new CinnabarError('malformed_checkpoint', reason, cause === undefined ? undefined : { cause });
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/** Why `line` cannot be a checkpoint line (empty, or a newline, control character or lone surrogate), or undefined. */
function lineProblem(line: string): string | undefined {
  if (line === '') return 'is empty';
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code < 0x20)
      return `contains control character U+${code.toString(16).toUpperCase().padStart(4, '0')} at index ${i}`;
  }
  const surrogate = loneSurrogateIndex(line);
  if (surrogate >= 0) return `contains an unpaired surrogate at index ${surrogate} (not valid UTF-8)`;
  return undefined;
}

/** The note text "origin\nsize\nbase64(root)\n" followed by one line per extension. Throws malformed_checkpoint. */
export function formatCheckpoint(c: Checkpoint): string {
  const originIssue = lineProblem(c.origin);
  if (originIssue) throw malformed(`origin ${originIssue}`);
  if (!Number.isSafeInteger(c.size) || c.size < 0) {
    throw malformed(`tree size must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${c.size}`);
  }
  if (!(c.rootHash instanceof Uint8Array) || c.rootHash.length !== HASH_SIZE) {
    throw malformed(`root hash must be ${HASH_SIZE} bytes`);
  }
  let text = `${c.origin}\n${c.size}\n${base64Encode(c.rootHash)}\n`;
  c.extensions.forEach((extension, i) => {
    const issue = lineProblem(extension);
    if (issue) throw malformed(`extension ${i + 1} ${issue}`);
    text += `${extension}\n`;
  });
  return text;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses checkpoint note text strictly: at least three non-empty lines, each ending in a newline;
 * a non-empty origin; the tree size in decimal without leading zeros, at most 2^53 - 1; the root
 * hash as 32 bytes of canonical standard base64; any further lines are non-empty extensions.
 * Throws malformed_checkpoint saying what is wrong.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') throw malformed('checkpoint must be a string');
  if (!text.endsWith('\n')) throw malformed('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) {
    throw malformed(
      `checkpoint has ${lines.length} line(s); it needs at least 3 (origin, tree size, root hash)`,
    );
  }
  const names = ['origin (line 1)', 'tree size (line 2)', 'root hash (line 3)'];
  lines.forEach((line, i) => {
    const issue = lineProblem(line);
    if (issue) throw malformed(`${names[i] ?? `extension line ${i + 1}`} ${issue}`);
  });
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!DECIMAL.test(sizeText)) {
    throw malformed(`tree size (line 2) ${quote(sizeText)} is not a decimal number without leading zeros`);
  }
  const size = Number(sizeText);
  if (sizeText.length > 16 || !Number.isSafeInteger(size)) {
    throw malformed(`tree size (line 2) ${quote(sizeText)} is larger than ${Number.MAX_SAFE_INTEGER}`);
  }
  let rootHash: Uint8Array;
  try {
    rootHash = base64Decode(rootText);
  } catch (error) {
    throw malformed(`root hash (line 3) is not valid base64 (${(error as Error).message})`, error);
  }
  if (rootHash.length !== HASH_SIZE) {
    throw malformed(`root hash (line 3) is ${rootHash.length} bytes; expected ${HASH_SIZE}`);
  }
  return { origin, size, rootHash, extensions };
}

/**
 * Signs a checkpoint with the log's key and optional cosigners. The log key's name must be the
 * origin (tlog-checkpoint, "Signatures"; enforced here and by openCheckpoint): throws origin_mismatch.
 */
export function signCheckpoint(c: Checkpoint, signer: NoteSigner, ...cosigners: NoteSigner[]): string {
  if (signer.name !== c.origin) {
    throw new CinnabarError(
      'origin_mismatch',
      `log key name ${quote(signer.name)} does not match the checkpoint origin ${quote(c.origin)}`,
    );
  }
  return signNote(formatCheckpoint(c), signer, ...cosigners);
}

/**
 * Verifies a signed checkpoint against the log's key and parses it. Other signatures (witnesses,
 * rotated keys) are ignored, per signed-note. The checkpoint's origin must equal the log key's
 * name and, if given, `origin`: otherwise origin_mismatch. Throws the note errors
 * (malformed_note, unverified_note, invalid_signature) and malformed_checkpoint.
 */
export function openCheckpoint(
  note: string,
  verifier: NoteVerifier,
  origin?: string,
): { checkpoint: Checkpoint; note: string; verified: NoteSignature[] } {
  const opened = openNote(note, [verifier]);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== verifier.name) {
    throw new CinnabarError(
      'origin_mismatch',
      `checkpoint origin ${quote(checkpoint.origin)} does not match the log key name ${quote(verifier.name)}`,
    );
  }
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new CinnabarError(
      'origin_mismatch',
      `checkpoint origin ${quote(checkpoint.origin)} is not the expected origin ${quote(origin)}`,
    );
  }
  return { checkpoint, note, verified: opened.verified };
}
