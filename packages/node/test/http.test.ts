import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  base64Decode,
  encodeEntryBundle,
  LogVerifier,
  leafHash,
  merkleRoot,
  openCheckpoint,
  verifierFromKey,
  verifyConsistency,
  verifyInclusion,
  verifyTlogProof,
} from '@cinnabar/core';
import { loadDataDir, type RunningNode, startNode } from '../src/index.js';
import { injectFetch } from './support/inject-fetch.js';

describe('HTTP log API', () => {
  let dir: string;
  let node: RunningNode;
  let token: string;
  const entries: Uint8Array[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-http-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0, origin: 'http.test/log' });
    token = (await loadDataDir(join(dir, 'data'))).appendToken;
    // A new ledger begins with the operator's genesis transaction; the raw appends follow it.
    entries.push(...(await node.storage.readEntries(0, 1)));
    assert.equal(entries.length, 1);
    for (let i = 1; i < 300; i++) entries.push(new TextEncoder().encode(`entry ${i}`));
    // Append in a few concurrent waves, as clients would.
    for (let i = 1; i < entries.length; i += 50) {
      const wave = entries.slice(i, i + 50).map((entry) => append(entry));
      const results = await Promise.all(wave);
      for (const r of results) assert.equal(r.statusCode, 201);
    }
  });
  after(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  function append(body: Uint8Array | string, headers: Record<string, string> = {}) {
    return node.app.inject({
      method: 'POST',
      url: '/v1/log/entries',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', ...headers },
      payload: typeof body === 'string' ? body : Buffer.from(body),
    });
  }

  test('GET /log/checkpoint is a signed checkpoint, text/plain, briefly cacheable', async () => {
    const res = await node.app.inject('/log/checkpoint');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(String(res.headers['cache-control']), /max-age=1\b/);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    const { checkpoint } = openCheckpoint(res.body, verifierFromKey(node.vkey), 'http.test/log');
    assert.equal(checkpoint.size, 300);
    assert.deepEqual(checkpoint.rootHash, merkleRoot(entries.map(leafHash)));
  });

  test('GET /log/vkey is the verifier key', async () => {
    const res = await node.app.inject('/log/vkey');
    assert.equal(res.body.trim(), node.vkey);
    assert.ok(node.vkey.startsWith('http.test/log+'));
  });

  test('tiles and entry bundles, full and partial, are immutable and match the entries', async () => {
    const bundle = await node.app.inject('/log/tile/entries/001.p/44');
    assert.equal(bundle.statusCode, 200);
    assert.equal(bundle.headers['content-type'], 'application/octet-stream');
    assert.match(String(bundle.headers['cache-control']), /immutable/);
    assert.deepEqual(new Uint8Array(bundle.rawPayload), encodeEntryBundle(entries.slice(256, 300)));
    // A narrower partial tile is a prefix of the current one.
    const narrow = await node.app.inject('/log/tile/entries/001.p/3');
    assert.deepEqual(new Uint8Array(narrow.rawPayload), encodeEntryBundle(entries.slice(256, 259)));
    const full = await node.app.inject('/log/tile/0/000');
    assert.equal(full.rawPayload.length, 256 * 32);
    assert.deepEqual(new Uint8Array(full.rawPayload.subarray(0, 32)), leafHash(entries[0]!));
    const upper = await node.app.inject('/log/tile/1/000.p/1');
    assert.deepEqual(new Uint8Array(upper.rawPayload), merkleRoot(entries.slice(0, 256).map(leafHash)));
  });

  test('nothing past the published checkpoint is served as a tile', async () => {
    for (const path of ['/log/tile/entries/001.p/45', '/log/tile/0/001.p/45', '/log/tile/1/000.p/2']) {
      const res = await node.app.inject(path);
      assert.equal(res.statusCode, 404, path);
      assert.equal(res.json().code, 'tile_not_found');
      assert.match(res.json().detail, /beyond the published checkpoint/);
    }
  });

  test("core's verifier audits the node over its HTTP routes", async () => {
    const verifier = new LogVerifier({
      baseUrl: `${node.logUrl}`,
      vkey: node.vkey,
      fetch: injectFetch(node.app),
    });
    const current = await verifier.fetchCheckpoint();
    const { entry } = await verifier.verifyInclusion(257, current);
    assert.deepEqual(entry, entries[257]);
    const result = await verifier.audit(current);
    assert.equal(result.entries, 300);
  });

  test('GET /v1/entries/:index gives the entry, its inclusion proof and a tlog-proof receipt', async () => {
    const res = await node.app.inject('/v1/entries/257');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as {
      index: number;
      entry: string;
      size: number;
      proof: string[];
      checkpoint: string;
      tlogProof: string;
    };
    assert.deepEqual(base64Decode(body.entry), entries[257]);
    const verifier = verifierFromKey(node.vkey);
    const { checkpoint } = openCheckpoint(body.checkpoint, verifier);
    assert.equal(body.size, checkpoint.size);
    const proof = body.proof.map(base64Decode);
    assert.ok(verifyInclusion(leafHash(entries[257]!), 257, checkpoint.size, proof, checkpoint.rootHash));
    const receipt = verifyTlogProof(body.tlogProof, { entry: entries[257]! }, verifier);
    assert.equal(receipt.index, 257);
    // The receipt does not vouch for another entry.
    assert.throws(() => verifyTlogProof(body.tlogProof, { entry: entries[256]! }, verifier));
  });

  test('GET /v1/proofs/inclusion and /v1/proofs/consistency prove against roots of earlier sizes', async () => {
    const root = (n: number) => merkleRoot(entries.slice(0, n).map(leafHash));
    const inclusion = (await node.app.inject('/v1/proofs/inclusion?index=5&size=100')).json() as {
      proof: string[];
    };
    assert.ok(verifyInclusion(leafHash(entries[5]!), 5, 100, inclusion.proof.map(base64Decode), root(100)));
    const consistency = (await node.app.inject('/v1/proofs/consistency?from=100&to=300')).json() as {
      proof: string[];
    };
    assert.ok(verifyConsistency(100, 300, root(100), root(300), consistency.proof.map(base64Decode)));
    const same = (await node.app.inject('/v1/proofs/consistency?from=300&to=300')).json() as {
      proof: string[];
    };
    assert.deepEqual(same.proof, []);
  });

  const badProofRequests: [string, number, string][] = [
    ['/v1/entries/300', 404, 'entry_not_found'],
    ['/v1/entries/9007199254740991', 404, 'entry_not_found'],
    ['/v1/entries/-1', 400, 'invalid_proof_request'],
    ['/v1/entries/01', 400, 'invalid_proof_request'],
    ['/v1/entries/1e3', 400, 'invalid_proof_request'],
    ['/v1/entries/abc', 400, 'invalid_proof_request'],
    ['/v1/entries/99999999999999999999', 400, 'invalid_proof_request'],
    ['/v1/proofs/inclusion?index=5', 400, 'invalid_proof_request'],
    ['/v1/proofs/inclusion?index=100&size=100', 400, 'invalid_proof_request'],
    ['/v1/proofs/inclusion?index=0&size=0', 400, 'invalid_proof_request'],
    ['/v1/proofs/inclusion?index=0&size=301', 400, 'invalid_proof_request'],
    ['/v1/proofs/inclusion?index=0&size=1&size=2', 400, 'invalid_proof_request'],
    ['/v1/proofs/inclusion?index=%20&size=2', 400, 'invalid_proof_request'],
    ['/v1/proofs/consistency?from=0&to=10', 400, 'invalid_proof_request'],
    ['/v1/proofs/consistency?from=11&to=10', 400, 'invalid_proof_request'],
    ['/v1/proofs/consistency?from=1&to=301', 400, 'invalid_proof_request'],
    ['/v1/proofs/consistency?from=1.5&to=10', 400, 'invalid_proof_request'],
  ];
  for (const [url, status, code] of badProofRequests) {
    test(`GET ${url} is ${status} ${code}`, async () => {
      const res = await node.app.inject(url);
      assert.equal(res.statusCode, status, res.body);
      assert.equal(res.json().code, code);
    });
  }

  const hostilePaths: [string, number][] = [
    ['/log/tile/0/x001', 400],
    ['/log/tile/0/1', 400],
    ['/log/tile/0/0000', 400],
    ['/log/tile/0/x000/001', 400],
    ['/log/tile/abc/000', 400],
    ['/log/tile/-1/000', 400],
    ['/log/tile/64/000', 400],
    ['/log/tile/0/000.p/0', 400],
    ['/log/tile/0/000.p/256', 400],
    ['/log/tile/0/000.p/257', 400],
    ['/log/tile/0/000.p/', 400],
    ['/log/tile/0/000.p/01', 400],
    ['/log/tile/0/000.x/5', 400],
    ['/log/tile/entries/000.p/300', 400],
    ['/log/tile/entries/', 400],
    ['/log/tile/', 400],
    ['/log/tile/0/..%2f..%2fetc', 400],
    ['/log/tile/0/%00', 400],
    [`/log/tile/0/${'x999/'.repeat(30)}999`, 400],
    ['/log/tile/0/x999/x999/x999/x999/x999/x999/999', 400],
    ['/log/tile/0/002', 404],
    ['/log/tile/0/001', 404],
    ['/log/tile/0/001.p/45', 404],
    ['/log/tile/1/000', 404],
    ['/log/tile/2/000.p/1', 404],
    ['/log/tile/entries/001', 404],
    ['/log/tile/entries/x001/000', 404],
    ['/log/nothing', 404],
    ['/log/checkpoint/extra', 404],
  ];
  for (const [path, status] of hostilePaths) {
    test(`GET ${path.slice(0, 60)} is ${status} problem+json, never a 500`, async () => {
      const res = await node.app.inject(path);
      assert.equal(res.statusCode, status, res.body);
      if (path.startsWith('/log/')) assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      const body = res.json() as { code: string; status: number };
      assert.equal(body.status, status);
      assert.ok(['malformed_tile_path', 'tile_not_found', 'not_found'].includes(body.code), body.code);
    });
  }

  test('appends need the operator token', async () => {
    for (const authorization of ['', 'Bearer ', 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`]) {
      const res = await append('x', { authorization });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'unauthorized');
    }
  });

  test('an append over 65,535 bytes is 413 entry_too_large and changes nothing', async () => {
    const before = (await node.app.inject('/log/checkpoint')).body;
    const res = await append(new Uint8Array(65536));
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'entry_too_large');
    assert.equal((await node.app.inject('/log/checkpoint')).body, before);
  });

  test('an append with another media type is 415', async () => {
    const res = await append('{"a":1}', { 'content-type': 'application/json' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().code, 'unsupported_media_type');
  });

  test('an append is acknowledged with its index once durable', async () => {
    const res = await append(new TextEncoder().encode('one more'));
    assert.equal(res.statusCode, 201);
    const { index } = res.json() as { index: number };
    const checkpoint = openCheckpoint(
      (await node.app.inject('/log/checkpoint')).body,
      verifierFromKey(node.vkey),
    ).checkpoint;
    assert.ok(checkpoint.size > index);
  });
});
