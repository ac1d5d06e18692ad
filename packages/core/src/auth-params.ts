// The strict parser shared by Cinnabar's own HTTP authentication schemes (upload-auth.ts,
// read-auth.ts). RFC 9110 §11.4:
//
//   credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param  = token BWS "=" BWS ( token / quoted-string )
//
// narrowed, because this is hostile input: only the quoted form, with no BWS and no escapes
// (visible ASCII without '"' and '\', and SP where a scheme asks), every expected parameter exactly once and nothing else.
// The scheme and parameter names are matched without regard to case (§11.1-11.2).
import { base64Decode } from './base64.js';
import { publicKeyFromDidKey } from './did-key.js';
import { verifyEd25519 } from './ed25519-verify.js';
import { CinnabarError, type CoreErrorCode } from './errors.js';
import { isUtcTime } from './tx/transaction.js';

// RFC 9110 §5.6.2 token, and a quoted-string restricted to visible ASCII without '"' and '\'.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PARAM = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)="([!#-[\]-~]*)"/y;
// The same, with SP allowed inside the quotes (qdtext has it; a read's target needs it).
const PARAM_WITH_SPACE = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)="([ !#-[\]-~]*)"/y;
const OWS = /[ \t]*/y;

export interface AuthParamsSpec<N extends string> {
  /** The scheme, e.g. Cinnabar-Upload. */
  scheme: string;
  /** Every parameter, each required exactly once, in lower case. */
  names: readonly N[];
  /** Longest header value parsed. */
  maxLength: number;
  /** The code of the CinnabarError thrown for a malformed header. */
  code: CoreErrorCode;
  /** Whether a value may contain spaces (default: no; only visible characters). */
  spaceInValues?: boolean;
}

/** Untrusted text, quoted and cut short for an error message. */
export function shownText(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** A time in the headers' form: RFC 3339 UTC to the second. */
export function authTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The parameters of an Authorization header value of `spec.scheme`, by lower-case name. Throws
 * CinnabarError (`spec.code`) saying what is wrong; the values are not checked beyond their syntax.
 */
export function parseAuthParams<N extends string>(header: string, spec: AuthParamsSpec<N>): Map<N, string> {
  const malformed = (message: string) => new CinnabarError(spec.code, message);
  if (typeof header !== 'string') throw malformed('the header must be a string');
  if (header.length > spec.maxLength)
    throw malformed(`the header is ${header.length} characters; the most accepted is ${spec.maxLength}`);
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (!TOKEN.test(scheme) || scheme.toLowerCase() !== spec.scheme.toLowerCase())
    throw malformed(`the authentication scheme is ${shownText(scheme)}, not ${spec.scheme}`);

  const param = spec.spaceInValues === true ? PARAM_WITH_SPACE : PARAM;
  const values = new Map<N, string>();
  let at = space < 0 ? header.length : space;
  while (header[at] === ' ') at++;
  if (at === header.length) throw malformed('the header has no parameters');
  for (;;) {
    param.lastIndex = at;
    const m = param.exec(header);
    if (!m) throw malformed(`expected name="value" at offset ${at}: ${shownText(header.slice(at))}`);
    const name = m[1]!.toLowerCase();
    if (!(spec.names as readonly string[]).includes(name))
      throw malformed(`unknown parameter ${shownText(m[1]!)}; expected ${spec.names.join(', ')}`);
    if (values.has(name as N)) throw malformed(`parameter ${name} appears more than once`);
    values.set(name as N, m[2]!);
    at = param.lastIndex;
    OWS.lastIndex = at;
    OWS.exec(header);
    at = OWS.lastIndex;
    if (at === header.length) break;
    if (header[at] !== ',') throw malformed(`expected "," at offset ${at}: ${shownText(header.slice(at))}`);
    OWS.lastIndex = at + 1;
    OWS.exec(header);
    at = OWS.lastIndex;
  }
  const missing = spec.names.filter((name) => !values.has(name));
  if (missing.length > 0) throw malformed(`missing parameter(s): ${missing.join(', ')}`);
  return values;
}

/** The `sig` parameter's check: canonical standard base64 of an Ed25519 signature (64 bytes). */
export function checkSignatureParam(
  sig: string,
  malformed: (message: string, cause?: unknown) => Error,
): void {
  let bytes: Uint8Array;
  try {
    bytes = base64Decode(sig);
  } catch (cause) {
    throw malformed(`sig is not canonical standard base64: ${(cause as Error).message}`, cause);
  }
  if (bytes.length !== 64) throw malformed(`sig is ${bytes.length} bytes; an Ed25519 signature is 64`);
}

/** Why a signed header fails: its time too far from the verifier's clock, or a bad signature. */
export type AuthVerdict =
  | { ok: true }
  | { ok: false; reason: 'bad_signature' | 'time_skew'; message: string };

/**
 * Whether a signed header holds: its time within `maxSkewSeconds` of `now` (either way; checked
 * first, cheaper than the signature, so stale headers cost the server little), and `sig` by the
 * did:key's key over `signingInput()`. `signed` names the signed fields for the message.
 */
export function verifySignedHeader(
  auth: { did: string; time: string; sig: string },
  signingInput: () => Uint8Array,
  now: Date,
  maxSkewSeconds: number,
  signed: string,
): AuthVerdict {
  if (!Number.isFinite(maxSkewSeconds) || maxSkewSeconds < 0)
    throw new RangeError(`maxSkewSeconds must be a non-negative number, not ${maxSkewSeconds}`);
  const signedAt = typeof auth.time === 'string' && isUtcTime(auth.time) ? Date.parse(auth.time) : Number.NaN;
  const skew = Math.abs(now.getTime() - signedAt) / 1000;
  if (!(skew <= maxSkewSeconds))
    return {
      ok: false,
      reason: 'time_skew',
      message: Number.isNaN(skew)
        ? 'the authorization has no valid time'
        : `the authorization was signed at ${auth.time}, ${Math.round(skew)} s from the server's clock (${authTime(now)}); at most ${maxSkewSeconds} s is accepted`,
    };
  try {
    const publicKey = publicKeyFromDidKey(auth.did);
    const sig = base64Decode(auth.sig);
    if (sig.length === 64 && verifyEd25519(sig, signingInput(), publicKey)) return { ok: true };
  } catch {
    // Falls through: a field that does not parse cannot have been signed.
  }
  return {
    ok: false,
    reason: 'bad_signature',
    message: `the signature is not by the key of did over these ${signed}`,
  };
}
