// W3C Data Integrity proofs with the eddsa-jcs-2022 cryptosuite ("Data Integrity EdDSA
// Cryptosuites v1.0", https://www.w3.org/TR/vc-di-eddsa/, §3.3):
//
//   proofConfig = the proof without proofValue, with '@context' copied from the document (§3.3.1)
//   hashData    = SHA-256(JCS(proofConfig)) || SHA-256(JCS(document without proof))   (§3.3.5)
//   proofValue  = 'z' + base58btc(Ed25519-sign(secret key, hashData))                (§3.3.6)
//
// Verification (§3.3.2) rebuilds hashData from the secured document and checks the signature
// strictly (RFC 8032 canonical encodings, no ZIP-215 leniency). A signature that does not verify
// gives false; input that is not a well-formed eddsa-jcs-2022 proof throws CinnabarError:
//   malformed_credential     the document is not a JSON object, has no proof, or a bad '@context'
//   malformed_proof          a proof field is missing, duplicated, of the wrong type or encoding
//   unsupported_cryptosuite  the proof is not a DataIntegrityProof with cryptosuite eddsa-jcs-2022
//   invalid_proof            the proof's '@context' is not a prefix of the document's (§3.3.2 step 3)
//                            or its proofPurpose is not the expected one
//   malformed_did            default key resolution: not an Ed25519 did:key "did:key:z…#z…"
//   malformed_json           the document is not JSON (duplicate names, non-JSON values, …)

import { ed25519 } from '@noble/curves/ed25519.js';
import { base58btcDecode, base58btcEncode } from '../base58.js';
import { concatBytes } from '../bytes.js';
import { publicKeyFromVerificationMethodId } from '../did-key.js';
import { verifyEd25519 } from '../ed25519-verify.js';
import { CinnabarError, type CoreErrorCode } from '../errors.js';
import { sha256 } from '../hash.js';
import { canonicalBytes, canonicalize, parseJsonStrict } from '../jcs.js';

export const DATA_INTEGRITY_PROOF = 'DataIntegrityProof';
export const EDDSA_JCS_2022 = 'eddsa-jcs-2022';
const SEED_SIZE = 32;
const PUBLIC_KEY_SIZE = 32;
const SIGNATURE_SIZE = 64;
/** A 64-byte signature is at most 88 base58 digits; bound decoding before doing it. */
const MAX_PROOF_VALUE_LENGTH = 1 + 90;

/** A JSON object, as a credential or a proof is. */
export type DataIntegrityDocument = { [name: string]: unknown };

/** A Data Integrity proof as this suite creates and verifies it. */
export interface DataIntegrityProof {
  '@context'?: unknown;
  type: typeof DATA_INTEGRITY_PROOF;
  cryptosuite: typeof EDDSA_JCS_2022;
  created?: string;
  verificationMethod: string;
  proofPurpose: string;
  proofValue: string;
  [name: string]: unknown;
}

export interface CreateProofOptions {
  /** The 32-byte Ed25519 secret key (RFC 8032 seed). */
  privateKey: Uint8Array;
  /** The verification method id, e.g. "did:key:z6Mk…#z6Mk…" (see verificationMethodId). */
  verificationMethod: string;
  /** Default 'assertionMethod'. */
  proofPurpose?: string;
  /** XML Schema dateTimeStamp, e.g. "2023-02-24T23:36:38Z"; omitted from the proof if not given. */
  created?: string;
  /** Further proof options (expires, domain, challenge, nonce, id, …), signed as given. */
  extra?: DataIntegrityDocument;
}

export interface VerifyOptions {
  /**
   * The 32-byte Ed25519 public key of a verification method. Default: only Ed25519 did:key
   * methods "did:key:z…#z…" whose fragment is the DID's own multibase value.
   */
  resolveKey?: (verificationMethod: string) => Uint8Array;
  /** If given, a proof with another proofPurpose is rejected (invalid_proof). */
  expectedProofPurpose?: string;
}

function fail(code: CoreErrorCode, message: string, cause?: unknown): CinnabarError {
  return new CinnabarError(code, message, cause === undefined ? undefined : { cause });
}

