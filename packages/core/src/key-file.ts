// Identity key files: the private key of a did:key Ed25519 identity, optionally encrypted with a
// passphrase. Browser-safe (WebCrypto and @noble only), so the web app can import and export the
// very same files as the CLI.
//
// Format, version 1 (a JSON object; no other members are accepted):
//
//   { "type": "cinnabar-key", "version": 1, "did": "did:key:z…", "name"?: string, "created": ISO,
//     and exactly one of
//     "privateKey": base64 of the 32-byte Ed25519 seed (RFC 8032 §5.1.5 private key), or
//     "encrypted": { "kdf": "scrypt", "N": 2^k, "r": …, "p": …, "salt": base64,
//                    "cipher": "aes-256-gcm", "iv": base64, "ciphertext": base64 } }
//
// Encryption: key = scrypt(NFC(passphrase) as UTF-8, salt, N, r, p, dkLen 32) (RFC 7914), then
// AES-256-GCM (NIST SP 800-38D) of the seed with a random 96-bit IV and, as additional
// authenticated data, the RFC 8785 canonical JSON of {"did", "type", "version"}: a ciphertext moved
// under another file header (another DID, another version) does not decrypt. "name" and
// "created" are labels and are not authenticated. The DID is in clear in the header, so a file's
// identity can be shown without the passphrase; opening a file always checks that the seed's
// public key gives exactly that DID.
//
// Everything read is untrusted: the text is parsed with parseJsonStrict under tight limits, every
// member is checked (types, lengths, canonical base64, known kdf and cipher), and the scrypt
// parameters are bounded so a hostile file cannot make opening it cost minutes or gigabytes.

import { ed25519 } from '@noble/curves/ed25519.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { base64Decode, base64Encode } from './base64.js';
import { utf8Encode } from './bytes.js';
import { didKeyFromPublicKey, publicKeyFromDidKey } from './did-key.js';
import { CinnabarError, isCinnabarError } from './errors.js';
import { canonicalize, parseJsonStrict } from './jcs.js';

export const KEY_FILE_TYPE = 'cinnabar-key';
export const KEY_FILE_VERSION = 1;
/** Size of an Ed25519 private key (the seed), and of the AES-256 key derived from a passphrase. */
const SEED_SIZE = 32;
const AES_KEY_SIZE = 32;
/** AES-GCM: a 96-bit IV (SP 800-38D §8.2 recommends it) and a 128-bit tag. */
const IV_SIZE = 12;
const TAG_SIZE = 16;
const SALT_SIZE = 16;
const MIN_SALT_SIZE = 16;
const MAX_SALT_SIZE = 64;
/** Longest accepted name, in UTF-16 code units. */
export const MAX_KEY_NAME_LENGTH = 200;
/** Largest accepted key file, in bytes: a real one is well under 1 KiB. */
export const MAX_KEY_FILE_BYTES = 16 * 1024;

/** scrypt cost parameters (RFC 7914 §2). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * Default cost: N = 2^15, r = 8, p = 1, about 32 MiB of memory (128·N·r bytes) and some 100 ms on
 * a laptop. It is the cost RFC 7914 and the scrypt paper give for interactive logins, and the one
 * that still opens in reasonable time in a browser tab on a phone (WebAssembly-free JS scrypt is
 * several times slower than native code). A strong passphrase matters more than a higher N.
 */
export const DEFAULT_KEY_FILE_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/**
 * Bounds on scrypt parameters, for files written and read alike. A file is untrusted input and its
 * parameters decide how much work opening it takes: N at most 2^20, r at most 16, p at most 4,
 * 128·N·r (the memory scrypt needs) at most 256 MiB, and N·r·p (the work) at most four times the
 * default's, so a hostile file costs seconds, not half a minute and a gigabyte. N at least 2^14 and
 * r, p at least 1 so nothing writes a weakly protected file.
 */
export const KEY_FILE_SCRYPT_BOUNDS = Object.freeze({
  minLogN: 14,
  maxLogN: 20,
  maxR: 16,
  maxP: 4,
  maxMemoryBytes: 256 * 1024 ** 2,
  maxWork: 4 * 2 ** 15 * 8,
});

/** A new identity: its DID and the 32-byte Ed25519 seed (keep it secret). */
export interface Identity {
  did: string;
  seed: Uint8Array;
}

export interface CreateKeyFileOptions {
  /** The 32-byte Ed25519 seed. */
  seed: Uint8Array;
  /** A label for people; not authenticated. */
  name?: string;
  /** Encrypt the seed with this passphrase (normalized to NFC); without it the file is plain. */
  passphrase?: string;
  /** Creation time; now if not given. */
  created?: Date | string;
  /** scrypt cost; DEFAULT_KEY_FILE_SCRYPT if not given, and always within KEY_FILE_SCRYPT_BOUNDS. */
  scrypt?: ScryptParams;
}

