// Driving a real node's ledger API from tests: actors that sign transactions and uploads, a client
// over the in-process app, media files to register, and a snapshot of everything a node stores
// (log, state, fingerprints, blobs) so that a test can say "nothing changed" or compare the stored
// state with a replay of the log.
import { createPrivateKey, type KeyObject, sign as nodeSign } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  base64Encode,
  type Credential,
  cidFromBytes,
  concatBytes,
  didFromSeed,
  encodeTransaction,
  hexDecode,
  hexEncode,
  issueRealNameCredential,
  issueRoleCredential,
  type Place,
  type Role,
  recordKey,
  type StateRecord,
  sha256,
  signUploadAuthorization,
  stateDigest,
  type Transaction,
  transactionSigningInput,
  utf8Encode,
} from '@cinnabar/core';
import { Document, NodeIO } from '@gltf-transform/core';
import type { LightMyRequestResponse } from 'fastify';
import { PNG } from 'pngjs';
import type { RunningNode } from '../../src/index.js';
import type { LedgerReads, LogStorage } from '../../src/storage/log-storage.js';
import { prng } from './prng.js';

/** The DER prefix of an Ed25519 private key in PKCS #8 (RFC 8410), before the 32-byte seed. */
const PKCS8_ED25519_PREFIX = hexDecode('302e020100300506032b657004220420');

