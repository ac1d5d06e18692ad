// CinnabarClient (packages/core/src/client.ts) against a real node on a socket: every method, and
// how each kind of failure maps onto CinnabarApiError.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type AssetRegister,
  base64Decode,
  CinnabarApiError,
  CinnabarClient,
  cidFromBytes,
  decodeTransaction,
  didKeyFromPublicKey,
  entryBytes,
  isCinnabarApiError,
  issueRoleCredential,
  type JsonObject,
  readSigner,
  type SignedTransaction,
  signTransaction,
  signUploadAuthorization,
  verifyReceipt,
} from '@cinnabar/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import { loadDataDir, type RunningNode, startNode } from '../src/index.js';
import { squareGlb } from './support/glb.js';

/** An identity that signs its transactions with the next sequence number. */
class Actor {
  readonly did: string;
  seq = 0;
  constructor(readonly seed: Uint8Array = randomBytes(32)) {
    this.did = didKeyFromPublicKey(ed25519.getPublicKey(seed));
  }
  sign(type: string, body: JsonObject): SignedTransaction {
    this.seq++;
    return signTransaction(
      { v: 1, type, actor: this.did, seq: this.seq, time: new Date().toISOString(), body },
      this.seed,
    );
  }
  upload(bytes: Uint8Array): string {
    return signUploadAuthorization({
      did: this.did,
      seed: this.seed,
      cid: cidFromBytes(bytes),
      size: bytes.length,
    });
  }
}

function registration(bytes: Uint8Array, title: string, mediaType = 'model/gltf-binary'): JsonObject {
  const body: AssetRegister = {
    cid: cidFromBytes(bytes),
    size: bytes.length,
    mediaType,
    title,
    creators: [{ name: 'Tester' }],
    licence: 'CC-BY-4.0',
    grade: 'general',
  };
  return body as unknown as JsonObject;
}

function streamOf(bytes: Uint8Array, chunk = 100): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

