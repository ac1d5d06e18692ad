// Sealed descriptions on a real node, on SQLite and PostgreSQL (docs/sealed-descriptions.md): where
// the policy seals a grade's descriptions, the log and the public API hold only the sealed
// document's CID; the node takes a registration only with the document stored and well-formed, and
// serves the document like graded content: signed, to the work's readers, each read logged; a
// takedown of the content leaves it readable, and it stays private after the grade is lowered.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AccessLogPage,
  type AssetRecord,
  base64Decode,
  cidFromBytes,
  openSealedDescription,
  sealDescription,
  signReadAuthorization,
  utf8Decode,
  utf8Encode,
} from '@cinnabar/core';
import type { LightMyRequestResponse } from 'fastify';
import { type RunningNode, startNode } from '../src/index.js';
import { BACKENDS, createBackend } from './support/backends.js';
import { assetBody, LedgerClient, type Problem, TestActor } from './support/ledger-fixture.js';

const DESCRIPTION = {
  title: 'Survey of the east gate, 1:50',
  description: 'Point cloud of the restored gate; positions of the sensors marked.',
  creators: [{ name: 'Heritage survey team', role: 'survey' }],
  created: '2026-06',
  place: { point: { lat: 39.9163, lng: 116.3972 }, level: 8, name: 'East gate' },
};
const GROUNDS = { category: 'infringement', text: 'Claimed by another studio.' };

function signed(node: RunningNode, actor: TestActor, url: string): Promise<LightMyRequestResponse> {
  const authorization = signReadAuthorization({ did: actor.did, seed: actor.seed, target: `GET ${url}` });
  return node.app.inject({ method: 'GET', url, headers: { authorization } });
}

function problem(res: LightMyRequestResponse, status: number, code: string): Problem {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json() as Problem;
  assert.equal(body.code, code, res.body);
  return body;
}

/** The body of a registration of `bytes` whose description is sealed in `sealed`. */
function sealedBody(bytes: Uint8Array, mediaType: string, sealed: string): Record<string, unknown> {
  const { title: _t, creators: _c, ...rest } = assetBody(bytes, mediaType, { grade: 'core' });
  return { ...rest, sealed };
}

