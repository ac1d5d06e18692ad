// Upload authorization: an HTTP Authorization header (RFC 9110 §11.6.2) by which a registered
// identity vouches for exactly one blob, named by its CID and size, at one moment:
//
//   Authorization: Cinnabar-Upload did="did:key:z6Mk…", time="2026-11-21T06:00:00Z",
//                  cid="bafkrei…", size="1234", sig="<base64 Ed25519>"
//
// sig is the Ed25519 signature, by the key of the did:key, over the UTF-8 bytes of
//
//   "cinnabar/upload/v1\n" did "\n" time "\n" cid "\n" size "\n"
//
// The domain prefix keeps it from being taken for a signature over a transaction or a note made
// with the same key. A captured header can be replayed only for the same bytes within the allowed
// clock skew, which stores nothing new: content addressing makes an upload idempotent.
//
// Parsing is strict (this is hostile input; auth-params.ts, shared with read-auth.ts): the scheme and parameter names are matched without
// regard to case as RFC 9110 §11.1-11.2 require, but every value must be a quoted-string without
// escapes, each of the five parameters must appear exactly once and nothing else may, and each
// value must be in the one spelling its field allows.
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  authTime,
  checkSignatureParam,
  parseAuthParams,
  shownText,
  verifySignedHeader,
} from './auth-params.js';
import { base64Encode } from './base64.js';
import { utf8Encode } from './bytes.js';
import { parseCid } from './cid.js';
import { didKeyFromPublicKey, publicKeyFromDidKey } from './did-key.js';
import { CinnabarError } from './errors.js';
import { isUtcTime } from './tx/transaction.js';

/** The authentication scheme (RFC 9110 §11.1); matched without regard to case. */
export const UPLOAD_AUTH_SCHEME = 'Cinnabar-Upload';
/** Prefixed to what is signed (domain separation). */
export const UPLOAD_SIGNING_DOMAIN = 'cinnabar/upload/v1\n';
/** Longest header value parsed; a well-formed one is about 330 characters. */
export const MAX_UPLOAD_AUTHORIZATION_LENGTH = 1024;
/** Default tolerance between the signed time and the verifier's clock, in seconds. */
export const UPLOAD_MAX_SKEW_SECONDS = 300;

/** The signed fields of an upload authorization. */
export interface UploadAuthorizationFields {
  /** The did:key of the uploader (Ed25519). */
  did: string;
  /** When it was signed: RFC 3339 UTC, seconds or milliseconds, e.g. 2026-11-21T06:00:00Z. */
  time: string;
  /** The blob's CIDv1 (raw, sha2-256, base32). */
  cid: string;
  /** The blob's size in bytes. */
  size: number;
}

export interface UploadAuthorization extends UploadAuthorizationFields {
  /** Ed25519 signature, standard base64 (64 bytes). */
  sig: string;
}

export type UploadAuthorizationVerdict =
  | { ok: true }
  | { ok: false; reason: 'bad_signature' | 'time_skew'; message: string };

const FIELD_NAMES = ['did', 'time', 'cid', 'size', 'sig'] as const;

// As in transactions: seconds, or exactly milliseconds, and Z.
// A whole decimal without sign or leading zeros, at most 16 digits (2^53 - 1 has 16).
const SIZE_PATTERN = /^(0|[1-9]\d{0,15})$/;

function malformed(message: string, cause?: unknown): CinnabarError {
  return new CinnabarError(
    'malformed_upload_authorization',
    message,
    cause === undefined ? undefined : { cause },
  );
}