/** The current time as transactions carry it (RFC 3339 UTC, milliseconds). */
export function nowTime(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

export interface SignOptions {
  /** Default: now. */
  time?: string;
  /** Default: the actor's counter plus one. */
  seq?: number;
}

/**
 * Someone who signs transactions and uploads: an Ed25519 seed (derived from a label, or given),
 * its did:key, and the sequence number of its last accepted transaction as far as it knows.
 * Signs with node:crypto (several times faster than @noble/curves; Ed25519 is deterministic, so
 * the bytes are those signTransaction makes).
 */
export class TestActor {
  readonly did: string;
  seq = 0;
  private readonly key: KeyObject;

  constructor(
    readonly label: string,
    readonly seed: Uint8Array = sha256(utf8Encode(`node-test-actor:${label}`)),
  ) {
    this.did = didFromSeed(seed);
    this.key = createPrivateKey({
      key: Buffer.from(concatBytes(PKCS8_ED25519_PREFIX, seed)),
      format: 'der',
      type: 'pkcs8',
    });
  }

  transaction(type: string, body: object, options: SignOptions = {}): Transaction {
    return {
      v: 1,
      type,
      actor: this.did,
      seq: options.seq ?? this.seq + 1,
      time: options.time ?? nowTime(),
      body: body as Transaction['body'],
    };
  }

  /** The Ed25519 signature (base64) over a transaction, whatever its fields. */
  signature(tx: Transaction): string {
    return base64Encode(nodeSign(null, transactionSigningInput(tx), this.key));
  }

  /** A signed transaction's canonical bytes (the log entry and the POST /v1/tx body). */
  sign(type: string, body: object, options: SignOptions = {}): Uint8Array {
    const tx = this.transaction(type, body, options);
    return encodeTransaction({ ...tx, sig: this.signature(tx) });
  }

  /** An Authorization header for uploading `bytes` (size and time overridable). */
  uploadAuthorization(bytes: Uint8Array, overrides: { size?: number; time?: string } = {}): string {
    return signUploadAuthorization({
      did: this.did,
      seed: this.seed,
      cid: cidFromBytes(bytes),
      size: overrides.size ?? bytes.length,
      ...(overrides.time === undefined ? {} : { time: overrides.time }),
    });
  }

  roleCredential(subject: string, role: Role, idLabel: string): Credential {
    return issueRoleCredential({
      issuerSeed: this.seed,
      subject,
      idRandom: sha256(utf8Encode(`credential:${idLabel}`)).slice(0, 16),
      validFrom: '2026-01-01T00:00:00Z',
      role,
    });
  }

  realNameCredential(subject: string, idLabel: string): Credential {
    return issueRealNameCredential({
      issuerSeed: this.seed,
      subject,
      idRandom: sha256(utf8Encode(`credential:${idLabel}`)).slice(0, 16),
      validFrom: '2026-01-01T00:00:00Z',
      data: { name: `holder of ${subject}`, id: idLabel },
      method: 'resident-id-card',
      salt: sha256(utf8Encode(`salt:${idLabel}`)).slice(0, 16),
    }).credential;
  }
}

/** A problem+json body as the node sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  rule?: string;
  details?: Record<string, unknown>;
}

/** The answer to an accepted POST /v1/tx. */
export interface Accepted {
  txId: string;
  index: number;
  type: string;
  actor: string;
  subject: { asset?: string; credential?: string; did?: string };
  possiblePriorWork?: { asset: string; reason: string; distance: number }[];
}

/** A client over the node's in-process app (Fastify inject: the same routes and handlers). */
export class LedgerClient {
  constructor(readonly node: RunningNode) {}

  post(entry: Uint8Array | string, contentType = 'application/json'): Promise<LightMyRequestResponse> {
    return this.node.app.inject({
      method: 'POST',
      url: '/v1/tx',
      headers: { 'content-type': contentType },
      payload: typeof entry === 'string' ? entry : Buffer.from(entry),
    });
  }

  /** POST a signed entry; moves `actor`'s counter on when it is accepted. */
  async submit(actor: TestActor | undefined, entry: Uint8Array): Promise<LightMyRequestResponse> {
    const res = await this.post(entry);
    if (res.statusCode === 201 && actor) actor.seq++;
    return res;
  }

  /** Sign with `actor`, POST, and throw unless it is accepted. */
  async accept(actor: TestActor, type: string, body: object, options: SignOptions = {}): Promise<Accepted> {
    const res = await this.submit(actor, actor.sign(type, body, options));
    if (res.statusCode !== 201)
      throw new Error(`${type} by ${actor.label} was refused: ${res.statusCode} ${res.body}`);
    return res.json() as Accepted;
  }

  upload(authorization: string, bytes: Uint8Array): Promise<LightMyRequestResponse> {
    return this.node.app.inject({
      method: 'PUT',
      url: '/v1/blobs',
      headers: { authorization, 'content-type': 'application/octet-stream' },
      payload: Buffer.from(bytes),
    });
  }

  /** Upload `bytes` as `actor`; throws unless stored. Returns the media type the node found. */
  async put(actor: TestActor, bytes: Uint8Array): Promise<{ cid: string; size: number; mediaType: string }> {
    const res = await this.upload(actor.uploadAuthorization(bytes), bytes);
    if (res.statusCode !== 201 && res.statusCode !== 200)
      throw new Error(`upload by ${actor.label} was refused: ${res.statusCode} ${res.body}`);
    return res.json() as { cid: string; size: number; mediaType: string };
  }

  /** Upload and register `bytes` as `actor`; returns the acceptance. */
  async register(actor: TestActor, bytes: Uint8Array, metadata: Partial<AssetMetadataInput> = {}) {
    const { mediaType } = await this.put(actor, bytes);
    return this.accept(actor, 'asset.register', assetBody(bytes, mediaType, metadata));
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.node.app.inject({ method: 'GET', url });
  }

  async getJson<T>(url: string): Promise<T> {
    const res = await this.get(url);
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as T;
  }
}

export interface AssetMetadataInput {
  title: string;
  description: string;
  creators: { name: string; did?: string; role?: string }[];
  licence: string;
  grade: 'general' | 'important' | 'core';
  created: string;
  derivedFrom: string[];
  place: Place;
  timeSpan: { start: string; end?: string };
}

/** A valid asset.register body for `bytes` of `mediaType`. */
export function assetBody(
  bytes: Uint8Array,
  mediaType: string,
  metadata: Partial<AssetMetadataInput> = {},
): Record<string, unknown> {
  return {
    cid: cidFromBytes(bytes),
    size: bytes.length,
    mediaType,
    title: 'An asset',
    creators: [{ name: 'Workshop of the test' }],
    licence: 'CC-BY-4.0',
    grade: 'general',
    ...metadata,
  };
}

// ---------------------------------------------------------------------------------------------
// Media

/**
 * A smooth RGB picture (a few random low-frequency waves), so that its perceptual hash is stable
 * under small changes and far from another seed's. `alter` nudges some pixels afterwards: the
 * bytes change, the picture hardly does.
 */
export function pictureRgba(width: number, height: number, seed: number, alter = 0): Uint8Array {
  const random = prng(seed);
  const waves = Array.from({ length: 4 }, () => ({
    fx: 1 + Math.floor(random() * 4),
    fy: 1 + Math.floor(random() * 4),
    phase: random() * Math.PI * 2,
    weight: 40 + random() * 40,
  }));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let v = 128;
      for (const w of waves)
        v +=
          w.weight * Math.sin((w.fx * x * Math.PI) / width + (w.fy * y * Math.PI) / height + w.phase) * 0.5;
      const p = (y * width + x) * 4;
      data.set([clamp(v), clamp(255 - v), clamp(v / 2 + 40), 255], p);
    }
  const nudge = prng(seed ^ 0x5eed);
  for (let i = 0; i < alter; i++) {
    const p = Math.floor(nudge() * width * height) * 4;
    data[p] = clamp(data[p]! + 6);
  }
  return data;
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

export function pngFromRgba(width: number, height: number, rgba: Uint8Array): Uint8Array {
  const png = new PNG({ width, height });
  png.data.set(rgba);
  return new Uint8Array(PNG.sync.write(png));
}

/** A PNG of pictureRgba(width, height, seed, alter). */
export function picturePng(width: number, height: number, seed: number, alter = 0): Uint8Array {
  return pngFromRgba(width, height, pictureRgba(width, height, seed, alter));
}

/** A flat grid of n × n vertices in one primitive, with a material of the given colour. */
export function gridGlb(n: number, color: [number, number, number, number] = [0.8, 0.1, 0.1, 1]) {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const positions = new Float32Array(n * n * 3);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) positions.set([x / (n - 1), y / (n - 1), 0], (y * n + x) * 3);
  const indices = new Uint32Array((n - 1) * (n - 1) * 6);
  let i = 0;
  for (let y = 0; y < n - 1; y++)
    for (let x = 0; x < n - 1; x++) {
      const a = y * n + x;
      indices.set([a, a + 1, a + n, a + 1, a + n + 1, a + n], i);
      i += 6;
    }
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(positions).setBuffer(buffer))
    .setIndices(doc.createAccessor().setType('SCALAR').setArray(indices).setBuffer(buffer))
    .setMaterial(doc.createMaterial('paint').setBaseColorFactor(color));
  doc.createScene().addChild(doc.createNode('grid').setMesh(doc.createMesh('grid').addPrimitive(prim)));
  return new NodeIO().writeBinary(doc);
}

