// did:key for Ed25519 (W3C CCG "The did:key Method", v0.9, https://w3c-ccg.github.io/did-key-spec/):
//
//   did:key:z<base58btc(0xed 0x01 || 32-byte Ed25519 public key)>
//
// 'z' is the multibase prefix for base58btc and 0xed 0x01 the unsigned-varint multicodec code of
// ed25519-pub (0xed). Only that one key type is accepted, and only in the one form this module
// produces, so a DID names exactly one key and a key has exactly one DID: no version component,
// no DID URL parts, a minimal varint, exactly 32 key bytes, and a canonical encoding of a point on
// the curve that is not of small order. Every rejection is CinnabarError('malformed_did') with the
// precise reason.

import { ed25519 } from '@noble/curves/ed25519.js';
import { base58btcDecode, base58btcEncode } from './base58.js';
import { concatBytes } from './bytes.js';
import { CinnabarError } from './errors.js';

export const DID_KEY_PREFIX = 'did:key:';
/** Multicodec code of ed25519-pub; as an unsigned varint it is the two bytes 0xed 0x01. */
export const MULTICODEC_ED25519_PUB = 0xed;
const ED25519_PUB_HEADER = Uint8Array.of(0xed, 0x01);
const ED25519_PUBLIC_KEY_SIZE = 32;
/** Length of the base58btc part of an Ed25519 did:key: 34 bytes are always 47 digits. */
const ED25519_MULTIBASE_DIGITS = 47;

/** Names of other multicodec key types, to say what a rejected DID holds. */
const OTHER_KEY_CODECS: ReadonlyMap<number, string> = new Map([
  [0xe7, 'secp256k1-pub'],
  [0xe8, 'bls12_381-g1-pub'],
  [0xeb, 'bls12_381-g2-pub'],
  [0xec, 'x25519-pub'],
  [0x1200, 'p256-pub'],
  [0x1201, 'p384-pub'],
  [0x1202, 'p521-pub'],
  [0x1205, 'rsa-pub'],
]);

/** A verification method of type Multikey (W3C Controlled Identifiers, §2.2.2). */
export interface MultikeyVerificationMethod {
  id: string;
  type: 'Multikey';
  controller: string;
  publicKeyMultibase: string;
}

/** The DID document of an Ed25519 did:key: one verification method, in every relationship. */
export interface DidKeyDocument {
  '@context': string[];
  id: string;
  verificationMethod: MultikeyVerificationMethod[];
  authentication: string[];
  assertionMethod: string[];
  capabilityDelegation: string[];
  capabilityInvocation: string[];
}

function malformedDid(reason: string, cause?: unknown): CinnabarError {
  return new CinnabarError('malformed_did', reason, cause === undefined ? undefined : { cause });
}

function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** Whether `key` is a canonical encoding of an Ed25519 point of large order (RFC 8032 §5.1.3). */
function checkPublicKey(key: Uint8Array): string | undefined {
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    point = ed25519.Point.fromBytes(key, false); // strict: no ZIP-215 leniency, y < p
  } catch {
    return 'not a valid Ed25519 public key: not a point on the curve, or not its canonical encoding';
  }
  if (point.isSmallOrder()) return 'not a valid Ed25519 public key: a point of small order';
  return undefined;
}

/**
 * The did:key of a 32-byte Ed25519 public key. Throws CinnabarError('malformed_key') if `publicKey`
 * is not 32 bytes or not a valid point of large order.
 */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
    const what = publicKey instanceof Uint8Array ? `${publicKey.length} bytes` : typeof publicKey;
    throw new CinnabarError('malformed_key', `an Ed25519 public key is 32 bytes, got ${what}`);
  }
  const problem = checkPublicKey(publicKey);
  if (problem !== undefined) throw new CinnabarError('malformed_key', problem);
  return `${DID_KEY_PREFIX}z${base58btcEncode(concatBytes(ED25519_PUB_HEADER, publicKey))}`;
}

/** Decodes an unsigned varint (multiformats unsigned-varint: at most 9 bytes, minimal). */
function readVarint(bytes: Uint8Array): { value: number; length: number } | string {
  let value = 0;
  for (let i = 0; i < bytes.length && i < 9; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) return 'multicodec varint is not minimally encoded';
      return { value, length: i + 1 };
    }
  }
  return 'multicodec varint is truncated or longer than 9 bytes';
}

/** How many DIDs publicKeyFromDidKey remembers as valid (decoding a point costs a square root). */
const DID_KEY_CACHE_SIZE = 4096;
/** Valid DIDs and their keys, oldest first. */
const validDids = new Map<string, Uint8Array>();

/**
 * The Ed25519 public key a did:key names. Strict: `did` must be exactly "did:key:z" followed by
 * the base58btc encoding of 0xed 0x01 and a 32-byte canonical Ed25519 point of large order. Throws
 * CinnabarError('malformed_did') saying what is wrong (not a DID, another method, a DID URL, a
 * version component, not base58btc, another key type, wrong length, not a valid key).
 */
