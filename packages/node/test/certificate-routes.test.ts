// GET /v1/assets/{id}/certificate on a real node: the credential verifies offline with the log's
// key, the printed forms carry a QR code to the work's history on the node that was asked, and a
// forged Host header cannot point it elsewhere.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RightsCredential, utf8Encode, verifyRightsCredential } from '@cinnabar/core';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { type RunningNode, startNode } from '../src/index.js';
import { LedgerClient, TestActor } from './support/ledger-fixture.js';

// jsqr's types declare an ES default export on a CommonJS module; its bundle sets exports.default too.
const jsQR = jsQRModule.default;

describe('rights certificates from a node', () => {
  let dir: string;
  let node: RunningNode;
  let asset: string;
  const ann = new TestActor('ann');
  const bob = new TestActor('bob');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-certificate-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0, origin: 'certificate.test/log' });
    const client = new LedgerClient(node);
    await client.accept(ann, 'identity.register', { kind: 'person', name: 'Ann' });
    await client.accept(bob, 'identity.register', { kind: 'person', name: 'Bob' });
    asset = (await client.register(ann, utf8Encode('a certified work'))).subject.asset!;
    await client.accept(ann, 'asset.transfer', { asset, to: bob.did });
  });
  after(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (query: string, host = 'registry.example:7470') =>
    node.app.inject({ method: 'GET', url: `/v1/assets/${asset}/certificate?${query}`, headers: { host } });

  const qrOf = (png: Buffer): string | undefined => {
    const image = PNG.sync.read(png);
    return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
  };

  test('the current owner gets a credential that verifies offline against the pinned log key', async () => {
    const res = await get(`holder=${bob.did}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/vc\+json/);
    const credential = res.json() as RightsCredential;
    assert.deepEqual(credential.credentialSubject.right, 'owner');
    assert.equal(credential.issuer, node.operator);
    const verification = verifyRightsCredential(credential, { vkey: node.vkey });
    assert.ok(verification.ok, JSON.stringify(verification.checks));
    // The evidence is the transfer to bob.
    assert.match(verification.checks.at(-1)!.detail, /^asset\.transfer at /);
    // The same right, asked again, is the same credential.
    assert.equal((await get(`holder=${bob.did}`)).body, res.body);
  });

  test("the PNG's QR code opens the work's history on the node that was asked; a forged Host cannot redirect it", async () => {
    const png = await get(`holder=${bob.did}&format=png`);
    assert.equal(png.statusCode, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.equal(qrOf(png.rawPayload), `http://registry.example:7470/v1/assets/${asset}/history`);
    const forged = await get(`holder=${bob.did}&format=png`, 'evil.example/phish?x=');
    assert.equal(qrOf(forged.rawPayload), `http://localhost/v1/assets/${asset}/history`);
    const pdf = await get(`holder=${bob.did}&format=pdf`);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 8).toString(), '%PDF-1.7');
  });

  test('only for a right held now, and asked for plainly', async () => {
    const former = await get(`holder=${ann.did}`);
    assert.equal(former.statusCode, 404);
    assert.equal(former.json().code, 'right_not_held');
    for (const query of [
      `holder=${bob.did}&edition=1&licence=${'a'.repeat(64)}`,
      'holder=nobody',
      `holder=${bob.did}&x=1`,
    ])
      assert.equal((await get(query)).json().code, 'invalid_query', query);
    assert.equal((await get(`holder=${bob.did}&edition=1`)).json().code, 'edition_not_found');
    assert.equal((await get(`holder=${bob.did}&licence=${'a'.repeat(64)}`)).json().code, 'licence_not_found');
  });
});