for (const backend of BACKENDS) {
  describe(`sealed descriptions on ${backend}`, () => {
    test('registered sealed, public only as a CID, read signed by the work’s readers and logged', async () => {
      const fixture = await createBackend(backend);
      const node = await startNode({
        dataDir: fixture.dataDir,
        databaseUrl: fixture.databaseUrl,
        port: 0,
        origin: `sealed-descriptions.test/${backend}`,
      });
      try {
        const client = new LedgerClient(node);
        const operator = new TestActor('operator', node.operatorKey.seed);
        operator.seq = 1; // its genesis
        const ann = new TestActor('ann'); // the owner
        const reg = new TestActor('reg'); // a regulator
        const eve = new TestActor('eve'); // a stranger
        for (const [actor, name] of [
          [ann, 'Ann'],
          [reg, 'Reg'],
          [eve, 'Eve'],
        ] as const)
          await client.accept(actor, 'identity.register', { kind: 'person', name });
        await client.accept(operator, 'credential.issue', {
          credential: operator.roleCredential(reg.did, 'regulator', 'reg-regulator'),
        });
        await client.accept(operator, 'policy.set', {
          policy: { realNameToRegister: false, sealDescriptions: ['core'] },
        });

        const content = utf8Encode('a survey graded core\n');
        const { mediaType } = await client.put(ann, content);
        const sealed = sealDescription(DESCRIPTION);
        const body = sealedBody(content, mediaType, sealed.cid);

        // The document must be stored first, and be a sealed document.
        const missing = await client.submit(ann, ann.sign('asset.register', body));
        problem(missing, 422, 'sealed_description_required');
        const notSealed = utf8Encode('{"title":"not a sealed document"}');
        await client.put(ann, notSealed);
        const malformed = await client.submit(
          ann,
          ann.sign('asset.register', { ...body, sealed: cidFromBytes(notSealed) }),
        );
        assert.match(
          problem(malformed, 422, 'malformed_sealed_description').detail ?? '',
          /unknown member "title"/,
        );
        const tooLarge = new Uint8Array(70_000).fill(0x20);
        await client.put(ann, tooLarge);
        const large = await client.submit(
          ann,
          ann.sign('asset.register', { ...body, sealed: cidFromBytes(tooLarge) }),
        );
        assert.match(
          problem(large, 422, 'malformed_sealed_description').detail ?? '',
          /is 70000 bytes; the most is 65536/,
        );
        // In the clear, the policy refuses it.
        const inTheClear = await client.submit(
          ann,
          ann.sign('asset.register', assetBody(content, mediaType, { ...DESCRIPTION, grade: 'core' })),
        );
        problem(inTheClear, 403, 'description_must_be_sealed');

        await client.put(ann, sealed.bytes);
        const registered = await client.accept(ann, 'asset.register', body);
        const asset = registered.subject.asset!;

        // Public: the record with the CID, not a word of the description (nor in the log entry).
        const record = await client.getJson<AssetRecord>(`/v1/assets/${asset}`);
        assert.equal(record.metadata.sealed, sealed.cid);
        assert.equal(record.metadata.title, undefined);
        const { entry } = await client.getJson<{ entry: string }>(`/v1/entries/${registered.index}`);
        const text = utf8Decode(base64Decode(entry));
        assert.match(text, new RegExp(sealed.cid));
        for (const word of ['Survey', 'Heritage', 'East gate', '39.91'])
          assert.ok(!text.includes(word), word);
        const search = await client.getJson<{ items: unknown[] }>('/v1/assets?q=survey');
        assert.equal(search.items.length, 0, 'a sealed title is not searchable');

        // The document: 401 unsigned, 403 for a stranger, the bytes for the owner and a regulator.
        const url = `/v1/blobs/${sealed.cid}`;
        problem(await node.app.inject({ method: 'GET', url }), 401, 'read_authorization_required');
        problem(await signed(node, eve, url), 403, 'read_not_allowed');
        for (const reader of [ann, reg]) {
          const res = await signed(node, reader, url);
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(res.headers['cache-control'], 'private, no-store');
          assert.deepEqual(openSealedDescription(new Uint8Array(res.rawPayload), sealed.cid), DESCRIPTION);
        }

        // A takedown stops the content, not the description; a lowered grade keeps the document private.
        await client.accept(reg, 'supervision.takedown', { asset, grounds: GROUNDS });
        assert.equal((await signed(node, ann, `/v1/blobs/${record.cid}`)).statusCode, 451);
        assert.equal((await signed(node, ann, url)).statusCode, 200);
        const { cid: _c, size: _s, mediaType: _m, ...general } = assetBody(content, mediaType, DESCRIPTION);
        await client.accept(ann, 'asset.update', { asset, revision: 1, ...general });
        problem(await node.app.inject({ method: 'GET', url }), 401, 'read_authorization_required');
        problem(await signed(node, eve, url), 403, 'read_not_allowed');

        // Every signed read of the document is in the work's access log, allowed or refused.
        const log = await signed(node, ann, `/v1/assets/${asset}/access-log`);
        assert.equal(log.statusCode, 200, log.body);
        const reads = (log.json() as AccessLogPage).items.filter((row) => row.cid === sealed.cid);
        assert.deepEqual(reads.map((row) => [row.did, row.outcome, row.basis]).reverse(), [
          [eve.did, 'refused', null],
          [ann.did, 'allowed', 'owner'],
          [reg.did, 'allowed', 'regulator'],
          [ann.did, 'allowed', 'owner'],
          [eve.did, 'refused', null],
        ]);
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });
  });
}
