import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CinnabarError, cidFromBytes } from '@cinnabar/core';
import { BlobMismatchError, BlobStore, BlobTooLargeError } from '../src/index.js';

async function* chunks(bytes: Uint8Array, size = 64 * 1024): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

describe('content-addressed blob store', () => {
  let dir: string;
  let store: BlobStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-blobs-'));
    store = new BlobStore(dir, { maxBytes: 4 * 1024 * 1024 });
    await store.init();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('stores bytes under the CID IPFS gives them, once', async () => {
    const empty = await store.put(chunks(new Uint8Array(0)));
    // The raw CIDv1 of no bytes (multiformats; also core's cid vectors).
    assert.equal(empty.cid, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
    const bytes = new Uint8Array(randomBytes(300_000));
    const first = await store.put(chunks(bytes, 7_777));
    assert.deepEqual(first, { cid: cidFromBytes(bytes), size: bytes.length, created: true });
    const again = await store.put(chunks(bytes));
    assert.deepEqual(again, { ...first, created: false });
    assert.deepEqual(await store.read(first.cid), bytes);
    assert.deepEqual(await collect((await store.open(first.cid))!), bytes);
    assert.deepEqual(
      await collect((await store.open(first.cid, { start: 10, end: 19 }))!),
      bytes.subarray(10, 20),
    );
    assert.equal(await store.size(first.cid), bytes.length);
  });

  test('a blob over the limit is refused as it streams, and leaves nothing behind', async () => {
    const big = new Uint8Array(4 * 1024 * 1024 + 1);
    await assert.rejects(store.put(chunks(big)), BlobTooLargeError);
    await assert.rejects(store.put(chunks(new Uint8Array(2000)), { maxBytes: 1999 }), BlobTooLargeError);
    assert.equal(await store.has(cidFromBytes(big)), false);
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
  });

  test('bytes that do not match the announced CID are refused', async () => {
    const bytes = new TextEncoder().encode('announced');
    const other = cidFromBytes(new TextEncoder().encode('something else'));
    await assert.rejects(store.put(chunks(bytes), { expectedCid: other }), BlobMismatchError);
    assert.equal(await store.has(cidFromBytes(bytes)), false);
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
  });

  test('concurrent uploads of the same bytes store one blob', async () => {
    const bytes = new Uint8Array(randomBytes(100_000));
    const results = await Promise.all(Array.from({ length: 8 }, () => store.put(chunks(bytes, 1000))));
    assert.ok(results.every((r) => r.cid === cidFromBytes(bytes) && r.size === bytes.length));
    assert.deepEqual(await store.read(cidFromBytes(bytes)), bytes);
  });

  const hostile = [
    '',
    '../../etc/passwd',
    'bafkrei../../x',
    'BAFKREIHDWDCEFGH4DQKJV67UZCMW7OJEE6XEDZDETOJUZJEVTENXQUVYKU',
    'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG',
    'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk/',
    'bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  ];
  for (const cid of hostile) {
    test(`a malformed CID is refused before touching the disk: ${JSON.stringify(cid).slice(0, 40)}`, async () => {
      await assert.rejects(store.has(cid), (error: CinnabarError) => error.code === 'malformed_cid');
      await assert.rejects(store.read(cid), (error: CinnabarError) => error.code === 'malformed_cid');
    });
  }

  test('a temporary file left by a crash is removed at start', async () => {
    await writeFile(join(dir, 'tmp', 'left-by-a-crash.part'), 'partial');
    await new BlobStore(dir).init();
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
  });
});
