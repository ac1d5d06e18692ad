// The supervision story end to end, through the CLI against a real node: a work registered by the
// wrong party, a dispute with evidence, a regulator's freeze and unfreeze on the way, an arbitration
// that restores it to its author by a new entry, a takedown and a restore of content; the whole
// record public, and the auditor agreeing with the node at every step.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CinnabarClient, hexEncode, sha256, utf8Encode } from '@cinnabar/core';
import type { AuditReport } from '../src/audit/run-audit.js';
import { type CliLedger, cliLedger } from './support/cli-ledger.js';
import { runCli } from './support/run-cli.js';

describe('supervision story: wrong registrant, dispute, freeze, arbitration, takedown', () => {
  let ledger: CliLedger;
  let client: CinnabarClient;
  let keys: Record<string, string>;
  let dids: Record<string, string>;
  const cli = (...args: string[]) => ledger.cli(...args);
  /** The last line a command printed: the id of what it made. */
  const lastLine = (out: string) => out.trim().split('\n').at(-1)!;
  const ok = async (...args: string[]) => {
    const result = await cli(...args);
    assert.equal(result.code, 0, `${args.slice(0, 2).join(' ')}: ${result.err}`);
    return result;
  };
  /** cinnabar audit agrees with the node; what it compared. */
  const audited = async () => {
    const result = await runCli(
      'audit',
      ledger.node.url,
      '--vkey',
      ledger.node.vkey,
      '--state',
      join(ledger.dir, 'audit'),
      '--json',
    );
    assert.equal(result.code, 0, `the auditor disagrees: ${result.out}\n${result.err}`);
    return (JSON.parse(result.out) as AuditReport).compared!;
  };

  before(async () => {
    ledger = await cliLedger('story', ['wen', 'mal', 'ned', 'reg', 'arb']);
    ({ client, keys, dids } = ledger);
    await ok('credential', 'issue', dids.reg!, '--role', 'regulator', '--key', ledger.operatorKey);
    await ok('credential', 'issue', dids.arb!, '--role', 'arbitrator', '--key', ledger.operatorKey);
  });
  after(() => ledger.close());

  test('the story', async () => {
    // Mal registers Wen's painting as his own; Wen cannot register it any more.
    const painting = join(ledger.dir, 'painting.png.bin');
    await writeFile(painting, "Wen's painting, 2024");
    const registered = await ok('register', painting, '--title', 'Autumn at Xiangshan', '--key', keys.mal!);
    const work = lastLine(registered.out);
    const entry = Number(/entry +(\d+) \(tx/.exec(registered.out)?.[1]);
    assert.ok(Number.isSafeInteger(entry), registered.out);
    const again = await cli('register', painting, '--title', 'Autumn at Xiangshan', '--key', keys.wen!);
    assert.equal(again.code, 1);
    assert.match(again.err, /already registered by someone else/);
    await audited();

    // Wen disputes the registration, with her drafts as evidence (only their hashes on the record).
    const draft = join(ledger.dir, 'draft.txt');
    await writeFile(draft, 'sketches dated 2024-03');
    const opened = await ok(
      'dispute',
      'open',
      work,
      '--entry',
      String(entry),
      '--claim',
      'I painted this; my drafts predate it.',
      '--evidence',
      draft,
      '--prior-description',
      'drafts of 2024-03',
      '--key',
      keys.wen!,
    );
    const disputeId = lastLine(opened.out);
    const dispute = await client.dispute(disputeId);
    assert.equal(dispute?.respondent, dids.mal);
    assert.deepEqual(dispute?.evidence, [hexEncode(sha256(utf8Encode('sketches dated 2024-03')))]);
    await audited();

    // The regulator freezes the work while it is reviewed: Mal cannot pass it on.
    const frozen = await ok(
      'supervise',
      'freeze',
      work,
      '--category',
      'infringement',
      '--grounds',
      'Disputed authorship.',
      '--key',
      keys.reg!,
    );
    const freezeId = lastLine(frozen.out);
    const blocked = await cli('transfer', work, '--to', dids.ned!, '--key', keys.mal!);
    assert.equal(blocked.code, 1);
    assert.match(blocked.err, /frozen/);
    const notRegulator = await cli(
      'supervise',
      'freeze',
      work,
      '--category',
      'fraud',
      '--grounds',
      'x',
      '--key',
      keys.ned!,
    );
    assert.equal(notRegulator.code, 1);
    assert.match(notRegulator.err, /not_authorized/);
    await audited();

    // Mal answers; the regulator lifts the freeze (the dispute continues).
    await ok('dispute', 'respond', disputeId, '--text', 'I bought it at a fair.', '--key', keys.mal!);
    await ok(
      'supervise',
      'unfreeze',
      work,
      '--freeze',
      freezeId,
      '--reason',
      'Left to the arbitrator.',
      '--key',
      keys.reg!,
    );
    assert.equal((await client.freeze(freezeId))?.lifted?.by, dids.reg);
    await audited();

    // Only an arbitrator decides; this one restores the work to Wen, in a new entry.
    const byParty = await cli(
      'dispute',
      'resolve',
      disputeId,
      '--outcome',
      'correct',
      '--reasoning',
      'mine',
      '--key',
      keys.wen!,
    );
    assert.equal(byParty.code, 1);
    assert.match(byParty.err, /not_authorized/);
    await ok(
      'dispute',
      'resolve',
      disputeId,
      '--outcome',
      'correct',
      '--reasoning',
      'The drafts predate the registration.',
      '--key',
      keys.arb!,
    );
    const asset = await client.asset(work);
    assert.equal(asset?.owner, dids.wen);
    assert.equal(asset?.registrant, dids.mal, 'history is not rewritten');
    const history = await client.assetHistory(work);
    assert.deepEqual(
      history?.events.map((e) => [e.event, e.from, e.to]),
      [['restored', dids.mal, dids.wen]],
    );
    const shown = await ok('dispute', 'show', disputeId);
    assert.match(
      shown.out,
      /decision: {3}corrected by did:key:\S+ \(entry \d+\): The drafts predate the registration\./,
    );
    await audited();

    // Wen's own work now moves at her word.
    await ok('transfer', work, '--to', dids.ned!, '--key', keys.wen!);

    // Content taken down: the node answers 451 naming the takedown; restored, it serves again.
    const down = await ok(
      'supervise',
      'takedown',
      work,
      '--category',
      'illegal-content',
      '--grounds',
      'Under review.',
      '--key',
      keys.reg!,
    );
    const takedownId = lastLine(down.out);
    const blob = `${ledger.node.url.replace(/\/$/, '')}/v1/blobs/${asset!.cid}`;
    const refused = await fetch(blob);
    assert.equal(refused.status, 451);
    assert.match(await refused.text(), new RegExp(takedownId));
    await audited();
    await ok('supervise', 'restore', work, '--takedown', takedownId, '--key', keys.reg!);
    assert.equal((await fetch(blob)).status, 200);
    // The auditor compared every supervision record with the node's lists, not only holdings.
    const compared = await audited();
    assert.equal(compared.takedowns, 1);
    assert.equal(compared.disputes, 1);
    assert.ok(compared.freezes >= 1, `${compared.freezes} freezes compared`);

    // Everything is on the public record, and on the work's own.
    const record = (await (
      await fetch(`${ledger.node.url.replace(/\/$/, '')}/v1/assets/${work}/supervision`)
    ).json()) as { freezes: { id: string }[]; takedowns: { id: string }[]; disputes: { id: string }[] };
    assert.deepEqual(
      [record.freezes.map((f) => f.id), record.takedowns.map((d) => d.id), record.disputes.map((d) => d.id)],
      [[freezeId], [takedownId], [disputeId]],
    );
    const disputes = await (
      await fetch(`${ledger.node.url.replace(/\/$/, '')}/v1/supervision/disputes`)
    ).json();
    assert.equal((disputes as { items: unknown[] }).items.length, 1);
    const takedowns = await (
      await fetch(`${ledger.node.url.replace(/\/$/, '')}/v1/supervision/takedowns`)
    ).json();
    assert.equal((takedowns as { items: { restored?: unknown }[] }).items[0]?.restored !== undefined, true);
  });
});