function isObject(value: unknown): value is DataIntegrityDocument {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

// XML Schema 1.1 dateTimeStamp: a dateTime with a mandatory time zone.
const DATE_TIME_STAMP =
  /^-?(?:[1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(?:([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;

function checkDateTime(field: string, value: unknown, code: CoreErrorCode): void {
  if (typeof value !== 'string' || !DATE_TIME_STAMP.test(value)) {
    throw fail(
      code,
      `proof ${field} must be an XML Schema dateTimeStamp (e.g. "2023-02-24T23:36:38Z"), got ${shown(value)}`,
    );
  }
}

/** The document as a plain object: parsed strictly if it is JSON text, checked to be JSON. */
function documentObject(document: unknown): DataIntegrityDocument {
  const value =
    typeof document === 'string' || document instanceof Uint8Array ? parseJsonStrict(document) : document;
  if (!isObject(value)) {
    throw fail(
      'malformed_credential',
      `a credential must be a JSON object, got ${Array.isArray(value) ? 'an array' : shown(value)}`,
    );
  }
  canonicalize(value); // throws malformed_json for anything that is not JSON
  return value;
}

function withoutMember(object: DataIntegrityDocument, name: string): DataIntegrityDocument {
  const copy: DataIntegrityDocument = {};
  for (const key of Object.keys(object)) {
    if (key !== name)
      Object.defineProperty(copy, key, {
        value: object[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return copy;
}

function setMember(object: DataIntegrityDocument, name: string, value: unknown): void {
  Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
}

function checkContext(context: unknown, where: string, code: CoreErrorCode): void {
  const ok =
    typeof context === 'string' ||
    isObject(context) ||
    (Array.isArray(context) &&
      context.length > 0 &&
      context.every((c) => typeof c === 'string' || isObject(c)));
  if (!ok)
    throw fail(
      code,
      `${where} '@context' must be a string, an object or a non-empty array of them, got ${shown(context)}`,
    );
}

/** SHA-256(JCS(proofConfig)) || SHA-256(JCS(document)): §3.3.4 and §3.3.5 (proof config first). */
function hashData(proofConfig: DataIntegrityDocument, unsecured: DataIntegrityDocument): Uint8Array {
  return concatBytes(sha256(canonicalBytes(proofConfig)), sha256(canonicalBytes(unsecured)));
}

/** The proof configuration of §3.3.4 for a proof being created (options checked, '@context' copied). */
function proofConfiguration(
  document: DataIntegrityDocument,
  options: CreateProofOptions,
): DataIntegrityDocument {
  const config: DataIntegrityDocument = {};
  if (options.extra !== undefined) {
    if (!isObject(options.extra)) throw fail('malformed_proof', 'proof option extra must be an object');
    for (const key of Object.keys(options.extra)) {
      if (
        [
          'type',
          'cryptosuite',
          'proofValue',
          'verificationMethod',
          'proofPurpose',
          'created',
          '@context',
        ].includes(key)
      ) {
        throw fail('malformed_proof', `proof option extra may not set ${shown(key)}`);
      }
      setMember(config, key, structuredClone(options.extra[key]));
    }
  }
  config.type = DATA_INTEGRITY_PROOF;
  config.cryptosuite = EDDSA_JCS_2022;
  if (options.created !== undefined) {
    checkDateTime('created', options.created, 'malformed_proof');
    config.created = options.created;
  }
  if (options.extra?.expires !== undefined)
    checkDateTime('expires', options.extra.expires, 'malformed_proof');
  if (typeof options.verificationMethod !== 'string' || options.verificationMethod.length === 0) {
    throw fail(
      'malformed_proof',
      `proof verificationMethod must be a non-empty string, got ${shown(options.verificationMethod)}`,
    );
  }
  config.verificationMethod = options.verificationMethod;
  const purpose = options.proofPurpose ?? 'assertionMethod';
  if (typeof purpose !== 'string' || purpose.length === 0) {
    throw fail('malformed_proof', `proof proofPurpose must be a non-empty string, got ${shown(purpose)}`);
  }
  config.proofPurpose = purpose;
  if (document['@context'] !== undefined) {
    checkContext(document['@context'], 'credential', 'malformed_credential');
    // A copy: the proof must not share (and so change with) the document's array.
    config['@context'] = structuredClone(document['@context']);
  }
  return config;
}

/**
 * Creates an eddsa-jcs-2022 DataIntegrityProof over `document` (a JSON object without a proof),
 * as vc-di-eddsa §3.3.1 does. Deterministic: the same inputs give the same proof.
 */
export function createProof(document: unknown, options: CreateProofOptions): DataIntegrityProof {
  const unsecured = documentObject(document);
  if (Object.hasOwn(unsecured, 'proof')) {
    throw fail(
      'malformed_credential',
      'the credential already has a proof; proof sets and chains are not supported',
    );
  }
  if (!(options.privateKey instanceof Uint8Array) || options.privateKey.length !== SEED_SIZE) {
    const what =
      options.privateKey instanceof Uint8Array
        ? `${options.privateKey.length} bytes`
        : typeof options.privateKey;
    throw fail('malformed_key', `an Ed25519 secret key is a 32-byte seed, got ${what}`);
  }
  const config = proofConfiguration(unsecured, options);
  const signature = ed25519.sign(hashData(config, unsecured), options.privateKey);
  return { ...config, proofValue: `z${base58btcEncode(signature)}` } as DataIntegrityProof;
}

/** `document` with an eddsa-jcs-2022 proof added under "proof" (a new object; the input is untouched). */
export function signDocument(
  document: unknown,
  options: CreateProofOptions,
): DataIntegrityDocument & { proof: DataIntegrityProof } {
  const unsecured = documentObject(document);
  const proof = createProof(unsecured, options);
  const secured = withoutMember(unsecured, 'proof');
  setMember(secured, 'proof', proof);
  return secured as DataIntegrityDocument & { proof: DataIntegrityProof };
}

function requiredString(proof: DataIntegrityDocument, field: string): string {
  const value = proof[field];
  if (value === undefined) throw fail('malformed_proof', `proof has no ${field}`);
  if (typeof value !== 'string' || value.length === 0) {
    throw fail('malformed_proof', `proof ${field} must be a non-empty string, got ${shown(value)}`);
  }
  return value;
}

function decodeProofValue(proofValue: string): Uint8Array {
  if (proofValue[0] !== 'z') {
    throw fail(
      'malformed_proof',
      `proofValue must be multibase base58btc ("z…"), got prefix ${shown(proofValue[0])}`,
    );
  }
  if (proofValue.length > MAX_PROOF_VALUE_LENGTH) {
    throw fail(
      'malformed_proof',
      `proofValue is ${proofValue.length} characters, too long for a 64-byte signature`,
    );
  }
  let signature: Uint8Array;
  try {
    signature = base58btcDecode(proofValue.slice(1));
  } catch (error) {
    throw fail('malformed_proof', `proofValue is not base58btc: ${(error as Error).message}`, error);
  }
  if (signature.length !== SIGNATURE_SIZE) {
    throw fail('malformed_proof', `proofValue holds ${signature.length} bytes; an Ed25519 signature is 64`);
  }
  return signature;
}

function contextList(context: unknown): unknown[] {
  return Array.isArray(context) ? context : [context];
}

/**
 * Verifies the eddsa-jcs-2022 proof of `securedDocument` (a JSON object, or JSON text parsed
 * strictly so that duplicate names are rejected) as vc-di-eddsa §3.3.2 does. Returns whether the
 * signature verifies; throws CinnabarError for malformed input (see the header of this module).
 */
export function verifyDocument(securedDocument: unknown, options: VerifyOptions = {}): boolean {
  const secured = documentObject(securedDocument);
  if (!Object.hasOwn(secured, 'proof')) throw fail('malformed_credential', 'the credential has no proof');
  const proof = secured.proof;
  if (Array.isArray(proof))
    throw fail('malformed_proof', 'proof sets (an array of proofs) are not supported');
  if (!isObject(proof)) throw fail('malformed_proof', `proof must be an object, got ${shown(proof)}`);

  const type = requiredString(proof, 'type');
  if (type !== DATA_INTEGRITY_PROOF) {
    throw fail('unsupported_cryptosuite', `proof type must be "${DATA_INTEGRITY_PROOF}", got ${shown(type)}`);
  }
  const cryptosuite = requiredString(proof, 'cryptosuite');
  if (cryptosuite !== EDDSA_JCS_2022) {
    throw fail(
      'unsupported_cryptosuite',
      `proof cryptosuite must be "${EDDSA_JCS_2022}", got ${shown(cryptosuite)}`,
    );
  }
  const verificationMethod = requiredString(proof, 'verificationMethod');
  const proofPurpose = requiredString(proof, 'proofPurpose');
  const signature = decodeProofValue(requiredString(proof, 'proofValue'));
  if (proof.created !== undefined) checkDateTime('created', proof.created, 'malformed_proof');
  if (proof.expires !== undefined) checkDateTime('expires', proof.expires, 'malformed_proof');
  if (options.expectedProofPurpose !== undefined && proofPurpose !== options.expectedProofPurpose) {
    throw fail(
      'invalid_proof',
      `proof proofPurpose is ${shown(proofPurpose)}, expected ${shown(options.expectedProofPurpose)}`,
    );
  }

  const proofOptions = withoutMember(proof, 'proofValue');
  const unsecured = withoutMember(secured, 'proof');
  // §3.3.2 step 3: the proof's '@context' must be a prefix of the document's, and replaces it.
  if (Object.hasOwn(proofOptions, '@context')) {
    checkContext(proofOptions['@context'], 'proof', 'malformed_proof');
    if (!Object.hasOwn(secured, '@context')) {
      throw fail('invalid_proof', "the proof has an '@context' but the credential has none");
    }
    checkContext(secured['@context'], 'credential', 'malformed_credential');
    const expected = contextList(proofOptions['@context']);
    const actual = contextList(secured['@context']);
    const prefix =
      expected.length <= actual.length &&
      expected.every((c, i) => canonicalize(c) === canonicalize(actual[i]));
    if (!prefix) {
      throw fail('invalid_proof', "the credential's '@context' does not start with the proof's '@context'");
    }
    setMember(unsecured, '@context', proofOptions['@context']);
  }

  const resolve = options.resolveKey ?? publicKeyFromVerificationMethodId;
  const publicKey = resolve(verificationMethod);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_SIZE) {
    throw fail(
      'malformed_key',
      `verification method ${shown(verificationMethod)} did not resolve to a 32-byte Ed25519 key`,
    );
  }
  try {
    return verifyEd25519(signature, hashData(proofOptions, unsecured), publicKey);
  } catch {
    return false;
  }
}
