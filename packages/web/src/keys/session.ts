/**
 * The key session: the identities kept in this browser, the active one, and signing with it. Other
 * parts of the app (the register page, the wallet, the halls' curator editor) use only this:
 *
 *   const { active } = useSession();                 // { did, name, registered } or undefined
 *   const accepted = await submit('space.create', body);   // signs in the browser, posts /v1/tx
 *   const header = await authorizeUpload({ cid, size });   // Authorization for PUT /v1/blobs
 *   const header = await authorizeRead('GET /v1/blobs/bafkrei…');  // for a graded work's bytes
 *
 * Signing happens here, in the page; what goes to the node is the signed transaction or header.
 */
import {
  base64Encode,
  CinnabarError,
  checkTransaction,
  createKeyFile,
  encodeTransaction,
  formatReadAuthorization,
  formatUploadAuthorization,
  isCinnabarApiError,
  type JsonObject,
  openKeyFile,
  readSigningInput,
  type SignedTransaction,
  signReadAuthorization,
  signTransaction,
  signUploadAuthorization,
  type Transaction,
  type TxAccepted,
  transactionSigningInput,
  uploadSigningInput,
} from '@cinnabar/core';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import {
  deleteStoredKey,
  exportSeed,
  generateKey,
  getStoredKey,
  type IdentitySummary,
  keyFromSeed,
  listStoredKeys,
  putStoredKey,
  type StoredKey,
  signWithCryptoKey,
  summary,
} from './key-store.js';

export type { IdentitySummary } from './key-store.js';

const ACTIVE_KEY = 'cinnabar.activeIdentity';

/** A header's time: RFC 3339 UTC to the second, as core's signers write it. */
function authTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface SessionState {
  /** False until the identities have been read from IndexedDB. */
  ready: boolean;
  identities: IdentitySummary[];
  /** The identity that signs: the chosen one, or the only one. */
  active: IdentitySummary | undefined;
  /** Why the keys could not be read (no IndexedDB, private mode). */
  error?: string;
}

let state: SessionState = { ready: false, identities: [], active: undefined };
const listeners = new Set<() => void>();
let started = false;

function publish(identities: IdentitySummary[], error?: string): void {
  const chosen = localStorage.getItem(ACTIVE_KEY);
  const active =
    identities.find((i) => i.did === chosen) ?? (identities.length === 1 ? identities[0] : undefined);
  state = { ready: true, identities, active, ...(error === undefined ? {} : { error }) };
  for (const listener of listeners) listener();
}

async function reload(): Promise<void> {
  try {
    const keys = await listStoredKeys();
    keys.sort((a, b) => a.created.localeCompare(b.created));
    publish(keys.map(summary));
  } catch (error) {
    publish([], (error as Error).message);
  }
}

/** The session's current state, read from IndexedDB on first use. */
export function sessionState(): SessionState {
  if (!started) {
    started = true;
    void reload();
  }
  return state;
}

/** The identities in this browser and the active one; re-renders when they change. */
export function useSession(): SessionState {
  const rendered = sessionState();
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    // The first read of the keys may finish between this render and this effect: its publish
    // found no listener, so render again now or the panel would wait for it forever.
    if (state !== rendered) listener();
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return sessionState();
}

/** Choose the identity that signs. */
export function setActiveIdentity(did: string): void {
  localStorage.setItem(ACTIVE_KEY, did);
  publish(state.identities, state.error);
}

/** Make a new identity in this browser and make it the active one. */
export async function createIdentity(name?: string): Promise<IdentitySummary> {
  const key = await generateKey({ ...(name ? { name } : {}), created: new Date().toISOString() });
  // A key made here cannot be on the ledger yet: no need to ask the node.
  key.registered = false;
  await putStoredKey(key);
  localStorage.setItem(ACTIVE_KEY, key.did);
  await reload();
  return summary(key);
}

/** Forget an identity in this browser (export its key file first, or it is gone). */
export async function removeIdentity(did: string): Promise<void> {
  await deleteStoredKey(did);
  if (localStorage.getItem(ACTIVE_KEY) === did) localStorage.removeItem(ACTIVE_KEY);
  await reload();
}

/**
 * Import a key file (the CLI's `cinnabar id new` writes them): opened with the passphrase if it is
 * encrypted, checked against its DID (core's openKeyFile), stored, and made active. Throws
 * CinnabarError malformed_key_file or wrong_passphrase.
 */
export async function importKeyFile(text: string, passphrase?: string): Promise<IdentitySummary> {
  const opened = await openKeyFile(text, passphrase || undefined);
  try {
    const existing = await getStoredKey(opened.did);
    const key = await keyFromSeed(opened.seed, {
      ...(opened.name === undefined ? {} : { name: opened.name }),
      created: opened.created,
    });
    if (existing?.registered) key.registered = true;
    await putStoredKey(key);
  } finally {
    opened.seed.fill(0);
  }
  localStorage.setItem(ACTIVE_KEY, opened.did);
  await reload();
  await refreshRegistration(opened.did);
  return state.identities.find((i) => i.did === opened.did)!;
}

