// Who is served a registered work's content, on a real node, on SQLite and PostgreSQL: a taken-down
// work's bytes answer 451 with the takedown named (RFC 7725), until restored; a work graded `core`
// (GB/T 43697-2024) is read only with a signed Cinnabar-Read request by its owner, a licensee in
// force, the operator or a regulator, and every signed read, allowed or refused, is in the work's
// access log, which only the owner, the operator and regulators read, and which outlives a restart.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AccessLogPage, cidFromBytes, signReadAuthorization, utf8Encode } from '@cinnabar/core';
import type { LightMyRequestResponse } from 'fastify';
import { type RunningNode, startNode } from '../src/index.js';
import { BACKENDS, createBackend } from './support/backends.js';
import { LedgerClient, type Problem, TestActor } from './support/ledger-fixture.js';

const GROUNDS = { category: 'infringement', text: 'Registered by someone other than its author.' };
const TERMS = {
  uses: ['display'],
  territory: 'worldwide',
  start: '2026-01-01',
  exclusive: false,
  sublicensable: false,
  royaltyBasisPoints: 0,
  legalTextHash: 'ab'.repeat(32),
};

function request(
  node: RunningNode,
  method: 'GET' | 'HEAD',
  url: string,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return node.app.inject({ method, url, headers });
}