/** Assert that `promise` rejects with a CinnabarApiError and return it. */
async function apiError(promise: Promise<unknown>): Promise<CinnabarApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CinnabarApiError, `expected a CinnabarApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('CinnabarClient against a running node', () => {
  let dir: string;
  let node: RunningNode;
  let client: CinnabarClient;
  let glb: Uint8Array;
  let twin: Uint8Array;
  const alice = new Actor();
  const bob = new Actor();
  let aliceAsset: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-client-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0, origin: 'client.test/log' });
    client = new CinnabarClient({ baseUrl: node.url });
    glb = await squareGlb([0.8, 0.1, 0.1]);
    twin = await squareGlb([0.1, 0.1, 0.8]);
  });
  after(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the base URL gets its trailing slash; a query, a fragment or another scheme is refused', () => {
    assert.equal(new CinnabarClient({ baseUrl: 'http://h:1/api' }).baseUrl, 'http://h:1/api/');
    assert.throws(() => new CinnabarClient({ baseUrl: 'http://h/?x=1' }), TypeError);
    assert.throws(() => new CinnabarClient({ baseUrl: 'http://h/#x' }), TypeError);
    assert.throws(() => new CinnabarClient({ baseUrl: 'file:///etc/' }), TypeError);
    assert.throws(() => new CinnabarClient({ baseUrl: 'not a url' }), TypeError);
  });

  test('ledger(), checkpoint(), vkey(): the genesis of a new ledger', async () => {
    const ledger = await client.ledger();
    assert.equal(ledger.operator, node.operator);
    assert.equal(ledger.genesis.index, 0);
    const checkpoint = await client.checkpoint();
    assert.equal(checkpoint.split('\n')[0], 'client.test/log');
    assert.equal(await client.vkey(), node.vkey);
    assert.equal((await client.identity(node.operator))?.isOperator, true);
  });

  test('identity() and nextSeq(); submit() an identity.register and verify its receipt', async () => {
    assert.equal(await client.identity(alice.did), undefined);
    assert.equal(await client.nextSeq(alice.did), 1);
    const accepted = await client.submit(alice.sign('identity.register', { kind: 'person', name: 'Alice' }));
    assert.equal(accepted.type, 'identity.register');
    assert.equal(accepted.actor, alice.did);
    assert.equal(accepted.subject.did, alice.did);
    assert.equal(accepted.index, 1);
    assert.equal(accepted.receipt.index, 1);
    assert.equal(verifyReceipt(accepted.receipt, { vkey: node.vkey }).ok, true);
    const identity = await client.identity(alice.did);
    assert.equal(identity?.name, 'Alice');
    assert.equal(identity?.seq, 1);
    assert.equal(identity?.isOperator, false);
    assert.equal(await client.nextSeq(alice.did), 2);
    await client.submit(bob.sign('identity.register', { kind: 'person', name: 'Bob' }));
  });

  test('uploadBlob() from bytes and from a stream, with progress; blobUrl() serves the bytes', async () => {
    const cid = cidFromBytes(glb);
    const progress: number[] = [];
    const first = await client.uploadBlob({
      bytes: glb,
      cid,
      size: glb.length,
      authorization: alice.upload(glb),
      onProgress: (sent, size) => {
        assert.equal(size, glb.length);
        progress.push(sent);
      },
    });
    assert.equal(first.cid, cid);
    assert.equal(first.size, glb.length);
    assert.equal(first.mediaType, 'model/gltf-binary');
    assert.equal(first.created, true);
    assert.equal(first.inspection.ok, true);
    assert.equal(first.inspection.model?.triangles, 2);
    assert.deepEqual(progress, [glb.length]);

    const streamed: number[] = [];
    const again = await client.uploadBlob({
      stream: streamOf(glb),
      cid,
      size: glb.length,
      authorization: alice.upload(glb),
      onProgress: (sent) => streamed.push(sent),
    });
    assert.equal(again.created, false, 'the node already had these bytes');
    assert.equal(again.mediaType, 'model/gltf-binary');
    assert.equal(streamed.at(-1), glb.length);
    assert.ok(streamed.length >= Math.ceil(glb.length / 100), 'progress for every chunk');

    assert.equal(client.blobUrl(cid), `${node.url}v1/blobs/${cid}`);
    const served = await fetch(client.blobUrl(cid));
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), glb);

    await assert.rejects(client.uploadBlob({ cid, size: 1, authorization: 'x' }), TypeError);
    await assert.rejects(
      client.uploadBlob({ bytes: glb, cid, size: glb.length + 1, authorization: 'x' }),
      RangeError,
    );
  });

  test('submit() an asset.register; asset(), assetRevisions(), assets(), assetByCid()', async () => {
    const accepted = await client.submit(alice.sign('asset.register', registration(glb, 'Red square')));
    assert.equal(accepted.possiblePriorWork, undefined);
    aliceAsset = accepted.subject.asset!;
    assert.equal(aliceAsset, accepted.txId);

    const asset = await client.asset(aliceAsset);
    assert.equal(asset?.metadata.title, 'Red square');
    assert.equal(asset?.owner, alice.did);
    assert.equal(asset?.registered.index, accepted.index);
    assert.deepEqual(asset?.possiblePriorWork, []);
    assert.equal(await client.asset('0'.repeat(64)), undefined);

    const revisions = await client.assetRevisions(aliceAsset);
    assert.equal(revisions?.asset, aliceAsset);
    assert.deepEqual(
      revisions?.revisions.map((r) => r.revision),
      [0],
    );
    assert.equal(await client.assetRevisions('0'.repeat(64)), undefined);

    assert.equal((await client.assetByCid(cidFromBytes(glb)))?.id, aliceAsset);
    assert.equal(await client.assetByCid(cidFromBytes(new Uint8Array([1, 2, 3]))), undefined);

    const byOwner = await client.assets({ owner: alice.did });
    assert.deepEqual(
      byOwner.items.map((a) => a.id),
      [aliceAsset],
    );
    assert.equal(byOwner.nextCursor, null);
    assert.equal((await client.assets({ q: 'square', media: 'model/' })).items.length, 1);
    assert.equal((await client.assets({ q: 'circle' })).items.length, 0);
    assert.equal((await client.assets()).items.length, 1);
  });

  test('possible prior work: the same geometry in another colour, by another identity', async () => {
    await client.uploadBlob({
      bytes: twin,
      cid: cidFromBytes(twin),
      size: twin.length,
      authorization: bob.upload(twin),
    });
    const accepted = await client.submit(bob.sign('asset.register', registration(twin, 'Blue square')));
    assert.deepEqual(accepted.possiblePriorWork, [{ asset: aliceAsset, reason: 'geometry', distance: 0 }]);
    const view = await client.asset(accepted.subject.asset!);
    assert.equal(view?.possiblePriorWork[0]?.registeredEarlier, true);
    assert.equal(view?.possiblePriorWork[0]?.title, 'Red square');
    assert.equal(view?.possiblePriorWork[0]?.owner, alice.did);

    // Pages: one asset a page, newest first, then the cursor.
    const page = await client.assets({ limit: 1 });
    assert.equal(page.items[0]?.metadata.title, 'Blue square');
    assert.ok(page.nextCursor);
    const next = await client.assets({ limit: 1, cursor: page.nextCursor });
    assert.equal(next.items[0]?.metadata.title, 'Red square');
  });

  test('credential(): a role credential the operator issued', async () => {
    const { operator } = await loadDataDir(join(dir, 'data'));
    const credential = issueRoleCredential({
      issuerSeed: operator.seed,
      subject: bob.did,
      idRandom: randomBytes(16),
      validFrom: new Date().toISOString(),
      role: 'appraiser',
    });
    const op = new Actor(operator.seed);
    op.seq = (await client.nextSeq(op.did)) - 1;
    await client.submit(op.sign('credential.issue', { credential: credential as unknown as JsonObject }));
    const record = await client.credential(credential.id);
    assert.equal(record?.subject, bob.did);
    assert.equal(record?.role, 'appraiser');
    assert.equal(await client.credential('urn:uuid:00000000-0000-4000-8000-000000000000'), undefined);
    assert.deepEqual(
      (await client.identity(bob.did))?.roles.map((r) => [r.role, r.credential]),
      [['appraiser', credential.id]],
    );
  });

  test('entry() and logEntries(): the entries as the log holds them', async () => {
    const size = Number((await client.checkpoint()).split('\n')[1]);
    assert.ok(size >= 6);
    const stored = await node.storage.readEntries(0, size);
    const view = await client.entry(1);
    assert.equal(view.index, 1);
    assert.equal(view.size, size);
    assert.deepEqual(entryBytes(view), stored[1]);
    assert.deepEqual(base64Decode(view.entry), stored[1]);
    assert.equal(decodeTransaction(entryBytes(view)).type, 'identity.register');
    assert.deepEqual(await client.logEntries(0, size, size), stored);
    assert.deepEqual(await client.logEntries(2, 4, size), stored.slice(2, 4));
    assert.deepEqual(await client.logEntries(size, size, size), []);
    await assert.rejects(client.logEntries(0, size + 1, size), RangeError);

    const beyond = await apiError(client.entry(size + 5));
    assert.equal(beyond.status, 404);
    assert.equal(beyond.code, 'entry_not_found');
    assert.match(beyond.detail ?? '', /there is no entry/);
  });

  test('409 rights_conflict carries the rule and the prior registration in details', async () => {
    const error = await apiError(client.submit(bob.sign('asset.register', registration(glb, 'Mine now'))));
    bob.seq--; // refused, so not counted
    assert.equal(error.status, 409);
    assert.equal(error.code, 'rights_conflict');
    assert.ok(isCinnabarApiError(error, 'rights_conflict'));
    assert.match(error.message, /^rights_conflict: these bytes were registered by /);
    assert.equal(error.problem?.rule, 'asset.cid.unique');
    assert.deepEqual(error.problem?.details, { asset: aliceAsset, registrant: alice.did, index: 3 });

    const mine = await apiError(client.submit(alice.sign('asset.register', registration(glb, 'Again'))));
    alice.seq--;
    assert.equal(mine.code, 'already_registered');
  });

  test('400 invalid_body, bad_sequence, and a 404 that is not "not registered" is not swallowed', async () => {
    const invalid = await apiError(
      client.submit(alice.sign('identity.register', { kind: 'robot', name: 'R' })),
    );
    alice.seq--;
    assert.equal(invalid.status, 400);
    assert.equal(invalid.code, 'invalid_body');
    assert.equal(invalid.problem?.rule, 'identity.register.schema');

    const replay = await apiError(
      client.submit(
        signTransaction(
          {
            v: 1,
            type: 'identity.register',
            actor: alice.did,
            seq: 1,
            time: new Date().toISOString(),
            body: { kind: 'person', name: 'Alice' },
          },
          alice.seed,
        ),
      ),
    );
    assert.equal(replay.code, 'bad_sequence');
    assert.equal(replay.status, 409);

    const malformed = await apiError(client.identity('did:key:nope'));
    assert.equal(malformed.status, 400);
    assert.equal(malformed.code, 'malformed_did');

    // The wrong prefix: a 404 not_found route, which must not read as "no such identity".
    const elsewhere = new CinnabarClient({ baseUrl: `${node.url}elsewhere/` });
    const notFound = await apiError(elsewhere.identity(alice.did));
    assert.equal(notFound.status, 404);
    assert.equal(notFound.code, 'not_found');
  });

  test('422 malformed_media carries the validator errors; 403 unknown_identity for a streamed upload', async () => {
    const truncated = glb.slice(0, glb.length - 20);
    const error = await apiError(
      client.uploadBlob({
        bytes: truncated,
        cid: cidFromBytes(truncated),
        size: truncated.length,
        authorization: alice.upload(truncated),
      }),
    );
    assert.equal(error.status, 422);
    assert.equal(error.code, 'malformed_media');
    const errors = error.problem?.errors as { code: string }[];
    assert.ok(Array.isArray(errors) && errors.length > 0);
    assert.match(errors[0]!.code, /^GLB_/);

    const stranger = new Actor();
    const refused = await apiError(
      client.uploadBlob({
        stream: streamOf(glb),
        cid: cidFromBytes(glb),
        size: glb.length,
        authorization: stranger.upload(glb),
      }),
    );
    assert.equal(refused.code, 'unknown_identity');
    assert.equal(refused.status, 403);
  });

  test('no answer: fetch_failed with status 0', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const gone = new CinnabarClient({ baseUrl: `http://127.0.0.1:${port}/` });
    const error = await apiError(gone.ledger());
    assert.equal(error.code, 'fetch_failed');
    assert.equal(error.status, 0);
    assert.ok(error.cause);
  });

  test('openBlob() of a core work: unsigned first and signed when asked, or signed at once with signFirst', async () => {
    const carol = new Actor();
    await client.submit(carol.sign('identity.register', { kind: 'person', name: 'Carol' }));
    const bytes = new TextEncoder().encode('a work graded core, for the client\n');
    await client.uploadBlob({
      bytes,
      cid: cidFromBytes(bytes),
      size: bytes.length,
      authorization: carol.upload(bytes),
    });
    const body = { ...(registration(bytes, 'Core', 'application/octet-stream') as object), grade: 'core' };
    await client.submit(carol.sign('asset.register', body as JsonObject));
    const sent: (string | null)[] = [];
    const counting = new CinnabarClient({
      baseUrl: node.url,
      fetch: (input, init) => {
        sent.push(new Headers(init?.headers).get('authorization'));
        return fetch(input, init);
      },
    });
    const authorize = readSigner({ did: carol.did, seed: carol.seed });
    const cid = cidFromBytes(bytes);

    const asked = await counting.openBlob(cid, { authorize });
    assert.deepEqual(new Uint8Array(await asked.arrayBuffer()), bytes);
    assert.equal(sent.length, 2);
    assert.equal(sent[0], null, 'the first request names nobody');
    assert.match(sent[1]!, /^Cinnabar-Read /);

    sent.length = 0;
    const signed = await counting.openBlob(cid, { authorize, signFirst: true });
    assert.deepEqual(new Uint8Array(await signed.arrayBuffer()), bytes);
    assert.equal(sent.length, 1);
    assert.match(sent[0]!, /^Cinnabar-Read /);

    const unsigned = await apiError(counting.openBlob(cid));
    assert.equal(unsigned.code, 'read_authorization_required');
  });

  test('answers are bounded, and must be JSON objects; a non-problem error keeps its status', async () => {
    const fake = (response: () => Response) =>
      new CinnabarClient({ baseUrl: 'http://fake/', fetch: async () => response(), maxJsonBytes: 1000 });

    const big = `{"x":"${'a'.repeat(5000)}"}`;
    const declared = await apiError(
      fake(() => new Response(big, { headers: { 'content-length': String(big.length) } })).ledger(),
    );
    assert.equal(declared.code, 'malformed_response');
    assert.match(declared.message, /longer than the 1000 bytes/);
    // Without a Content-Length: refused while reading.
    const chunked = await apiError(
      fake(() => new Response(streamOf(new TextEncoder().encode(big)))).ledger(),
    );
    assert.equal(chunked.code, 'malformed_response');

    assert.equal((await apiError(fake(() => new Response('[1]')).ledger())).code, 'malformed_response');
    assert.equal((await apiError(fake(() => new Response('<html>')).ledger())).code, 'malformed_response');

    const proxy = await apiError(
      fake(
        () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      ).ledger(),
    );
    assert.equal(proxy.status, 502);
    assert.equal(proxy.code, 'http_502');
    assert.equal(proxy.problem, undefined);
    assert.match(proxy.message, /HTTP 502 Bad Gateway/);
  });
});
