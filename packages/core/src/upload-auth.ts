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
// Parsing is strict (this is hostile input): the scheme and parameter names are matched without
// regard to case as RFC 9110 §11.1-11.2 require, but every value must be a quoted-string without
// escapes, each of the five parameters must appear exactly once and nothing else may, and each
// value must be in the one spelling its field allows.
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64Decode, base64Encode } from './base64.js';
import { utf8Encode } from './bytes.js';
import { parseCid } from './cid.js';
import { didKeyFromPublicKey, publicKeyFromDidKey } from './did-key.js';
import { verifyEd25519 } from './ed25519-verify.js';
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
type FieldName = (typeof FIELD_NAMES)[number];

// As in transactions: seconds, or exactly milliseconds, and Z.
// A whole decimal without sign or leading zeros, at most 16 digits (2^53 - 1 has 16).
const SIZE_PATTERN = /^(0|[1-9]\d{0,15})$/;
// RFC 9110 §5.6.2 token, and a quoted-string restricted to visible ASCII without '"' and '\'.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PARAM = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)="([!#-[\]-~]*)"/y;
const OWS = /[ \t]*/y;

function malformed(message: string, cause?: unknown): CinnabarError {
  return new CinnabarError(
    'malformed_upload_authorization',
    message,
    cause === undefined ? undefined : { cause },
  );
}

function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
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
      `time ${shown(String(fields.time))} is not an RFC 3339 UTC time such as 2026-11-21T06:00:00Z`,
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

/** The current time in the header's form: RFC 3339 UTC to the second. */
function uploadTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
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
      ? uploadTime(new Date())
      : options.time instanceof Date
        ? uploadTime(options.time)
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
  if (typeof header !== 'string') throw malformed('the header must be a string');
  if (header.length > MAX_UPLOAD_AUTHORIZATION_LENGTH)
    throw malformed(
      `the header is ${header.length} characters; the most accepted is ${MAX_UPLOAD_AUTHORIZATION_LENGTH}`,
    );
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (!TOKEN.test(scheme) || scheme.toLowerCase() !== UPLOAD_AUTH_SCHEME.toLowerCase())
    throw malformed(`the authentication scheme is ${shown(scheme)}, not ${UPLOAD_AUTH_SCHEME}`);

  // RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ];
  // auth-param = token BWS "=" BWS quoted-string (only the quoted form, and no BWS, here).
  const values = new Map<FieldName, string>();
  let at = space < 0 ? header.length : space;
  while (header[at] === ' ') at++;
  if (at === header.length) throw malformed('the header has no parameters');
  for (;;) {
    PARAM.lastIndex = at;
    const m = PARAM.exec(header);
    if (!m) throw malformed(`expected name="value" at offset ${at}: ${shown(header.slice(at))}`);
    const name = m[1]!.toLowerCase();
    if (!(FIELD_NAMES as readonly string[]).includes(name))
      throw malformed(`unknown parameter ${shown(m[1]!)}; expected ${FIELD_NAMES.join(', ')}`);
    if (values.has(name as FieldName)) throw malformed(`parameter ${name} appears more than once`);
    values.set(name as FieldName, m[2]!);
    at = PARAM.lastIndex;
    OWS.lastIndex = at;
    OWS.exec(header);
    at = OWS.lastIndex;
    if (at === header.length) break;
    if (header[at] !== ',') throw malformed(`expected "," at offset ${at}: ${shown(header.slice(at))}`);
    OWS.lastIndex = at + 1;
    OWS.exec(header);
    at = OWS.lastIndex;
  }
  const missing = FIELD_NAMES.filter((name) => !values.has(name));
  if (missing.length > 0) throw malformed(`missing parameter(s): ${missing.join(', ')}`);

  const sizeText = values.get('size')!;
  if (!SIZE_PATTERN.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw malformed(
      `size ${shown(sizeText)} is not a whole number of bytes without leading zeros, up to 2^53 - 1`,
    );
  const fields: UploadAuthorizationFields = {
    did: values.get('did')!,
    time: values.get('time')!,
    cid: values.get('cid')!,
    size: Number(sizeText),
  };
  checkFields(fields);
  const sig = values.get('sig')!;
  let bytes: Uint8Array;
  try {
    bytes = base64Decode(sig);
  } catch (cause) {
    throw malformed(`sig is not canonical standard base64: ${(cause as Error).message}`, cause);
  }
  if (bytes.length !== 64) throw malformed(`sig is ${bytes.length} bytes; an Ed25519 signature is 64`);
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
  if (!Number.isFinite(maxSkewSeconds) || maxSkewSeconds < 0)
    throw new RangeError(`maxSkewSeconds must be a non-negative number, not ${maxSkewSeconds}`);
  const signedAt = typeof auth.time === 'string' && isUtcTime(auth.time) ? Date.parse(auth.time) : Number.NaN;
  const skew = Math.abs(now.getTime() - signedAt) / 1000;
  // Checked first: cheaper than the signature, so stale headers cost the server little.
  if (!(skew <= maxSkewSeconds))
    return {
      ok: false,
      reason: 'time_skew',
      message: Number.isNaN(skew)
        ? 'the authorization has no valid time'
        : `the authorization was signed at ${auth.time}, ${Math.round(skew)} s from the server's clock (${uploadTime(now)}); at most ${maxSkewSeconds} s is accepted`,
    };
  try {
    const publicKey = publicKeyFromDidKey(auth.did);
    const sig = base64Decode(auth.sig);
    if (sig.length === 64 && verifyEd25519(sig, uploadSigningInput(auth), publicKey)) return { ok: true };
  } catch {
    // Falls through: a field that does not parse cannot have been signed.
  }
  return {
    ok: false,
    reason: 'bad_signature',
    message: 'the signature is not by the key of did over these did, time, cid and size',
  };
}