// ---------------------------------------------------------------------------------------------
// What a node stores

/** The key a record is stored under (records.ts). */
export const keyOf = recordKey;

/**
 * Every state record as stored, parsed, in key order. The stored rows give values only, so each
 * key is derived from its record and checked back: reading that key returns the same JSON, and
 * no two records claim one key (so the rows and these pairs are the same set).
 */
export async function storedRecords(reads: LedgerReads): Promise<[string, StateRecord][]> {
  const values = await reads.scanState('', 1_000_000);
  const pairs = values.map((json) => [keyOf(JSON.parse(json) as StateRecord), json] as const);
  const byKey = await reads.readState(pairs.map(([key]) => key));
  if (byKey.size !== pairs.length) throw new Error(`${pairs.length} rows but ${byKey.size} distinct keys`);
  for (const [key, json] of pairs)
    if (byKey.get(key) !== json) throw new Error(`the row under ${key} is not the record that names it`);
  return pairs
    .map(([key, json]): [string, StateRecord] => [key, JSON.parse(json) as StateRecord])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** stateDigest over the node's stored records. */
export async function storedStateDigest(reads: LedgerReads): Promise<string> {
  return stateDigest(await storedRecords(reads));
}

/** Every file under `dir`, with its size. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      out.push(`${entry.name}/`, ...(await listFiles(path)).map((p) => `${entry.name}/${p}`));
    else out.push(`${entry.name} ${(await stat(path)).size}`);
  }
  return out.sort();
}

/** Everything a refused request must leave as it was. */
export interface StoredSnapshot {
  checkpoint: { size: number; root: string } | undefined;
  entries: number;
  state: string;
  rows: number;
  /** The node's fingerprints and "possible prior work" marks (not on the log, but stored). */
  media: string;
  blobs: string[];
}

export async function storedSnapshot(storage: LogStorage, blobDir: string): Promise<StoredSnapshot> {
  const checkpoint = await storage.latestCheckpoint();
  const records = await storedRecords(storage);
  const media = await storage.readMedia();
  const marks = await Promise.all(media.map((m) => storage.readMarks(m.asset)));
  return {
    checkpoint: checkpoint && { size: checkpoint.size, root: hexEncode(checkpoint.rootHash) },
    entries: await storage.countEntries(),
    state: stateDigest(records),
    rows: records.length,
    media: hexEncode(sha256(utf8Encode(JSON.stringify({ media, marks })))),
    blobs: await listFiles(blobDir),
  };
}
