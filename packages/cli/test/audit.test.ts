// cinnabar audit against a real node: a clean audit agrees; a second run replays only the entries
// appended since; a node whose database was altered after the fact is caught (a changed owner:
// the divergence and the entry where it starts; changed entry bytes: the root does not match); a
// wrong --vkey and a damaged saved state are refused.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSignerKey, type JsonObject, signTransaction } from '@cinnabar/core';
import { type RunningNode, SQLITE_FILE, startNode } from '@cinnabar/node';
import Database from 'better-sqlite3';
import type { Divergence } from '../src/audit/compare.js';
import type { AuditReport } from '../src/audit/run-audit.js';
import { type CliLedger, cliLedger } from './support/cli-ledger.js';
import { runCli } from './support/run-cli.js';

describe('cinnabar audit against a real node', () => {
  let ledger: CliLedger;
  let state: string;
  /** The takedown in force on bob's work. */
  let takedown: string;
  /** The operator's exhibition space. */
  let space: string;
  let restarted: RunningNode | undefined;
  const url = () => (restarted ?? ledger.node).url;
  const audit = (...args: string[]) =>
    runCli('audit', url(), '--vkey', ledger.node.vkey, '--state', state, '--threads', '1', ...args);
  const auditJson = async (...args: string[]) => {
    const run = await audit(...args, '--json');
    return { ...run, report: JSON.parse(run.out) as AuditReport };
  };
  /** A transaction signed by the operator (who holds every role, the regulator's included). */
  const asOperator = async (type: string, body: JsonObject) => {
    const { did, seed } = ledger.node.operatorKey;
    const seq = await ledger.client.nextSeq(did);
    const signed = signTransaction(
      { v: 1, type, actor: did, seq, time: new Date().toISOString(), body },
      seed,
    );
    return ledger.client.submit(signed);
  };

  before(async () => {
    ledger = await cliLedger('audit', ['ann', 'bob', 'cat']);
    state = join(ledger.dir, 'audit-state');
    const { keys, dids, assets } = ledger;
    const ok = (run: { code: number; err: string }) => assert.equal(run.code, 0, run.err);
    ok(await ledger.cli('transfer', assets.ann!, '--to', dids.bob!, '--key', keys.ann!));
    ok(await ledger.cli('edition', 'issue', assets.cat!, '--supply', '3', '--key', keys.cat!));
    ok(await ledger.cli('transfer', assets.cat!, '--edition', '2', '--to', dids.ann!, '--key', keys.cat!));
    const legal = join(ledger.dir, 'licence.txt');
    await writeFile(legal, 'The licensee may show the work.\n');
    const grant = (to: string) =>
      ledger.cli(
        'licence',
        'grant',
        assets.bob!,
        '--to',
        to,
        '--use',
        'display',
        '--territory',
        'CN',
        '--from',
        '2026-01-01',
        '--until',
        '2030-12-31',
        '--legal-text',
        legal,
        '--key',
        keys.bob!,
      );
    const granted = await grant(dids.cat!);
    ok(granted);
    ok(await grant(dids.ann!));
    const revoke = granted.out.trim().split('\n').at(-1)!;
    ok(
      await ledger.cli('licence', 'revoke', assets.bob!, revoke, '--reason', 'breached', '--key', keys.bob!),
    );
    const grounds = { category: 'infringement', text: 'Under review.' };
    const lifted = await asOperator('supervision.freeze', { target: { asset: assets.ann! }, grounds });
    await asOperator('supervision.unfreeze', { target: { asset: assets.ann! }, freeze: lifted.txId });
    await asOperator('supervision.freeze', { target: { asset: assets.cat!, edition: 3 }, grounds });
    takedown = (await asOperator('supervision.takedown', { asset: assets.bob!, grounds })).txId;
    // Cat contests ann's registration of her work, with evidence.
    const registration = (await ledger.client.asset(assets.ann!))!.registered.index;
    const evidence = join(ledger.dir, 'evidence.txt');
    await writeFile(evidence, 'my sketches');
    const claim = ['--claim', 'Mine first.', '--evidence', evidence, '--key', keys.cat!];
    ok(await ledger.cli('dispute', 'open', assets.ann!, '--entry', String(registration), ...claim));
    // The market: cat sells edition 1 to bob, who lists it again; an appraiser values bob's work.
    const listed = await ledger.cli(
      'list',
      assets.cat!,
      '--edition',
      '1',
      '--price',
      '88.80',
      '--key',
      keys.cat!,
    );
    ok(listed);
    const sale = ['--listing', listed.out.trim().split('\n').at(-1)!, '--to', dids.bob!, '--price', '88.8'];
    const payment = ['--payment', 'wechat-pay 4200001234', '--key', keys.cat!];
    ok(await ledger.cli('sell', assets.cat!, '--edition', '1', ...sale, ...payment));
    ok(await ledger.cli('list', assets.cat!, '--edition', '1', '--price', '120', '--key', keys.bob!));
    const operatorKey = join(ledger.dir, 'data', 'operator.key.json');
    ok(await ledger.cli('credential', 'issue', dids.ann!, '--role', 'appraiser', '--key', operatorKey));
    const report = join(ledger.dir, 'appraisal.pdf');
    await writeFile(report, 'appraisal report');
    const value = ['--method', 'market', '--amount', '125000.50', '--date', '2026-11-01', '--report', report];
    ok(await ledger.cli('value', assets.bob!, ...value, '--key', keys.ann!));
    const room = { id: 'hall', x: 0, z: 0, width: 12, depth: 8, height: 4, doors: [] };
    space = (
      await asOperator('space.create', {
        name: 'Hall of the record',
        category: 'exhibition-hall',
        rooms: [room],
        placements: [],
      })
    ).txId;
  });
  after(async () => {
    await restarted?.close();
    await ledger.close();
  });

  /** Stop the node, change its database as an operator with SQL access could, start it again. */
  const alterDatabase = async (change: (db: Database.Database) => void) => {
    await (restarted ?? ledger.node).close();
    const db = new Database(join(ledger.dir, 'data', SQLITE_FILE));
    try {
      change(db);
    } finally {
      db.close();
    }
    restarted = await startNode({ dataDir: join(ledger.dir, 'data'), port: 0 });
  };

  /** Rewrite one stored record (its JSON only) with the node stopped; then audit: the divergences at that key. */
  const alterRecordAndAudit = async <T extends object>(key: string, change: (record: T) => T) => {
    await alterDatabase((db) => {
      const row = db.prepare('SELECT value FROM ledger_state WHERE key = ?').get(key) as { value: string };
      const altered = change(JSON.parse(row.value) as T);
      db.prepare('UPDATE ledger_state SET value = ? WHERE key = ?').run(JSON.stringify(altered), key);
    });
    const { code, report } = await auditJson();
    assert.equal(code, 1);
    return { found: report.divergences.filter((d: Divergence) => d.key === key), all: report.divergences };
  };

  test('a clean audit: every entry verified and replayed, and the node agrees on holdings, licences and freezes', async () => {
    const { code, out, err } = await audit();
    assert.equal(code, 0, `${out}\n${err}`);
    assert.match(out, /signature OK/);
    assert.match(out, /first audit of this log/);
    assert.match(out, /the node agrees with the log/);

    const size = (await ledger.node.storage.latestCheckpoint())!.size;
    const { report } = await auditJson();
    assert.equal(report.ok, true);
    assert.equal(report.size, size);
    assert.equal(report.entries.total, size);
    assert.equal(report.entries.rejected, 0);
    assert.equal(report.divergenceCount, 0);
    assert.equal(report.compared?.assets, 3);
    assert.equal(report.compared?.freezes, 2);
    assert.equal(report.compared?.identities, 4); // ann, bob, cat and the operator
    assert.equal(report.compared?.takedowns, 1);
    assert.equal(report.compared?.disputes, 1);
    assert.equal(report.compared?.ledger, 1);
    assert.equal(report.compared?.credentials, 1); // ann's appraiser role
    assert.equal(report.compared?.listings, 2); // sold, and open
    assert.equal(report.compared?.sales, 1);
    assert.equal(report.compared?.valuations, 1);
    assert.equal(report.compared?.spaces, 1);
    assert.ok(report.compared!.licences >= 2, JSON.stringify(report.compared));
    assert.ok(report.compared!.editions >= 3, JSON.stringify(report.compared));
  });

  test('resume: the next run proves consistency and replays only the entries appended since', async () => {
    const before = (await auditJson()).report;
    const { keys, dids, assets } = ledger;
    assert.equal((await ledger.cli('transfer', assets.bob!, '--to', dids.cat!, '--key', keys.bob!)).code, 0);
    const file = join(ledger.dir, 'new.bin');
    await writeFile(file, 'a new work');
    assert.equal((await ledger.cli('register', file, '--title', 'New', '--key', keys.ann!)).code, 0);
    const size = (await ledger.node.storage.latestCheckpoint())!.size;
    assert.equal(size, before.size + 2);

    const { code, report } = await auditJson();
    assert.equal(code, 0);
    assert.equal(report.resumedFrom, before.size);
    assert.equal(report.entries.replayed, 2);
    assert.equal(report.entries.total, size);
    assert.equal(report.compared?.assets, 4);
    assert.equal(report.divergenceCount, 0);
    // Nothing new: nothing replayed, the state compared again.
    const again = await auditJson();
    assert.equal(again.report.entries.replayed, 0);
    assert.equal(again.report.ok, true);
  });

  test('a wrong --vkey is refused: the checkpoint does not verify', async () => {
    const other = generateSignerKey(ledger.node.origin).vkey;
    const run = await runCli('audit', ledger.node.url, '--vkey', other, '--state', state);
    assert.equal(run.code, 1);
    assert.match(run.err, /FAILED \((unverified_note|invalid_signature)\)/);
    const json = await runCli('audit', ledger.node.url, '--vkey', other, '--state', state, '--json');
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.out).ok, false);
  });

  test('a damaged saved state is refused, never used; --restart audits from entry 0', async () => {
    const [name] = (await readdir(state)).filter((f) => f.endsWith('.audit'));
    const file = join(state, name!);
    const good = await readFile(file, 'utf8');
    const lines = good.split('\n');
    const owned = lines.findIndex((l) => l.includes('"owner":"did:key:'));
    assert.ok(owned > 0);
    const damaged = [...lines];
    damaged[owned] = damaged[owned]!.replace('"owner":"did:key:z', '"owner":"did:key:y');
    for (const [what, text] of [
      ['an altered record', damaged.join('\n')],
      ['a truncated file', good.slice(0, Math.floor(good.length / 2))],
      ['not JSON', 'garbage\n'],
    ] as const) {
      await writeFile(file, text);
      const run = await audit();
      assert.equal(run.code, 1, what);
      assert.match(run.err, /FAILED \(audit_state_invalid\).*--restart/, what);
    }
    const restarted = await auditJson('--restart');
    assert.equal(restarted.code, 0);
    assert.equal(restarted.report.resumedFrom, null);
    assert.equal(restarted.report.entries.replayed, restarted.report.size);
    assert.equal((await auditJson()).report.resumedFrom, restarted.report.size);
  });

  test("a node whose database was altered after the fact: the owner's divergence names the key and the entry", async () => {
    const { assets, dids } = ledger;
    const key = `asset/${assets.cat!}`;
    await alterDatabase((db) => {
      const row = db.prepare('SELECT value FROM ledger_state WHERE key = ?').get(key) as { value: string };
      const record = JSON.parse(row.value) as { owner: string };
      assert.equal(record.owner, dids.cat);
      db.prepare('UPDATE ledger_state SET value = ?, owner = ? WHERE key = ?').run(
        JSON.stringify({ ...record, owner: dids.bob }),
        dids.bob,
        key,
      );
    });
    const { code, report } = await auditJson();
    assert.equal(code, 1);
    assert.equal(report.ok, false);
    const owner = report.divergences.filter((d: Divergence) => d.key === key && d.field === 'owner');
    assert.ok(owner.length > 0, JSON.stringify(report.divergences));
    assert.equal(owner[0]!.replayed, dids.cat);
    assert.equal(owner[0]!.node, dids.bob);
    // Where it starts: the last entry that wrote the record, cat's edition.issue (the record says so too).
    const stored = await restarted!.storage.readState([key]);
    const issued = (JSON.parse(stored.get(key)!) as { editions: { issued: { index: number } } }).editions
      .issued;
    assert.equal(owner[0]!.entry, issued.index);
    assert.equal(owner[0]!.nodeEntry, issued.index);
    const registered = issued.index;
    const human = await audit();
    assert.equal(human.code, 1);
    assert.match(
      human.out,
      new RegExp(
        `DIVERGED: .*\\n.*${key} owner: log "${dids.cat}", node "${dids.bob}" \\(starts at log entry ${registered}`,
      ),
    );
  });

  test("a supervision record altered in the node's database: the takedown's divergence names its field", async () => {
    type Takedown = { grounds: { category: string; text: string } };
    const { found, all } = await alterRecordAndAudit<Takedown>(`takedown/${takedown}`, (record) => {
      assert.equal(record.grounds.text, 'Under review.');
      return { ...record, grounds: { ...record.grounds, text: 'Nothing to see.' } };
    });
    assert.deepEqual(
      found.map((d) => [d.view, d.field]),
      [['takedown', 'grounds']],
      JSON.stringify(all),
    );
    assert.deepEqual(found[0]!.replayed, { category: 'infringement', text: 'Under review.' });
    assert.deepEqual(found[0]!.node, { category: 'infringement', text: 'Nothing to see.' });
  });

  test("an identity record altered in the node's database: a role it never had is a divergence", async () => {
    const { found, all } = await alterRecordAndAudit<{ roles: unknown[] }>(
      `identity/${ledger.dids.cat!}`,
      (record) => {
        assert.deepEqual(record.roles, []);
        const roles = [{ role: 'regulator', credential: 'urn:uuid:00000000-0000-4000-8000-000000000000' }];
        return { ...record, roles };
      },
    );
    assert.deepEqual(
      found.map((d) => [d.view, d.field, d.replayed]),
      [['identity', 'roles', []]],
      JSON.stringify(all),
    );
  });

  test("the ledger, a credential, a listing, a sale, a valuation and a space altered in the node's database: each is a divergence", async () => {
    const altered: Record<string, { key: string; index?: number }> = {};
    await alterDatabase((db) => {
      const rows = db
        .prepare(
          "SELECT key, value FROM ledger_state WHERE kind IN ('ledger', 'credential', 'listing', 'sale', 'valuation', 'space')",
        )
        .all() as { key: string; value: string }[];
      for (const row of rows) {
        const record = JSON.parse(row.value) as Record<string, unknown> & { kind: string };
        if (record.kind === 'valuation') {
          db.prepare('DELETE FROM ledger_state WHERE key = ?').run(row.key);
          altered.valuation = { key: row.key, index: (record.at as { index: number }).index };
          continue;
        }
        if (record.kind === 'listing' && record.status !== 'open') continue;
        const changes: Record<string, Record<string, unknown>> = {
          ledger: { name: 'another ledger' },
          credential: { revoked: { ...(record.issued as object), by: ledger.dids.bob, reason: 'forged' } },
          listing: { price: '1.2' },
          sale: { price: '8.88' },
          space: { name: 'Hall of fiction' },
        };
        db.prepare('UPDATE ledger_state SET value = ? WHERE key = ?').run(
          JSON.stringify({ ...record, ...changes[record.kind] }),
          row.key,
        );
        altered[record.kind] = { key: row.key };
      }
    });
    assert.deepEqual(Object.keys(altered).sort(), [
      'credential',
      'ledger',
      'listing',
      'sale',
      'space',
      'valuation',
    ]);
    const { code, report } = await auditJson();
    assert.equal(code, 1);
    const at = (kind: string) =>
      report.divergences
        .filter((d: Divergence) => d.key === altered[kind]!.key)
        .map((d: Divergence) => [d.view, d.field, d.node]);
    const all = JSON.stringify(report.divergences);
    assert.deepEqual(at('ledger'), [['ledger', 'name', 'another ledger']], all);
    assert.deepEqual(at('listing'), [['listing', 'price', '1.2']], all);
    assert.deepEqual(at('sale'), [['sale', 'price', '8.88']], all);
    assert.equal(altered.space!.key, `space/${space}`);
    assert.deepEqual(at('space'), [['space', 'name', 'Hall of fiction']], all);
    assert.deepEqual(
      at('credential').map(([view, field]) => [view, field]),
      [['credential', 'revoked']],
      all,
    );
    // A record the node lost: the log still says what it was, and which entry made it.
    const [lost] = report.divergences.filter((d: Divergence) => d.key === altered.valuation!.key);
    assert.deepEqual([lost?.view, lost?.field, lost?.node], ['valuation', '(record)', null], all);
    assert.equal(lost?.entry, altered.valuation!.index);
  });

  test('a node that serves other entry bytes than it signed: they do not hash to the signed root, and the audit fails', async () => {
    // A proxy in front of the node changes one byte of an entry in every entry bundle it serves.
    const proxy = createServer(async (request, response) => {
      const answer = await fetch(new URL(request.url!, url()));
      let body = Buffer.from(await answer.arrayBuffer());
      if (request.url!.startsWith('/log/tile/entries/')) {
        body = Buffer.from(body);
        const at = body.indexOf('"name":"');
        assert.ok(at > 0);
        body[at + 8] = body[at + 8] === 0x58 ? 0x59 : 0x58; // a different letter, the same length
      }
      response.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'text/plain',
      });
      response.end(body);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      const args = ['--vkey', ledger.node.vkey, '--state', state, '--threads', '1', '--restart'];
      const run = await runCli('audit', `http://127.0.0.1:${port}`, ...args);
      assert.equal(run.code, 1, run.out);
      assert.match(
        run.err,
        /FAILED \(inconsistent_log\): the \d+ entries served do not hash to the checkpoint's root/,
      );
    } finally {
      proxy.close();
    }
  });
});
