// C2SP tlog-proof (https://c2sp.org/tlog-proof, c2sp.org/tlog-proof@v1): an offline-verifiable
// proof that an entry is in a log. Layout ("Format" section), lines separated by U+000A:
//
//   c2sp.org/tlog-proof@v1
//   extra <base64 opaque data>          (optional, unauthenticated)
//   index <decimal, no leading zeros>
//   <base64 SHA-256 proof hash>         (zero or more, leaf's sibling first, RFC 6962 §2.1.1)
//   <empty line>
//   <the signed checkpoint note, verbatim (tlog-checkpoint, signed-note)>
//
// Base64 is standard with padding (RFC 4648 §4), decoded strictly. The same layout is written and
// read by transparency-dev/formats (proof/tlog_proof.go) and filippo.io/torchwood.
import { base64Decode, base64Encode } from './base64.js';
import { utf8Decode, utf8Length } from './bytes.js';
import { type Checkpoint, openCheckpoint, parseCheckpoint } from './checkpoint.js';
import { CinnabarError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { leafHash as rfcLeafHash, verifyInclusion } from './merkle.js';
import { MAX_NOTE_SIZE, type NoteSignature, type NoteVerifier, parseNote } from './note.js';

/** First line of every proof (tlog-proof, "Format"). */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

/**
 * Most proof hash lines accepted: 63 is the longest inclusion proof in a tree of up to 2^64 - 1
 * leaves. (Indexes here are at most 2^53 - 1, so a verifiable proof has at most 53.)
 */
export const MAX_TLOG_PROOF_HASHES = 63;

/**
 * Most extra data accepted, in bytes: 48 KiB, whose base64 line (64 KiB) is the longest line
 * Go's bufio.Scanner, used by the Go implementations, reads by default.
 */
export const MAX_TLOG_PROOF_EXTRA = 48 * 1024;

/** Largest proof text accepted, in UTF-8 bytes: a maximal checkpoint note plus the lines before it. */
export const MAX_TLOG_PROOF_SIZE = MAX_NOTE_SIZE + 128 * 1024;

/** The parts of a tlog-proof. `extraData` is opaque and NOT authenticated by anything. */
export interface TlogProof {
  index: number;
  proof: Uint8Array[];
  checkpointNote: string;
  extraData?: Uint8Array;
}

/** What a verified proof establishes: the entry is at `index` in the tree of the log-signed `checkpoint`. */
export interface VerifiedTlogProof {
  index: number;
  checkpoint: Checkpoint;
  /** Signatures on the checkpoint verified with the log key. */
  verified: NoteSignature[];
  /** Copied from the proof. Unauthenticated: do not trust it implicitly (tlog-proof, "Format"). */
  extraData?: Uint8Array;
}

/** The entry itself (its RFC 6962 leaf hash is computed) or its leaf hash SHA-256(0x00 || entry). */
export type TlogProofLeaf = { entry: Uint8Array } | { leafHash: Uint8Array };

const INDEX_PREFIX = 'index ';
const EXTRA_PREFIX = 'extra ';
const DECIMAL = /^(0|[1-9][0-9]*)$/;

function malformed(reason: string, cause?: unknown): CinnabarError {
  return new CinnabarError('malformed_proof', reason, cause === undefined ? undefined : { cause });
}

function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/** Explains why `line` (number `n`) is not what `expected` describes, with a hint for CRLF. */
function badLine(n: number, line: string, expected: string): CinnabarError {
  const crlf = line.endsWith('\r')
    ? ' (it ends in a carriage return: CRLF line endings are not allowed)'
    : '';
  return malformed(`line ${n} must be ${expected}, got ${quote(line)}${crlf}`);
}

/** Parses the decimal of an "index" line; `n` is its line number. */
function parseIndex(text: string, n: number): number {
  if (!DECIMAL.test(text)) {
    if (/^[0-9]+$/.test(text)) throw malformed(`index on line ${n} ${quote(text)} has leading zeros`);
    throw malformed(`index on line ${n} ${quote(text)} is not a decimal number`);
  }
  const index = Number(text);
  if (text.length > 16 || !Number.isSafeInteger(index)) {
    throw malformed(`index on line ${n} ${text} is larger than ${Number.MAX_SAFE_INTEGER}`);
  }
  return index;
}

/**
 * Length of the inclusion proof of `index` in a tree of `size` leaves (RFC 9162 §2.1.3.1): one
 * hash per level, except where the path node is the last of its level and a left child.
 */
export function inclusionProofLength(index: number, size: number): number {
  let length = 0;
  let fn = index;
  let sn = size - 1;
  while (sn > 0) {
    if (fn % 2 === 1 || fn !== sn) length++;
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return length;
}

/** Checks the note is a structurally valid signed note holding a checkpoint; returns the checkpoint. */
/** The last note checked: a node writes many proofs against one checkpoint in a row. */
let lastChecked: { note: string; checkpoint: Checkpoint } | undefined;

function checkNote(note: string): Checkpoint {
  if (lastChecked?.note === note) return lastChecked.checkpoint;
  const checkpoint = parseCheckpoint(parseNote(note).text);
  lastChecked = { note, checkpoint };
  return checkpoint;
}

/**
 * Writes a tlog-proof. The checkpoint note must be a signed checkpoint (it is checked, not
 * verified), `index` below its tree size and `proof` exactly as long as an inclusion proof of
 * `index` in that tree. Throws malformed_proof, or the note and checkpoint parse errors.
 */
export function formatTlogProof(p: TlogProof): string {
  const { index, proof, checkpointNote, extraData } = p;
  if (!Number.isSafeInteger(index) || index < 0) {
    throw malformed(`index must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${index}`);
  }
  if (!Array.isArray(proof)) throw malformed('proof must be an array of hashes');
  if (proof.length > MAX_TLOG_PROOF_HASHES) {
    throw malformed(`proof has ${proof.length} hashes; the most is ${MAX_TLOG_PROOF_HASHES}`);
  }
  proof.forEach((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw malformed(`proof hash ${i + 1} must be ${HASH_SIZE} bytes`);
    }
  });
  if (extraData !== undefined) {
    if (!(extraData instanceof Uint8Array)) throw malformed('extra data must be a Uint8Array');
    if (extraData.length > MAX_TLOG_PROOF_EXTRA) {
      throw malformed(`extra data is ${extraData.length} bytes; the most is ${MAX_TLOG_PROOF_EXTRA}`);
    }
  }
  if (typeof checkpointNote !== 'string') throw malformed('checkpoint note must be a string');
  const checkpoint = checkNote(checkpointNote);
  if (index >= checkpoint.size) {
    throw malformed(`index ${index} is not below the checkpoint's tree size ${checkpoint.size}`);
  }
  const expected = inclusionProofLength(index, checkpoint.size);
  if (proof.length !== expected) {
    throw malformed(
      `proof has ${proof.length} hashes; an inclusion proof of index ${index} in a tree of ${checkpoint.size} has ${expected}`,
    );
  }
  let text = `${TLOG_PROOF_HEADER}\n`;
  if (extraData !== undefined) text += `${EXTRA_PREFIX}${base64Encode(extraData)}\n`;
  text += `${INDEX_PREFIX}${index}\n`;
  for (const h of proof) text += `${base64Encode(h)}\n`;
  const out = `${text}\n${checkpointNote}`;
  if (utf8Length(out) > MAX_TLOG_PROOF_SIZE) {
    throw malformed(`proof would be ${utf8Length(out)} bytes; the most is ${MAX_TLOG_PROOF_SIZE}`);
  }
  return out;
}

/**
 * Parses a tlog-proof strictly (given as text or as UTF-8 bytes): the header line, an optional
 * "extra" line of strict base64, the "index" line (decimal, no leading zeros, at most 2^53 - 1),
 * at most MAX_TLOG_PROOF_HASHES lines of base64 32-byte hashes, an empty line, and a signed note
 * holding a checkpoint (parsed, NOT verified: use verifyTlogProof). Throws malformed_proof, or
 * malformed_note / malformed_checkpoint for the note, saying what is wrong.
 */
export function parseTlogProof(input: string | Uint8Array): TlogProof {
  let text: string;
  if (input instanceof Uint8Array) {
    if (input.length > MAX_TLOG_PROOF_SIZE) {
      throw malformed(`proof is ${input.length} bytes; the most is ${MAX_TLOG_PROOF_SIZE}`);
    }
    try {
      text = utf8Decode(input);
    } catch (error) {
      throw malformed('proof is not valid UTF-8', error);
    }
  } else if (typeof input === 'string') {
    text = input;
    const size = utf8Length(text);
    if (size > MAX_TLOG_PROOF_SIZE)
      throw malformed(`proof is ${size} bytes; the most is ${MAX_TLOG_PROOF_SIZE}`);
  } else {
    throw malformed('proof must be a string or a Uint8Array');
  }

  let pos = 0;
  let lineNumber = 0;
  /** The next line without its newline, or undefined at the end; `what` names it if it is missing. */
  const nextLine = (what: string): string => {
    const end = text.indexOf('\n', pos);
    lineNumber++;
    if (end < 0) {
      throw malformed(
        pos === text.length
          ? `proof ends before ${what} (line ${lineNumber})`
          : `line ${lineNumber} (${what}) does not end with a newline`,
      );
    }
    const line = text.slice(pos, end);
    pos = end + 1;
    return line;
  };

  // "The first line MUST be the string c2sp.org/tlog-proof@v1."
  const header = nextLine('the header line');
  if (header !== TLOG_PROOF_HEADER) {
    if (header.startsWith('c2sp.org/tlog-proof@') && !header.endsWith('\r')) {
      throw malformed(`unsupported version ${quote(header)}; only ${TLOG_PROOF_HEADER} is understood`);
    }
    throw badLine(1, header, `the header ${quote(TLOG_PROOF_HEADER)}`);
  }

  // "The second line MAY start with the string extra followed by a space and base64 extra data."
  let line = nextLine('the index line');
  let extraData: Uint8Array | undefined;
  if (line.startsWith(EXTRA_PREFIX)) {
    const encoded = line.slice(EXTRA_PREFIX.length);
    if (encoded.length > Math.ceil(MAX_TLOG_PROOF_EXTRA / 3) * 4) {
      throw malformed(`extra data on line 2 is longer than ${MAX_TLOG_PROOF_EXTRA} bytes`);
    }
    try {
      extraData = base64Decode(encoded);
    } catch (error) {
      throw malformed(`extra data on line 2 is not valid base64 (${(error as Error).message})`, error);
    }
    line = nextLine('the index line');
    if (line.startsWith(EXTRA_PREFIX))
      throw malformed('line 3 is a second "extra" line; at most one is allowed');
  } else if (line === 'extra') {
    throw malformed('line 2 must be "extra " followed by base64 extra data, or the index line');
  }

  // "The next line MUST start with the string index followed by a space and the index."
  if (!line.startsWith(INDEX_PREFIX)) throw badLine(lineNumber, line, '"index " followed by the entry index');
  const index = parseIndex(line.slice(INDEX_PREFIX.length), lineNumber);

  // "The next zero or more non-empty lines are the base64-encoded Merkle inclusion proof."
  const proof: Uint8Array[] = [];
  for (;;) {
    const end = text.indexOf('\n', pos);
    if (end < 0) {
      throw malformed(
        `missing the empty line between the proof hashes and the checkpoint (after line ${lineNumber})`,
      );
    }
    line = text.slice(pos, end);
    pos = end + 1;
    lineNumber++;
    if (line === '') break;
    if (proof.length === MAX_TLOG_PROOF_HASHES) {
      throw malformed(`more than ${MAX_TLOG_PROOF_HASHES} proof hash lines (line ${lineNumber})`);
    }
    let hash: Uint8Array;
    try {
      hash = base64Decode(line);
    } catch (error) {
      const crlf = line.endsWith('\r') ? '; CRLF line endings are not allowed' : '';
      throw malformed(
        `proof hash on line ${lineNumber} is not valid base64 (${(error as Error).message}${crlf})`,
        error,
      );
    }
    if (hash.length !== HASH_SIZE) {
      throw malformed(`proof hash on line ${lineNumber} is ${hash.length} bytes; expected ${HASH_SIZE}`);
    }
    proof.push(hash);
  }

  // "After the inclusion proof lines and an empty line, the checkpoint ... is included verbatim."
  const checkpointNote = text.slice(pos);
  if (checkpointNote === '')
    throw malformed(`proof ends after the empty line (line ${lineNumber}): no checkpoint`);
  checkNote(checkpointNote);
  return extraData === undefined
    ? { index, proof, checkpointNote }
    : { index, proof, checkpointNote, extraData };
}

/**
 * Verifies a tlog-proof offline: parses it, opens the checkpoint with the log's key (its origin
 * must be the key's name and, if given, `origin`), and checks the RFC 9162 §2.1.3.2 inclusion
 * proof of the entry's leaf hash at the proof's index against the checkpoint's root. Cosignatures
 * are not checked here. Throws malformed_proof, the note and checkpoint errors (malformed_note,
 * unverified_note, invalid_signature, malformed_checkpoint, origin_mismatch) or inclusion_failed.
 */
export function verifyTlogProof(
  input: string | Uint8Array,
  leaf: TlogProofLeaf,
  verifier: NoteVerifier,
  origin?: string,
): VerifiedTlogProof {
  let hash: Uint8Array;
  if (leaf !== null && typeof leaf === 'object' && 'entry' in leaf && leaf.entry instanceof Uint8Array) {
    hash = rfcLeafHash(leaf.entry);
  } else if (leaf !== null && typeof leaf === 'object' && 'leafHash' in leaf) {
    if (!(leaf.leafHash instanceof Uint8Array) || leaf.leafHash.length !== HASH_SIZE) {
      throw new TypeError(`leafHash must be a ${HASH_SIZE}-byte Uint8Array`);
    }
    hash = leaf.leafHash;
  } else {
    throw new TypeError('leaf must be { entry: Uint8Array } or { leafHash: Uint8Array }');
  }
  const parsed = parseTlogProof(input);
  const { checkpoint, verified } = openCheckpoint(parsed.checkpointNote, verifier, origin);
  const { index, proof } = parsed;
  if (index >= checkpoint.size) {
    throw new CinnabarError(
      'inclusion_failed',
      `index ${index} is not below the checkpoint's tree size ${checkpoint.size}`,
    );
  }
  const expected = inclusionProofLength(index, checkpoint.size);
  if (proof.length !== expected) {
    throw new CinnabarError(
      'inclusion_failed',
      `proof has ${proof.length} hashes; an inclusion proof of index ${index} in a tree of ${checkpoint.size} has ${expected}`,
    );
  }
  if (!verifyInclusion(hash, index, checkpoint.size, proof, checkpoint.rootHash)) {
    throw new CinnabarError(
      'inclusion_failed',
      `the proof does not lead from the leaf hash at index ${index} to the root of the checkpoint of size ${checkpoint.size} (wrong entry, index or proof)`,
    );
  }
  const result: VerifiedTlogProof = { index, checkpoint, verified };
  if (parsed.extraData !== undefined) result.extraData = parsed.extraData;
  return result;
}