/** The key file of an identity (encrypted if a passphrase is given), for the holder to download. */
export async function exportKeyFile(did: string, passphrase?: string): Promise<string> {
  const key = await requireKey(did);
  const seed = await exportSeed(key);
  try {
    return await createKeyFile({
      seed,
      ...(key.name === undefined ? {} : { name: key.name }),
      created: key.created,
      ...(passphrase ? { passphrase } : {}),
    });
  } finally {
    seed.fill(0);
  }
}

/** Ask the node whether an identity is registered, and remember the answer. */
export async function refreshRegistration(did: string): Promise<boolean> {
  const key = await requireKey(did);
  const registered = (await api.identity(did)) !== undefined;
  if (key.registered !== registered) {
    key.registered = registered;
    await putStoredKey(key);
    await reload();
  }
  return registered;
}

async function requireKey(did: string | undefined): Promise<StoredKey> {
  const chosen = did ?? sessionState().active?.did;
  const key = chosen === undefined ? undefined : await getStoredKey(chosen);
  if (!key)
    throw new CinnabarError(
      'malformed_key',
      chosen === undefined ? 'no identity is active in this browser' : `no key for ${chosen} in this browser`,
    );
  return key;
}

// ---------------------------------------------------------------------------------------------
// Signing

/** Sign a transaction with a stored key (WebCrypto, or core's signer on the seed). */
export async function signWithKey(key: StoredKey, tx: Transaction): Promise<SignedTransaction> {
  if (key.backend === 'noble') return signTransaction(tx, key.seed);
  checkTransaction(tx);
  if (tx.actor !== key.did)
    throw new CinnabarError('malformed_transaction', 'the signing key is not the key of the actor');
  const sig = base64Encode(await signWithCryptoKey(key, transactionSigningInput(tx)));
  const signed: SignedTransaction = { ...tx, sig };
  encodeTransaction(signed); // refuses one too large for the log now
  return signed;
}

export interface SubmitOptions {
  /** Sign as this identity rather than the active one. */
  as?: string;
}

// One submission at a time per identity: each takes the next sequence number.
const queues = new Map<string, Promise<unknown>>();

/**
 * Sign `type` with `body` as the active identity, with its next sequence number (asked of the
 * node), and submit it to /v1/tx. Resolves with the node's answer, receipt included; rejects with
 * CinnabarApiError (the node's problem: code, detail) or CinnabarError (a malformed transaction).
 */
export function submit(type: string, body: JsonObject, options: SubmitOptions = {}): Promise<TxAccepted> {
  const did = options.as ?? sessionState().active?.did ?? '';
  const previous = queues.get(did) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(async () => {
      const key = await requireKey(did || undefined);
      // An identity known not to be on the ledger starts at 1 (and the node would answer 404).
      const seq = key.registered === false ? 1 : await api.nextSeq(key.did);
      const signed = await signWithKey(key, {
        v: 1,
        type,
        actor: key.did,
        seq,
        time: new Date().toISOString(),
        body,
      });
      try {
        const accepted = await api.submit(signed);
        if (type === 'identity.register' && !key.registered) {
          key.registered = true;
          await putStoredKey(key);
          await reload();
        }
        return accepted;
      } catch (error) {
        if (isCinnabarApiError(error, 'identity_not_found') && key.registered) {
          key.registered = false;
          await putStoredKey(key);
          await reload();
        }
        throw error;
      }
    });
  queues.set(did, next);
  return next;
}

/** The Authorization header for PUT /v1/blobs of the blob `cid` of `size` bytes (core's upload-auth). */
export async function authorizeUpload(
  blob: { cid: string; size: number },
  options: SubmitOptions = {},
): Promise<string> {
  const key = await requireKey(options.as);
  if (key.backend === 'noble') return signUploadAuthorization({ did: key.did, seed: key.seed, ...blob });
  const fields = { did: key.did, time: authTime(new Date()), cid: blob.cid, size: blob.size };
  const sig = base64Encode(await signWithCryptoKey(key, uploadSigningInput(fields)));
  return formatUploadAuthorization({ ...fields, sig });
}

/**
 * The Authorization header for a signed read of `target` (core's read-auth: "GET /v1/blobs/<cid>"),
 * which the node asks for (401) before serving a work graded important or core.
 */
export async function authorizeRead(target: string, options: SubmitOptions = {}): Promise<string> {
  const key = await requireKey(options.as);
  if (key.backend === 'noble') return signReadAuthorization({ did: key.did, seed: key.seed, target });
  const fields = { did: key.did, time: authTime(new Date()), target };
  const sig = base64Encode(await signWithCryptoKey(key, readSigningInput(fields)));
  return formatReadAuthorization({ ...fields, sig });
}
