// Content identifiers: CIDv1 (https://github.com/multiformats/cid) restricted to one form, the raw
// codec (0x55) over a sha2-256 multihash (0x12, 32 bytes), written in multibase base32 ('b', lower
// case, no padding). Binary form: varint(1) || varint(0x55) || varint(0x12) || varint(32) || digest,
// 36 bytes; text form: "b" + base32 of those bytes, 59 characters, always starting "bafkrei".
// Parsing is strict, so a content address has exactly one spelling.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { base32Decode, base32Encode } from './base32.js';
import { bytesEqual, concatBytes } from './bytes.js';
import { CinnabarError } from './errors.js';
import { HASH_SIZE, sha256 } from './hash.js';

/** Multicodec of raw binary (multicodec table, "raw"). */
export const CID_RAW_CODEC = 0x55;
/** Multihash code of sha2-256 (multicodec table, "sha2-256"). */
export const MULTIHASH_SHA2_256 = 0x12;
/** Length of a CID's text form: 'b' + 58 base32 characters for 36 bytes. */
export const CID_TEXT_LENGTH = 59;

/** A parsed CID: always CIDv1, raw, sha2-256. */
export interface Cid {
  version: 1;
  codec: typeof CID_RAW_CODEC;
  hashCode: typeof MULTIHASH_SHA2_256;
  digest: Uint8Array;
}

/** Incremental CID computation over content given in chunks. */
export interface CidHasher {
  update(chunk: Uint8Array): void;
  /** The CID of everything passed to update; the hasher cannot be used after. */
  digest(): string;
}

// varint(1) varint(0x55) varint(0x12) varint(32): every value is below 0x80, so one byte each.
const PREFIX = Uint8Array.of(1, CID_RAW_CODEC, MULTIHASH_SHA2_256, HASH_SIZE);

// Longest text worth decoding to explain what is wrong; anything longer is rejected by length.
const MAX_CID_TEXT = 512;

// unsigned-varint (https://github.com/multiformats/unsigned-varint): at most 9 bytes, minimal.
const MAX_VARINT_BYTES = 9;

// Names for the error messages (multicodec table, https://github.com/multiformats/multicodec).
const CODEC_NAMES: ReadonlyMap<number, string> = new Map([
  [0x51, 'cbor'],
  [0x70, 'dag-pb'],
  [0x71, 'dag-cbor'],
  [0x72, 'libp2p-key'],
  [0x78, 'git-raw'],
  [0x0129, 'dag-json'],
  [0x0200, 'json'],
]);
const HASH_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'identity'],
  [0x11, 'sha1'],
  [0x13, 'sha2-512'],
  [0x14, 'sha3-512'],
  [0x16, 'sha3-256'],
  [0x1b, 'keccak-256'],
  [0x1e, 'blake3'],
  [0xb220, 'blake2b-256'],
  [0x1012, 'sha2-256-trunc254-padded'],
]);
// Multibase prefixes (https://github.com/multiformats/multibase, multibase.csv).
const MULTIBASE_NAMES: ReadonlyMap<string, string> = new Map([
  ['\u0000', 'identity'],
  ['0', 'base2'],
  ['7', 'base8'],
  ['9', 'base10'],
  ['f', 'base16'],
  ['F', 'base16upper'],
  ['v', 'base32hex'],
  ['V', 'base32hexupper'],
  ['t', 'base32hexpad'],
  ['T', 'base32hexpadupper'],
  ['B', 'base32upper'],
  ['c', 'base32pad'],
  ['C', 'base32padupper'],
  ['h', 'base32z'],
  ['k', 'base36'],
  ['K', 'base36upper'],
  ['R', 'base45'],
  ['z', 'base58btc'],
  ['Z', 'base58flickr'],
  ['m', 'base64'],
  ['M', 'base64pad'],
  ['u', 'base64url'],
  ['U', 'base64urlpad'],
  ['\u{1F680}', 'base256emoji'],
]);

function malformed(reason: string, cause?: unknown): CinnabarError {
  return new CinnabarError('malformed_cid', reason, cause === undefined ? undefined : { cause });
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function named(code: number, names: ReadonlyMap<number, string>): string {
  const name = names.get(code);
  return name ? `${hex(code)} (${name})` : hex(code);
}

/** Reads an unsigned varint at `offset`, which must be minimally encoded; `what` names it in messages. */
function readVarint(bytes: Uint8Array, offset: number, what: string): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) {
      throw malformed(i === 0 ? `CID ends before the ${what}` : `CID ends inside the ${what} varint`);
    }
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) throw malformed(`the ${what} varint is not minimally encoded`);
      if (!Number.isSafeInteger(value)) throw malformed(`the ${what} varint is too large`);
      return { value, next: offset + i + 1 };
    }
  }
  throw malformed(`the ${what} varint is longer than ${MAX_VARINT_BYTES} bytes`);
}

/**
 * Parses a binary CID (without multibase prefix) strictly: version 1, raw codec, sha2-256, a
 * 32-byte digest and nothing after it, every varint minimal. Throws malformed_cid saying what is wrong.
 */
