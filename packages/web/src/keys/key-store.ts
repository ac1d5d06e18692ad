/**
 * Identities kept in this browser: each an Ed25519 key in IndexedDB, never sent anywhere.
 *
 * Where the browser has WebCrypto Ed25519 (Chromium, Firefox, Safari 17+), the key is a CryptoKey
 * pair, made extractable so that it can be exported as a key file the CLI reads; elsewhere the
 * 32-byte seed itself is stored and signing goes through core's signers (@noble/curves).
 * Either way the private key stays in this origin's IndexedDB: what leaves the browser is only
 * signatures, and a key file the holder downloads on purpose.
 */
import { didFromSeed, didKeyFromPublicKey } from '@cinnabar/core';

const DB_NAME = 'cinnabar-keys';
const DB_VERSION = 1;
const STORE = 'identities';

/** RFC 8410 §7: the PKCS #8 encoding of an Ed25519 private key is this prefix and the 32-byte seed. */
const PKCS8_ED25519_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

interface StoredBase {
  did: string;
  name?: string;
  /** When the identity was made (the key file's "created"). */
  created: string;
  /** Known to be registered on this node (identity.register accepted, or looked up). */
  registered?: boolean;
}

/** A key held as a WebCrypto CryptoKey pair. */
export interface StoredWebCryptoKey extends StoredBase {
  backend: 'webcrypto';
  privateKey: CryptoKey;
}

/** A key held as its seed (browsers without WebCrypto Ed25519). */
export interface StoredSeedKey extends StoredBase {
  backend: 'noble';
  seed: Uint8Array;
}

export type StoredKey = StoredWebCryptoKey | StoredSeedKey;

/** What the app shows of an identity: never the key. */
export type IdentitySummary = StoredBase & { backend: StoredKey['backend'] };

export function summary(key: StoredKey): IdentitySummary {
  const { did, name, created, registered, backend } = key;
  return {
    did,
    created,
    backend,
    ...(name === undefined ? {} : { name }),
    ...(registered === undefined ? {} : { registered }),
  };
}

let webCryptoEd25519: Promise<boolean> | undefined;

/** Whether this browser signs with WebCrypto Ed25519 (checked once, by making a throwaway key). */
export function hasWebCryptoEd25519(): Promise<boolean> {
  webCryptoEd25519 ??= (async () => {
    try {
      await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
      return true;
    } catch {
      return false;
    }
  })();
  return webCryptoEd25519;
}

function pkcs8FromSeed(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  out.set(PKCS8_ED25519_PREFIX);
  out.set(seed, PKCS8_ED25519_PREFIX.length);
  return out;
}

function seedFromPkcs8(pkcs8: Uint8Array): Uint8Array {
  const prefix = pkcs8.subarray(0, PKCS8_ED25519_PREFIX.length);
  if (
    pkcs8.length !== PKCS8_ED25519_PREFIX.length + 32 ||
    !prefix.every((b, i) => b === PKCS8_ED25519_PREFIX[i])
  )
    throw new Error('the browser exported an Ed25519 key in an unexpected PKCS #8 form');
  return pkcs8.slice(PKCS8_ED25519_PREFIX.length);
}

/** A new key in this browser: WebCrypto where it can, else a random seed. */
export async function generateKey(meta: { name?: string; created: string }): Promise<StoredKey> {
  if (await hasWebCryptoEd25519()) {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    return {
      ...meta,
      did: didKeyFromPublicKey(publicKey),
      backend: 'webcrypto',
      privateKey: pair.privateKey,
    };
  }
  const seed = crypto.getRandomValues(new Uint8Array(32));
  return { ...meta, did: didFromSeed(seed), backend: 'noble', seed };
}

/** A stored key from a seed (an imported key file). The caller checks the DID. */
export async function keyFromSeed(
  seed: Uint8Array,
  meta: { name?: string; created: string },
): Promise<StoredKey> {
  const did = didFromSeed(seed);
  if (await hasWebCryptoEd25519()) {
    const privateKey = await crypto.subtle.importKey(
      'pkcs8',
      pkcs8FromSeed(seed),
      { name: 'Ed25519' },
      true,
      ['sign'],
    );
    return { ...meta, did, backend: 'webcrypto', privateKey };
  }
  return { ...meta, did, backend: 'noble', seed: seed.slice() };
}

/** The 32-byte seed of a stored key, for a key file: the caller wipes it after use. */
export async function exportSeed(key: StoredKey): Promise<Uint8Array> {
  if (key.backend === 'noble') return key.seed.slice();
  return seedFromPkcs8(new Uint8Array(await crypto.subtle.exportKey('pkcs8', key.privateKey)));
}

/** An Ed25519 signature (RFC 8032) over `message` by a WebCrypto key. */
export async function signWithCryptoKey(key: StoredWebCryptoKey, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.sign({ name: 'Ed25519' }, key.privateKey, new Uint8Array(message)),
  );
}

// ---------------------------------------------------------------------------------------------
// IndexedDB

let opened: Promise<IDBDatabase> | undefined;

function database(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE))
        request.result.createObjectStore(STORE, { keyPath: 'did' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
    request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this app'));
  });
  opened.catch(() => {
    opened = undefined;
  });
  return opened;
}

async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = act(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error ?? request.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export function listStoredKeys(): Promise<StoredKey[]> {
  return run('readonly', (store) => store.getAll() as IDBRequest<StoredKey[]>);
}

export async function getStoredKey(did: string): Promise<StoredKey | undefined> {
  return (await run('readonly', (store) => store.get(did) as IDBRequest<StoredKey | undefined>)) ?? undefined;
}

export async function putStoredKey(key: StoredKey): Promise<void> {
  await run('readwrite', (store) => store.put(key));
}

export async function deleteStoredKey(did: string): Promise<void> {
  await run('readwrite', (store) => store.delete(did));
}
