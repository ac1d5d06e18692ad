// What a registration benchmark needs before the clock starts: identities with fast signing keys,
// pre-signed asset.register transactions with about 1 KB of metadata each, and the blobs they
// register, already in the node's blob store with their inspection records.
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AssetRegister,
  base64Encode,
  cidFromDigest,
  concatBytes,
  didKeyFromPublicKey,
  encodeTransaction,
  hexDecode,
  type JsonObject,
  type Transaction,
  transactionSigningInput,
} from '@cinnabar/core';
import type { MediaInspection } from '@cinnabar/node';

/** DER prefix of an Ed25519 private key in PKCS #8 (RFC 8410), before the 32-byte seed. */
const PKCS8_ED25519_PREFIX = hexDecode('302e020100300506032b657004220420');

/** Someone who registers: a did:key, a node:crypto key to sign fast, and the next sequence number. */
export class BenchIdentity {
  readonly did: string;
  private readonly key: KeyObject;
  seq = 0;

  constructor(readonly seed: Uint8Array) {
    this.key = createPrivateKey({
      key: Buffer.from(concatBytes(PKCS8_ED25519_PREFIX, seed)),
      format: 'der',
      type: 'pkcs8',
    });
    // The SubjectPublicKeyInfo of an Ed25519 key ends with its 32 bytes (RFC 8410 §4).
    const spki = createPublicKey(this.key).export({ format: 'der', type: 'spki' });
    this.did = didKeyFromPublicKey(new Uint8Array(spki.subarray(spki.length - 32)));
  }

  /** The log entry of the identity's next transaction (node:crypto signs what signTransaction would). */
  sign(type: string, body: object, time = new Date().toISOString()): Uint8Array {
    const tx: Transaction = { v: 1, type, actor: this.did, seq: ++this.seq, time, body: body as JsonObject };
    const sig = base64Encode(sign(null, transactionSigningInput(tx), this.key));
    return encodeTransaction({ ...tx, sig });
  }
}

/** `count` identities with seeds derived from `label`, the same on every run. */
export function benchIdentities(label: string, count: number): BenchIdentity[] {
  return Array.from(
    { length: count },
    (_, i) => new BenchIdentity(new Uint8Array(createHash('sha256').update(`${label}:${i}`).digest())),
  );
}

/** Their identity.register entries (each identity's sequence number 1). */
export function identityEntries(identities: readonly BenchIdentity[]): Uint8Array[] {
  return identities.map((identity, i) =>
    identity.sign('identity.register', { kind: 'person', name: `Bench registrar ${i}` }),
  );
}

const MEDIA_TYPE = 'model/gltf-binary';
const WORDS =
  'lacquer cinnabar vermilion carved tray lotus scroll peony bronze glaze celadon jade bamboo cloud dragon phoenix crane pine plum orchid chrysanthemum river mountain pavilion'.split(
    ' ',
  );

/** Deterministic words for metadata text. */
function text(seed: number, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += `${WORDS[(seed * 31 + i * 7) % WORDS.length]} `;
  return out.slice(0, length).trimEnd();
}

/** The bytes of blob `n`: small and unique (their size does not matter to registration). */
function blobBytes(label: string, n: number): Uint8Array {
  return new TextEncoder().encode(`${label} blob ${n}`);
}

export interface Registration {
  entry: Uint8Array;
  cid: string;
}

/**
 * Pre-signed asset.register entries, `perIdentity` for each identity in turn (sequence numbers 2
 * onwards, after identity.register), each for its own blob, with about 1 KB of metadata (title,
 * description, creators). `queues[i]` are identity i's, in the order they must be sent.
 */
export function registrationEntries(
  identities: readonly BenchIdentity[],
  perIdentity: number,
  label: string,
  time: string,
): { queues: Registration[][]; blobs: { cid: string; bytes: Uint8Array }[]; metadataBytes: number } {
  const blobs: { cid: string; bytes: Uint8Array }[] = [];
  let metadataBytes = 0;
  const queues = identities.map((identity, i) => {
    const queue: Registration[] = [];
    for (let k = 0; k < perIdentity; k++) {
      const n = blobs.length;
      const bytes = blobBytes(label, n);
      const cid = cidFromDigest(new Uint8Array(createHash('sha256').update(bytes).digest()));
      blobs.push({ cid, bytes });
      const metadata = {
        title: `${text(n, 60)} no. ${n}`,
        description: text(n + 1, 760),
        creators: [
          { name: `Workshop ${i} of the bench`, role: 'carver' },
          { name: `${text(n + 2, 40)} studio`, role: 'lacquerer' },
        ],
      };
      metadataBytes += JSON.stringify(metadata).length;
      const body: AssetRegister = {
        cid,
        size: bytes.length,
        mediaType: MEDIA_TYPE,
        ...metadata,
        created: '2026-01-15',
        licence: 'CC-BY-4.0',
        grade: 'general',
      };
      queue.push({ entry: identity.sign('asset.register', body, time), cid });
    }
    return queue;
  });
  return { queues, blobs, metadataBytes: metadataBytes / blobs.length };
}

/**
 * Put blobs straight into a BlobStore directory (packages/node/src/blobs/blob-store.ts layout:
 * `<dir>/<last two characters of the CID>/<CID>`, inspection next to it as `<CID>.inspection.json`),
 * without fsync: setup only. `fingerprints` gives each its own geometry hash, as a GLB's inspection
 * does, so that registration runs the near-duplicate search it runs for real uploads.
 */
export async function writeBlobs(
  dir: string,
  blobs: readonly { cid: string; bytes: Uint8Array }[],
  fingerprints: boolean,
): Promise<void> {
  const made = new Map<string, Promise<unknown>>();
  const queue = blobs.slice();
  const writeOne = async ({ cid, bytes }: { cid: string; bytes: Uint8Array }): Promise<void> => {
    const sub = join(dir, cid.slice(-2));
    let directory = made.get(sub);
    if (!directory) {
      directory = mkdir(sub, { recursive: true, mode: 0o700 });
      made.set(sub, directory);
    }
    await directory;
    const inspection: MediaInspection = {
      mediaType: MEDIA_TYPE,
      kind: 'model',
      ok: true,
      errors: [],
      warnings: [],
      ...(fingerprints
        ? {
            model: {
              meshes: 1,
              primitives: 1,
              triangles: 12,
              vertices: 8,
              materials: 1,
              textures: 0,
              bounds: { min: [0, 0, 0], max: [1, 1, 1] },
              geometryHash: createHash('sha256').update(bytes).update('geometry').digest('hex'),
            },
          }
        : {}),
    };
    await writeFile(join(sub, cid), bytes);
    await writeFile(join(sub, `${cid}.inspection.json`), `${JSON.stringify(inspection)}\n`);
  };
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let blob = queue.pop(); blob; blob = queue.pop()) await writeOne(blob);
    }),
  );
}