export function publicKeyFromDidKey(did: string): Uint8Array {
  if (typeof did !== 'string') throw malformedDid(`a DID must be a string, got ${typeof did}`);
  const known = validDids.get(did);
  // Oldest first out, hits not moved: moving each hit to the end (least recently used) cost more
  // than the few keys it would keep.
  if (known !== undefined) return Uint8Array.from(known);
  if (/\s/.test(did)) throw malformedDid(`DID ${shown(did)} contains whitespace`);
  if (!did.startsWith('did:')) throw malformedDid(`${shown(did)} is not a DID: it must start with "did:"`);
  if (!did.startsWith(DID_KEY_PREFIX)) {
    const method = did.slice(4).split(':')[0] ?? '';
    throw malformedDid(
      `DID ${shown(did)} has method ${shown(method)}, not "key" (method names are lowercase)`,
    );
  }
  const value = did.slice(DID_KEY_PREFIX.length);
  const urlPart = value.search(/[/?#]/);
  if (urlPart >= 0) {
    throw malformedDid(
      `${shown(did)} is a DID URL (it has ${shown(value[urlPart]!)}), not a DID; use the DID without path, query or fragment`,
    );
  }
  if (value.includes(':')) {
    throw malformedDid(
      `did:key ${shown(did)} has a version or extra component; only "did:key:z…" is accepted`,
    );
  }
  if (value.length === 0) throw malformedDid('did:key has an empty method-specific identifier');
  if (value[0] !== 'z') {
    throw malformedDid(
      `did:key multibase value must start with "z" (base58btc), got ${shown(value[0]!)} in ${shown(did)}`,
    );
  }
  const digits = value.slice(1);
  // Bound the (quadratic) base58 decoding before doing it; the exact length is checked below.
  if (digits.length > 2 * ED25519_MULTIBASE_DIGITS) {
    throw malformedDid(`did:key ${shown(did)} is too long for an Ed25519 key (${value.length} characters)`);
  }
  let bytes: Uint8Array;
  try {
    bytes = base58btcDecode(digits);
  } catch (error) {
    throw malformedDid(`did:key ${shown(did)} is not base58btc: ${(error as Error).message}`, error);
  }
  const header = readVarint(bytes);
  if (typeof header === 'string') throw malformedDid(`did:key ${shown(did)}: ${header}`);
  if (header.value !== MULTICODEC_ED25519_PUB) {
    const codec = `0x${header.value.toString(16)}`;
    const name = OTHER_KEY_CODECS.get(header.value);
    if (name === undefined && value.length !== ED25519_MULTIBASE_DIGITS + 1) {
      // Dropping or adding a base58 digit changes every byte, the multicodec header included.
      throw malformedDid(
        `did:key ${shown(did)} has ${value.length} characters after "did:key:", not the ${ED25519_MULTIBASE_DIGITS + 1} of an Ed25519 did:key (truncated or extended?), and decodes to unknown multicodec ${codec}`,
      );
    }
    throw malformedDid(
      `did:key ${shown(did)} holds multicodec ${codec}${name ? ` (${name})` : ''}; only ed25519-pub (0xed) is supported`,
    );
  }
  const key = bytes.subarray(header.length);
  if (key.length !== ED25519_PUBLIC_KEY_SIZE) {
    throw malformedDid(`did:key ${shown(did)} holds ${key.length} key bytes; an Ed25519 public key is 32`);
  }
  const problem = checkPublicKey(key);
  if (problem !== undefined) throw malformedDid(`did:key ${shown(did)}: ${problem}`);
  validDids.set(did, Uint8Array.from(key));
  if (validDids.size > DID_KEY_CACHE_SIZE) validDids.delete(validDids.keys().next().value!);
  return Uint8Array.from(key);
}

/** Throws malformed_did unless `did` is a valid Ed25519 did:key; returns it. */
function checkedDid(did: string): string {
  publicKeyFromDidKey(did);
  return did;
}

/**
 * The id of the one verification method of an Ed25519 did:key: the DID, '#', and the multibase
 * value again ("did:key:z6Mk…#z6Mk…"), as the spec's Signature Method Creation Algorithm builds it.
 */
export function verificationMethodId(did: string): string {
  return `${checkedDid(did)}#${did.slice(DID_KEY_PREFIX.length)}`;
}

/**
 * The Ed25519 public key named by a verification method id "did:key:z…#z…" whose fragment is the
 * DID's own multibase value. Throws malformed_did for any other id.
 */
export function publicKeyFromVerificationMethodId(id: string): Uint8Array {
  if (typeof id !== 'string')
    throw malformedDid(`a verification method id must be a string, got ${typeof id}`);
  const hash = id.indexOf('#');
  if (hash < 0) throw malformedDid(`verification method id ${shown(id)} has no fragment`);
  const did = id.slice(0, hash);
  const key = publicKeyFromDidKey(did);
  if (id.slice(hash + 1) !== did.slice(DID_KEY_PREFIX.length)) {
    throw malformedDid(`verification method id ${shown(id)}: the fragment must be the DID's multibase value`);
  }
  return key;
}

/**
 * The DID document of an Ed25519 did:key (did:key spec, Document Creation Algorithm, with
 * publicKeyFormat "Multikey" and no X25519 key agreement derivation): one Multikey verification
 * method used for authentication, assertionMethod, capabilityDelegation and capabilityInvocation.
 * Throws malformed_did if `did` is not a valid Ed25519 did:key.
 */
export function didKeyDocument(did: string): DidKeyDocument {
  const id = verificationMethodId(did);
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [
      { id, type: 'Multikey', controller: did, publicKeyMultibase: did.slice(DID_KEY_PREFIX.length) },
    ],
    authentication: [id],
    assertionMethod: [id],
    capabilityDelegation: [id],
    capabilityInvocation: [id],
  };
}