function checkFields(fields: UploadAuthorizationFields): void {
  if (typeof fields.did !== 'string') throw malformed('did must be a did:key string');
  try {
    publicKeyFromDidKey(fields.did);
  } catch (cause) {
    throw malformed(`did is not an Ed25519 did:key: ${(cause as Error).message}`, cause);
  }
  if (typeof fields.time !== 'string' || !isUtcTime(fields.time))
    throw malformed(
      `time ${shownText(String(fields.time))} is not an RFC 3339 UTC time such as 2026-11-21T06:00:00Z`,
    );
  if (typeof fields.cid !== 'string') throw malformed('cid must be a string');
  try {
    parseCid(fields.cid);
  } catch (cause) {
    throw malformed(`cid is not a raw sha2-256 CIDv1: ${(cause as Error).message}`, cause);
  }
  if (!Number.isSafeInteger(fields.size) || fields.size < 0)
    throw malformed(`size must be a whole number of bytes up to 2^53 - 1, not ${String(fields.size)}`);
}

/** The bytes the uploader signs. Throws malformed_upload_authorization for an invalid field. */
export function uploadSigningInput(fields: UploadAuthorizationFields): Uint8Array {
  checkFields(fields);
  const { did, time, cid, size } = fields;
  return utf8Encode(`${UPLOAD_SIGNING_DOMAIN}${did}\n${time}\n${cid}\n${size}\n`);
}

/** The header value for `fields` and a signature over them. */
export function formatUploadAuthorization(auth: UploadAuthorization): string {
  const { did, time, cid, size, sig } = auth;
  return `${UPLOAD_AUTH_SCHEME} did="${did}", time="${time}", cid="${cid}", size="${size}", sig="${sig}"`;
}

/**
 * Sign an upload of the blob `cid` of `size` bytes with the uploader's 32-byte Ed25519 seed, which
 * must be the key of `did`; returns the Authorization header value. `time` defaults to now.
 */
export function signUploadAuthorization(options: {
  did: string;
  seed: Uint8Array;
  cid: string;
  size: number;
  time?: string | Date;
}): string {
  const { did, seed, cid, size } = options;
  const time =
    options.time === undefined
      ? authTime(new Date())
      : options.time instanceof Date
        ? authTime(options.time)
        : options.time;
  const input = uploadSigningInput({ did, time, cid, size });
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new CinnabarError('malformed_key', 'an Ed25519 seed is 32 bytes');
  if (didKeyFromPublicKey(ed25519.getPublicKey(seed)) !== did)
    throw malformed('the signing key is not the key of did');
  return formatUploadAuthorization({ did, time, cid, size, sig: base64Encode(ed25519.sign(input, seed)) });
}

/**
 * Parse an Authorization header value, untrusted. Throws CinnabarError
 * ('malformed_upload_authorization') saying what is wrong. The signature is not checked here: see
 * verifyUploadAuthorization.
 */
export function parseUploadAuthorization(header: string): UploadAuthorization {
  const values = parseAuthParams(header, {
    scheme: UPLOAD_AUTH_SCHEME,
    names: FIELD_NAMES,
    maxLength: MAX_UPLOAD_AUTHORIZATION_LENGTH,
    code: 'malformed_upload_authorization',
  });
  const sizeText = values.get('size')!;
  if (!SIZE_PATTERN.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw malformed(
      `size ${shownText(sizeText)} is not a whole number of bytes without leading zeros, up to 2^53 - 1`,
    );
  const fields: UploadAuthorizationFields = {
    did: values.get('did')!,
    time: values.get('time')!,
    cid: values.get('cid')!,
    size: Number(sizeText),
  };
  checkFields(fields);
  const sig = values.get('sig')!;
  checkSignatureParam(sig, malformed);
  return { ...fields, sig };
}

/**
 * Whether a parsed upload authorization holds: its time within `maxSkewSeconds` of `now` (either
 * way), and its signature by the did:key's key over the signed fields. A bad one is a verdict with
 * a reason, never a throw.
 */
export function verifyUploadAuthorization(
  auth: UploadAuthorization,
  now: Date,
  maxSkewSeconds: number = UPLOAD_MAX_SKEW_SECONDS,
): UploadAuthorizationVerdict {
  return verifySignedHeader(
    auth,
    () => uploadSigningInput(auth),
    now,
    maxSkewSeconds,
    'did, time, cid and size',
  );
}