export function parseCidBytes(bytes: Uint8Array): Cid {
  if (!(bytes instanceof Uint8Array)) throw malformed('binary CID must be a Uint8Array');
  const version = readVarint(bytes, 0, 'version');
  if (version.value === MULTIHASH_SHA2_256 && bytes[1] === HASH_SIZE) {
    throw malformed('this is a CIDv0 (a bare sha2-256 multihash); only CIDv1 is accepted');
  }
  if (version.value !== 1) throw malformed(`CID version ${version.value} is not accepted; only CIDv1`);
  const codec = readVarint(bytes, version.next, 'codec');
  if (codec.value !== CID_RAW_CODEC) {
    throw malformed(
      `codec ${named(codec.value, CODEC_NAMES)} is not accepted: only raw (0x55) CIDs are accepted`,
    );
  }
  const hash = readVarint(bytes, codec.next, 'multihash code');
  if (hash.value !== MULTIHASH_SHA2_256) {
    throw malformed(`multihash ${named(hash.value, HASH_NAMES)} is not accepted; only sha2-256 (0x12)`);
  }
  const length = readVarint(bytes, hash.next, 'digest length');
  if (length.value !== HASH_SIZE) {
    throw malformed(`digest length is ${length.value}; a sha2-256 digest is ${HASH_SIZE} bytes`);
  }
  const rest = bytes.length - length.next;
  if (rest < HASH_SIZE) throw malformed(`digest is truncated: ${rest} of ${HASH_SIZE} bytes`);
  if (rest > HASH_SIZE) throw malformed(`${rest - HASH_SIZE} trailing byte(s) after the digest`);
  return {
    version: 1,
    codec: CID_RAW_CODEC,
    hashCode: MULTIHASH_SHA2_256,
    digest: bytes.slice(length.next),
  };
}

/**
 * Parses a CID's text form strictly: 'b' (multibase base32, lower case, unpadded) followed by
 * the binary form accepted by parseCidBytes. CIDv0 ("Qm…"), other multibases, upper case,
 * padding and non-canonical base32 are rejected. Throws malformed_cid saying what is wrong.
 */
export function parseCid(text: string): Cid {
  if (typeof text !== 'string') throw malformed('CID must be a string');
  if (text === '') throw malformed('CID is empty');
  if (text.length > MAX_CID_TEXT) {
    throw malformed(`CID is ${text.length} characters; a raw sha2-256 CIDv1 is ${CID_TEXT_LENGTH}`);
  }
  // CID spec, "Decoding Algorithm": 46 characters starting "Qm" is a base58btc CIDv0.
  if (text.length === 46 && text.startsWith('Qm')) {
    throw malformed('CIDv0 (base58btc "Qm…") is not accepted; only CIDv1 in base32 ("b…")');
  }
  const prefix = String.fromCodePoint(text.codePointAt(0)!);
  if (prefix !== 'b') {
    const name = MULTIBASE_NAMES.get(prefix);
    const shown = JSON.stringify(prefix);
    if (prefix === 'B') {
      throw malformed("upper-case base32 (multibase 'B') is not accepted; only lower-case base32 ('b')");
    }
    throw malformed(
      name
        ? `multibase prefix ${shown} (${name}) is not accepted; only 'b' (base32, lower case)`
        : `unknown multibase prefix ${shown}; only 'b' (base32, lower case) is accepted`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = base32Decode(text.slice(1));
  } catch (error) {
    throw malformed(
      `CID is not valid base32 after the 'b' prefix (offsets count from after it): ${(error as Error).message}`,
      error,
    );
  }
  return parseCidBytes(bytes);
}

/** The binary form of a raw sha2-256 CIDv1 with this digest. */
export function cidBytesFromDigest(digest: Uint8Array): Uint8Array {
  if (!(digest instanceof Uint8Array) || digest.length !== HASH_SIZE) {
    throw malformed(`a sha2-256 digest is ${HASH_SIZE} bytes`);
  }
  return concatBytes(PREFIX, digest);
}

/** The CID ("bafkrei…") of content whose SHA-256 is `digest`. Throws malformed_cid unless 32 bytes. */
export function cidFromDigest(digest: Uint8Array): string {
  return `b${base32Encode(cidBytesFromDigest(digest))}`;
}

/** The CID ("bafkrei…") of `bytes`: CIDv1, raw codec, sha2-256. */
export function cidFromBytes(bytes: Uint8Array): string {
  return cidFromDigest(sha256(bytes));
}

/**
 * Whether `bytes` is the content `cid` names. Throws malformed_cid if the CID itself is not a
 * valid raw sha2-256 CIDv1, so a bad reference is not confused with altered content.
 */
export function verifyCid(cid: string, bytes: Uint8Array): boolean {
  const { digest } = parseCid(cid);
  return bytesEqual(sha256(bytes), digest);
}

/** A hasher for content too large to hold at once: update with each chunk, then digest() the CID. */
export function createCidHasher(): CidHasher {
  const hash = nobleSha256.create();
  let done = false;
  return {
    update(chunk: Uint8Array): void {
      if (done) throw new Error('CID hasher already finished: digest() was called');
      if (!(chunk instanceof Uint8Array)) throw new TypeError('chunk must be a Uint8Array');
      hash.update(chunk);
    },
    digest(): string {
      if (done) throw new Error('CID hasher already finished: digest() was called');
      done = true;
      return cidFromDigest(hash.digest());
    },
  };
}