/** What the header of a key file says, readable without the passphrase. */
export interface KeyFileInfo {
  did: string;
  name?: string;
  created: string;
  /** Whether the private key is encrypted with a passphrase. */
  encrypted: boolean;
  /** The scrypt cost of an encrypted file. */
  scrypt?: ScryptParams;
}

/** An opened key file. */
export interface OpenedKeyFile {
  did: string;
  seed: Uint8Array;
  name?: string;
  created: string;
}

interface EncryptedSeed extends ScryptParams {
  salt: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

interface ParsedKeyFile {
  did: string;
  name?: string;
  created: string;
  privateKey?: Uint8Array;
  encrypted?: EncryptedSeed;
}

function malformed(reason: string, cause?: unknown): CinnabarError {
  return new CinnabarError(
    'malformed_key_file',
    `malformed key file: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

/** A fresh identity from 32 random bytes (WebCrypto getRandomValues). */
export function generateIdentity(): Identity {
  const seed = randomBytes(SEED_SIZE);
  return { did: didFromSeed(seed), seed };
}

/** The did:key of an Ed25519 seed. Throws malformed_key if `seed` is not 32 bytes. */
export function didFromSeed(seed: Uint8Array): string {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_SIZE) {
    const what = seed instanceof Uint8Array ? `${seed.length} bytes` : typeof seed;
    throw new CinnabarError('malformed_key', `an Ed25519 private key (seed) is 32 bytes, got ${what}`);
  }
  return didKeyFromPublicKey(ed25519.getPublicKey(seed));
}

function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(size));
}

/** Checks scrypt parameters against KEY_FILE_SCRYPT_BOUNDS; returns the reason they are refused. */
function scryptProblem(params: { N?: unknown; r?: unknown; p?: unknown }): string | undefined {
  const { N, r, p } = params;
  const b = KEY_FILE_SCRYPT_BOUNDS;
  if (typeof N !== 'number' || !Number.isSafeInteger(N)) return `scrypt N must be an integer, got ${show(N)}`;
  if (N < 2 ** b.minLogN || N > 2 ** b.maxLogN || (N & (N - 1)) !== 0) {
    return `scrypt N must be a power of two from 2^${b.minLogN} to 2^${b.maxLogN}, got ${N}`;
  }
  if (typeof r !== 'number' || !Number.isSafeInteger(r) || r < 1 || r > b.maxR) {
    return `scrypt r must be an integer from 1 to ${b.maxR}, got ${show(r)}`;
  }
  if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 1 || p > b.maxP) {
    return `scrypt p must be an integer from 1 to ${b.maxP}, got ${show(p)}`;
  }
  if (128 * N * r > b.maxMemoryBytes) {
    return `scrypt N=${N} r=${r} needs ${(128 * N * r) / 1024 ** 2} MiB, more than ${b.maxMemoryBytes / 1024 ** 2} MiB`;
  }
  if (N * r * p > b.maxWork) {
    return `scrypt N=${N} r=${r} p=${p} is more work (N·r·p = ${N * r * p}) than the most allowed, ${b.maxWork}`;
  }
  return undefined;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** The additional authenticated data of the AES-GCM encryption: binds the DID and the version. */
function additionalData(did: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(utf8Encode(canonicalize({ did, type: KEY_FILE_TYPE, version: KEY_FILE_VERSION })));
}

function checkPassphrase(passphrase: unknown): string {
  if (typeof passphrase !== 'string') {
    throw new CinnabarError('wrong_passphrase', `a passphrase must be a string, got ${typeof passphrase}`);
  }
  if (passphrase.length === 0) throw new CinnabarError('wrong_passphrase', 'the passphrase is empty');
  return passphrase.normalize('NFC');
}

async function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<CryptoKey> {
  const raw = await scryptAsync(utf8Encode(passphrase), salt, {
    ...params,
    dkLen: AES_KEY_SIZE,
    maxmem: KEY_FILE_SCRYPT_BOUNDS.maxMemoryBytes + 1024 * 1024,
  });
  try {
    return await globalThis.crypto.subtle.importKey('raw', new Uint8Array(raw), 'AES-GCM', false, [
      'encrypt',
      'decrypt',
    ]);
  } finally {
    raw.fill(0);
  }
}

function checkedName(name: unknown): string {
  if (typeof name !== 'string') return fail(`"name" must be a string, got ${show(name)}`);
  if (name.length === 0) return fail('"name" is empty; leave it out instead');
  if (name.length > MAX_KEY_NAME_LENGTH) {
    return fail(`"name" is ${name.length} characters, more than ${MAX_KEY_NAME_LENGTH}`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) {
    return fail('"name" contains a control character or line break');
  }
  return name;
}

function fail(reason: string): never {
  throw malformed(reason);
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function checkedCreated(created: unknown): string {
  if (typeof created !== 'string') return fail(`"created" must be a string, got ${show(created)}`);
  const time = Date.parse(created);
  if (!ISO_TIME.test(created) || Number.isNaN(time) || new Date(time).toISOString() !== created) {
    return fail(`"created" must be a UTC time as "YYYY-MM-DDTHH:MM:SS.sssZ", got ${show(created)}`);
  }
  return created;
}

/**
 * A new key file for `seed`, as JSON text (with a final newline). With a passphrase, the seed is
 * encrypted (scrypt, AES-256-GCM); without one it is stored in clear, and the file must be kept
 * owner-only. Throws malformed_key for a seed that is not 32 bytes, malformed_key_file for a bad
 * name, time or scrypt parameters, and wrong_passphrase for an empty passphrase.
 */
export async function createKeyFile(options: CreateKeyFileOptions): Promise<string> {
  const did = didFromSeed(options.seed);
  const created = checkedCreated(
    options.created instanceof Date
      ? options.created.toISOString()
      : (options.created ?? new Date().toISOString()),
  );
  const file: Record<string, unknown> = { type: KEY_FILE_TYPE, version: KEY_FILE_VERSION, did };
  if (options.name !== undefined) file.name = checkedName(options.name);
  file.created = created;
  if (options.passphrase === undefined) {
    file.privateKey = base64Encode(options.seed);
  } else {
    const passphrase = checkPassphrase(options.passphrase);
    const params = options.scrypt ?? DEFAULT_KEY_FILE_SCRYPT;
    const problem = scryptProblem(params);
    if (problem !== undefined) throw malformed(problem);
    const salt = randomBytes(SALT_SIZE);
    const iv = randomBytes(IV_SIZE);
    const key = await deriveKey(passphrase, salt, params);
    const ciphertext = new Uint8Array(
      await globalThis.crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: additionalData(did), tagLength: TAG_SIZE * 8 },
        key,
        new Uint8Array(options.seed),
      ),
    );
    file.encrypted = {
      kdf: 'scrypt',
      N: params.N,
      r: params.r,
      p: params.p,
      salt: base64Encode(salt),
      cipher: 'aes-256-gcm',
      iv: base64Encode(iv),
      ciphertext: base64Encode(ciphertext),
    };
  }
  return `${JSON.stringify(file, null, 2)}\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkMembers(object: Record<string, unknown>, where: string, allowed: readonly string[]): void {
  for (const name of Object.keys(object)) {
    if (!allowed.includes(name)) fail(`unknown member ${show(name)} in ${where}`);
  }
}

function bytesMember(
  object: Record<string, unknown>,
  name: string,
  where: string,
  min: number,
  max = min,
): Uint8Array {
  const value = object[name];
  if (value === undefined) fail(`${where} has no "${name}"`);
  if (typeof value !== 'string') fail(`"${name}" must be a base64 string, got ${show(value)}`);
  // Bound the decoding before doing it: base64 is 4 characters per 3 bytes.
  if (value.length > 4 * Math.ceil(max / 3)) fail(`"${name}" is too long (${value.length} characters)`);
  let bytes: Uint8Array;
  try {
    bytes = base64Decode(value);
  } catch (error) {
    throw malformed(`"${name}": ${(error as Error).message}`, error);
  }
  if (bytes.length < min || bytes.length > max) {
    fail(`"${name}" is ${bytes.length} bytes, expected ${min === max ? min : `${min} to ${max}`}`);
  }
  return bytes;
}

/** Parses and checks every member of a key file; does not decrypt or check the key against the DID. */
function parseKeyFile(text: string | Uint8Array): ParsedKeyFile {
  let value: unknown;
  try {
    value = parseJsonStrict(text, {
      maxBytes: MAX_KEY_FILE_BYTES,
      maxDepth: 2,
      maxStringLength: 1024,
      maxKeys: 16,
    });
  } catch (error) {
    if (isCinnabarError(error)) throw malformed(`not valid JSON: ${error.message}`, error);
    throw error;
  }
  if (!isPlainObject(value)) fail('it must be a JSON object');
  if (value.type !== KEY_FILE_TYPE) fail(`"type" must be "${KEY_FILE_TYPE}", got ${show(value.type)}`);
  if (value.version !== KEY_FILE_VERSION) {
    fail(`unsupported "version" ${show(value.version)}; this version reads version ${KEY_FILE_VERSION}`);
  }
  checkMembers(value, 'the key file', [
    'type',
    'version',
    'did',
    'name',
    'created',
    'privateKey',
    'encrypted',
  ]);
  if (typeof value.did !== 'string') fail(`"did" must be a string, got ${show(value.did)}`);
  const did = value.did;
  try {
    publicKeyFromDidKey(did);
  } catch (error) {
    if (isCinnabarError(error)) throw malformed(`"did": ${error.message}`, error);
    throw error;
  }
  const parsed: ParsedKeyFile = { did, created: checkedCreated(value.created) };
  if (value.name !== undefined) parsed.name = checkedName(value.name);
  const hasPlain = value.privateKey !== undefined;
  const hasEncrypted = value.encrypted !== undefined;
  if (hasPlain === hasEncrypted) fail('it must have exactly one of "privateKey" and "encrypted"');
  if (hasPlain) {
    parsed.privateKey = bytesMember(value, 'privateKey', 'the key file', SEED_SIZE);
    return parsed;
  }
  const enc = value.encrypted;
  if (!isPlainObject(enc)) fail(`"encrypted" must be an object, got ${show(enc)}`);
  checkMembers(enc, '"encrypted"', ['kdf', 'N', 'r', 'p', 'salt', 'cipher', 'iv', 'ciphertext']);
  if (enc.kdf !== 'scrypt') fail(`unsupported "kdf" ${show(enc.kdf)}; only "scrypt" is supported`);
  if (enc.cipher !== 'aes-256-gcm') {
    fail(`unsupported "cipher" ${show(enc.cipher)}; only "aes-256-gcm" is supported`);
  }
  const problem = scryptProblem(enc);
  if (problem !== undefined) fail(problem);
  parsed.encrypted = {
    N: enc.N as number,
    r: enc.r as number,
    p: enc.p as number,
    salt: bytesMember(enc, 'salt', '"encrypted"', MIN_SALT_SIZE, MAX_SALT_SIZE),
    iv: bytesMember(enc, 'iv', '"encrypted"', IV_SIZE),
    ciphertext: bytesMember(enc, 'ciphertext', '"encrypted"', SEED_SIZE + TAG_SIZE),
  };
  return parsed;
}

/**
 * What a key file's header says (DID, name, creation time, whether encrypted), without the
 * passphrase. Every member is checked as openKeyFile checks it; throws malformed_key_file. For an
 * encrypted file the DID is not proven until the file is opened with its passphrase.
 */
export function inspectKeyFile(text: string | Uint8Array): KeyFileInfo {
  const parsed = parseKeyFile(text);
  const info: KeyFileInfo = { did: parsed.did, created: parsed.created, encrypted: !!parsed.encrypted };
  if (parsed.name !== undefined) info.name = parsed.name;
  if (parsed.encrypted) {
    const { N, r, p } = parsed.encrypted;
    info.scrypt = { N, r, p };
  }
  return info;
}

/**
 * Opens a key file: parses and checks it strictly, decrypts the seed if it is encrypted, and checks
 * that the seed's public key gives exactly the file's DID. Throws CinnabarError: malformed_key_file
 * saying what is wrong with the file (including a key that does not match the DID), and
 * wrong_passphrase if the file is encrypted and the passphrase is missing, or does not decrypt it
 * (a wrong passphrase and an altered ciphertext, IV, salt or DID cannot be told apart).
 */
export async function openKeyFile(text: string | Uint8Array, passphrase?: string): Promise<OpenedKeyFile> {
  const parsed = parseKeyFile(text);
  let seed: Uint8Array;
  if (parsed.privateKey) {
    seed = parsed.privateKey;
  } else {
    const enc = parsed.encrypted!;
    if (passphrase === undefined) {
      throw new CinnabarError(
        'wrong_passphrase',
        `the key file of ${parsed.did} is encrypted: a passphrase is needed to open it`,
      );
    }
    const key = await deriveKey(checkPassphrase(passphrase), enc.salt, enc);
    try {
      seed = new Uint8Array(
        await globalThis.crypto.subtle.decrypt(
          {
            name: 'AES-GCM',
            iv: new Uint8Array(enc.iv),
            additionalData: additionalData(parsed.did),
            tagLength: TAG_SIZE * 8,
          },
          key,
          new Uint8Array(enc.ciphertext),
        ),
      );
    } catch (error) {
      throw new CinnabarError(
        'wrong_passphrase',
        `wrong passphrase for the key file of ${parsed.did} (or the file has been altered)`,
        { cause: error },
      );
    }
  }
  if (seed.length !== SEED_SIZE) fail(`the private key is ${seed.length} bytes, expected ${SEED_SIZE}`);
  const actual = didFromSeed(seed);
  if (actual !== parsed.did) {
    seed.fill(0);
    fail(`its private key belongs to ${actual}, not to the file's "did" ${parsed.did}`);
  }
  const opened: OpenedKeyFile = { did: parsed.did, seed, created: parsed.created };
  if (parsed.name !== undefined) opened.name = parsed.name;
  return opened;
}