/** A request signed by `actor` for `target` (default: this very request). */
function signed(
  node: RunningNode,
  actor: TestActor,
  method: 'GET' | 'HEAD',
  url: string,
  options: { target?: string; time?: Date; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const authorization = signReadAuthorization({
    did: actor.did,
    seed: actor.seed,
    target: options.target ?? `${method} ${url.split('?')[0]}`,
    ...(options.time ? { time: options.time } : {}),
  });
  return request(node, method, url, { ...options.headers, authorization });
}

function problem(res: LightMyRequestResponse, status: number, code: string): Problem {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json() as Problem;
  assert.equal(body.code, code, res.body);
  return body;
}

for (const backend of BACKENDS) {
  describe(`content access on ${backend}`, () => {
    test('takedowns answer 451; graded content is read signed by those allowed, logged, across a restart', async () => {
      const fixture = await createBackend(backend);
      const start = () =>
        startNode({
          dataDir: fixture.dataDir,
          databaseUrl: fixture.databaseUrl,
          port: 0,
          origin: `content-access.test/${backend}`,
        });
      let node = await start();
      try {
        const client = new LedgerClient(node);
        const operator = new TestActor('operator', node.operatorKey.seed);
        operator.seq = 1; // its genesis
        const ann = new TestActor('ann'); // the owner
        const lee = new TestActor('lee'); // a licensee
        const reg = new TestActor('reg'); // a regulator
        const eve = new TestActor('eve'); // a stranger
        for (const [actor, name] of [
          [ann, 'Ann'],
          [lee, 'Lee'],
          [reg, 'Reg'],
          [eve, 'Eve'],
        ] as const)
          await client.accept(actor, 'identity.register', { kind: 'person', name });
        await client.accept(operator, 'credential.issue', {
          credential: operator.roleCredential(reg.did, 'regulator', 'reg-regulator'),
        });

        // --- A takedown (RFC 7725) ----------------------------------------------------------
        const openBytes = utf8Encode('an open work, then taken down\n');
        const openCid = cidFromBytes(openBytes);
        const open = (await client.register(ann, openBytes, { title: 'Open work' })).subject.asset!;
        const before = await request(node, 'GET', `/v1/blobs/${openCid}`);
        assert.equal(before.statusCode, 200);
        assert.equal(before.headers['cache-control'], 'public, max-age=31536000, immutable');

        const takedown = await client.accept(reg, 'supervision.takedown', { asset: open, grounds: GROUNDS });
        for (const method of ['GET', 'HEAD'] as const) {
          const res = await request(node, method, `/v1/blobs/${openCid}`);
          assert.equal(res.statusCode, 451, method);
          assert.equal(res.headers.link, `</v1/supervision/takedowns/${takedown.txId}>; rel="blocked-by"`);
          if (method === 'GET')
            assert.deepEqual(problem(res, 451, 'taken_down').details, {
              asset: open,
              takedown: takedown.txId,
              index: takedown.index,
            });
        }
        // Taken down for everyone, the owner too; the inspection describes the content: 451 as well.
        assert.equal((await signed(node, ann, 'GET', `/v1/blobs/${openCid}`)).statusCode, 451);
        problem(await request(node, 'GET', `/v1/blobs/${openCid}/inspection`), 451, 'taken_down');
        // The record and its metadata stay public.
        assert.equal((await client.get(`/v1/assets/${open}`)).statusCode, 200);

        await client.accept(reg, 'supervision.restore', { asset: open, takedown: takedown.txId });
        const restored = await request(node, 'GET', `/v1/blobs/${openCid}`);
        assert.equal(restored.statusCode, 200);
        assert.deepEqual(new Uint8Array(restored.rawPayload), openBytes);
        assert.equal((await request(node, 'GET', `/v1/blobs/${openCid}/inspection`)).statusCode, 200);
        // Bytes no registered work names are served as before.
        const loose = utf8Encode('uploaded, never registered\n');
        await client.put(ann, loose);
        assert.equal((await request(node, 'GET', `/v1/blobs/${cidFromBytes(loose)}`)).statusCode, 200);

        // --- A work graded core (GB/T 43697-2024) -----------------------------------------
        const secretBytes = utf8Encode('a work graded core: served only to those allowed\n');
        const cid = cidFromBytes(secretBytes);
        const blob = `/v1/blobs/${cid}`;
        const asset = (await client.register(ann, secretBytes, { title: 'Core work', grade: 'core' })).subject
          .asset!;
        const licence = await client.accept(ann, 'licence.grant', { asset, licensee: lee.did, terms: TERMS });

        // No or invalid authorization: 401 with the challenge, privately.
        const unauthorized = async (res: LightMyRequestResponse, code: string) => {
          problem(res, 401, code);
          assert.equal(res.headers['www-authenticate'], 'Cinnabar-Read');
          assert.equal(res.headers['cache-control'], 'private, no-store');
        };
        await unauthorized(await request(node, 'GET', blob), 'read_authorization_required');
        assert.equal((await request(node, 'HEAD', blob)).statusCode, 401);
        await unauthorized(
          await request(node, 'GET', blob, { authorization: 'Bearer abc' }),
          'read_authorization_required',
        );
        await unauthorized(
          await request(node, 'GET', blob, { authorization: `Cinnabar-Read did="${ann.did}"` }),
          'malformed_read_authorization',
        );
        // A signature for another target (the open work) is refused for this one.
        await unauthorized(
          await signed(node, ann, 'GET', blob, { target: `GET /v1/blobs/${openCid}` }),
          'bad_read_signature',
        );
        // A stale one too.
        await unauthorized(
          await signed(node, ann, 'GET', blob, { time: new Date(Date.now() - 3_600_000) }),
          'bad_read_signature',
        );

        // A stranger: 403, and on the record.
        const stranger = await signed(node, eve, 'GET', blob);
        problem(stranger, 403, 'read_not_allowed');
        assert.equal(stranger.headers['cache-control'], 'private, no-store');

        const allowed = async (actor: TestActor, method: 'GET' | 'HEAD' = 'GET', headers = {}) => {
          const res = await signed(node, actor, method, blob, { headers });
          assert.ok(
            res.statusCode === 200 || res.statusCode === 206,
            `${actor.label}: ${res.statusCode} ${res.body}`,
          );
          assert.equal(res.headers['cache-control'], 'private, no-store');
          assert.match(String(res.headers.vary), /Authorization/i);
          return res;
        };
        assert.deepEqual(new Uint8Array((await allowed(ann)).rawPayload), secretBytes);
        const part = await allowed(ann, 'GET', { range: 'bytes=0-3' });
        assert.equal(part.statusCode, 206);
        assert.equal(part.body, 'a wo');
        assert.deepEqual(new Uint8Array((await allowed(lee)).rawPayload), secretBytes);
        assert.deepEqual(new Uint8Array((await allowed(reg)).rawPayload), secretBytes);
        assert.deepEqual(new Uint8Array((await allowed(operator)).rawPayload), secretBytes);
        // HEAD is GET without the body (RFC 9110 §9.3.2): a signed GET reads it too.
        const head = await signed(node, ann, 'HEAD', blob, { target: `GET ${blob}` });
        assert.equal(head.statusCode, 200);
        assert.equal(head.headers['content-length'], String(secretBytes.length));
        // The inspection describes the content: read the same way.
        await unauthorized(await request(node, 'GET', `${blob}/inspection`), 'read_authorization_required');
        assert.equal((await signed(node, ann, 'GET', `${blob}/inspection`)).statusCode, 200);
        // The record stays public.
        assert.equal((await client.get(`/v1/assets/${asset}`)).statusCode, 200);

        // A revoked licence no longer reads.
        await client.accept(ann, 'licence.revoke', { asset, licence: licence.txId });
        problem(await signed(node, lee, 'GET', blob), 403, 'read_not_allowed');

        // --- The access log ---------------------------------------------------------------
        const logUrl = `/v1/assets/${asset}/access-log`;
        await unauthorized(await request(node, 'GET', logUrl), 'read_authorization_required');
        problem(await signed(node, eve, 'GET', logUrl), 403, 'read_not_allowed');
        problem(await signed(node, lee, 'GET', logUrl), 403, 'read_not_allowed');
        // A signature for the blob does not read the log.
        await unauthorized(
          await signed(node, ann, 'GET', logUrl, { target: `GET ${blob}` }),
          'bad_read_signature',
        );

        const expected = [
          [eve.did, 'refused', null, `GET ${blob}`, null],
          [ann.did, 'allowed', 'owner', `GET ${blob}`, null],
          [ann.did, 'allowed', 'owner', `GET ${blob}`, 'bytes=0-3'],
          [lee.did, 'allowed', 'licensee', `GET ${blob}`, null],
          [reg.did, 'allowed', 'regulator', `GET ${blob}`, null],
          [operator.did, 'allowed', 'operator', `GET ${blob}`, null],
          [ann.did, 'allowed', 'owner', `HEAD ${blob}`, null],
          [ann.did, 'allowed', 'owner', `GET ${blob}/inspection`, null],
          [lee.did, 'refused', null, `GET ${blob}`, null],
        ].reverse(); // newest first
        const readLog = async (actor: TestActor) => {
          const res = await signed(node, actor, 'GET', logUrl);
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(res.headers['cache-control'], 'private, no-store');
          const page = res.json() as AccessLogPage;
          assert.equal(page.asset, asset);
          return page;
        };
        const rows = (page: AccessLogPage) =>
          page.items.map((e) => {
            assert.equal(e.cid, cid);
            assert.ok(Math.abs(Date.parse(e.time) - Date.now()) < 3_600_000, e.time);
            return [e.did, e.outcome, e.basis, e.target, e.range];
          });
        const byOwner = await readLog(ann);
        assert.deepEqual(rows(byOwner), expected);
        assert.equal(byOwner.nextCursor, null);
        assert.deepEqual(await readLog(reg), byOwner);
        assert.deepEqual(await readLog(operator), byOwner);
        // Pages, newest first.
        const first = (await signed(node, ann, 'GET', `${logUrl}?limit=4`)).json() as AccessLogPage;
        assert.deepEqual(rows(first), expected.slice(0, 4));
        assert.ok(first.nextCursor);
        const second = (
          await signed(node, ann, 'GET', `${logUrl}?limit=4&cursor=${first.nextCursor}`)
        ).json() as AccessLogPage;
        assert.deepEqual(rows(second), expected.slice(4, 8));
        problem(await signed(node, ann, 'GET', `${logUrl}?limit=0`), 400, 'invalid_query');
        // The open work's reads are not graded: its log is empty.
        assert.deepEqual((await readLog(ann)).items.length, expected.length);
        const openLog = (
          await signed(node, ann, 'GET', `/v1/assets/${open}/access-log`)
        ).json() as AccessLogPage;
        assert.deepEqual(openLog.items, []);

        // --- Restart: the log is still there, and goes on ---------------------------------
        await node.close();
        node = await start();
        assert.deepEqual(await readLog(ann), byOwner);
        assert.equal((await signed(node, reg, 'GET', blob)).statusCode, 200);
        const after = await readLog(ann);
        assert.deepEqual(rows(after), [[reg.did, 'allowed', 'regulator', `GET ${blob}`, null], ...expected]);
        assert.ok(after.items[0]!.id > byOwner.items[0]!.id);
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });
  });
}
