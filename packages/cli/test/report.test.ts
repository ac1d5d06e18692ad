// cinnabar report activity|holders|alerts through the real parser against a real node: JSON and
// CSV, on the terminal and into a file, --node as --server, and bad arguments refused (exit 2).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliLedger, cliLedger } from './support/cli-ledger.js';
import { runCli } from './support/run-cli.js';

describe('cinnabar report against a real node', () => {
  let ledger: CliLedger;
  const cli = (...args: string[]) => ledger.cli(...args);

  before(async () => {
    ledger = await cliLedger('report', ['ann', 'bob']);
  });
  after(() => ledger.close());

  test('activity by month and by grade, as JSON and CSV; into a file', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const json = await cli('report', 'activity');
    assert.equal(json.code, 0, json.err);
    const report = JSON.parse(json.out) as {
      bucket: string;
      rows: { period: string; registrations: number }[];
    };
    assert.equal(report.bucket, 'month');
    assert.deepEqual(
      report.rows.map((r) => [r.period, r.registrations]),
      [[month, 2]],
    );
    const csv = await cli('report', 'activity', '--by', 'grade', '--format', 'csv');
    assert.equal(csv.code, 0, csv.err);
    assert.equal(
      csv.out,
      `period,grade,registrations,transfers,sales,salesFen,salesYuan,licences\n${month},general,2,0,0,0,0.00,0`,
    );
    const file = join(ledger.dir, 'activity.csv');
    const written = await cli('report', 'activity', '--bucket', 'day', '--format', 'csv', '--output', file);
    assert.equal(written.code, 0, written.err);
    assert.match(written.out, /^Wrote the activity report to /);
    const text = await readFile(file, 'utf8');
    assert.match(
      text,
      /^period,registrations,transfers,sales,salesFen,salesYuan,licences\r\n\d{4}-\d{2}-\d{2},2,0,0,0,0\.00,0\r\n$/,
    );
  });

  test('holders and alerts; --node names the node too', async () => {
    const holders = await runCli(
      'report',
      'holders',
      '--limit',
      '1',
      '--format',
      'csv',
      '--node',
      ledger.node.url,
    );
    assert.equal(holders.code, 0, holders.err);
    const lines = holders.out.split('\n');
    assert.equal(lines[0], 'rank,owner,items');
    assert.match(lines[1]!, /^1,did:key:z[1-9A-HJ-NP-Za-km-z]+,1$/);
    assert.equal(lines.length, 2);
    const alerts = await cli('report', 'alerts', '--rule', 'washTrading');
    assert.equal(alerts.code, 0, alerts.err);
    assert.deepEqual((JSON.parse(alerts.out) as { alerts: unknown[] }).alerts, []);
  });

  test('bad arguments exit 2; a node that does not answer, 1', async () => {
    for (const args of [
      ['activity', '--bucket', 'year'],
      ['activity', '--by', 'owner'],
      ['activity', '--from', 'yesterday'],
      ['activity', '--format', 'xml'],
      ['holders', '--limit', '0'],
      ['holders', '--limit', '1001'],
      ['alerts', '--rule', 'everything'],
      ['nonsense'],
    ]) {
      const run = await cli('report', ...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.out} ${run.err}`);
    }
    // The node checks what the CLI cannot (a day that is not on the calendar): its problem, exit 1.
    const refused = await cli('report', 'activity', '--from', '2026-02-30');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /invalid_report_range|not a day or time on the calendar/);
    const down = await runCli('report', 'holders', '--server', 'http://127.0.0.1:9');
    assert.equal(down.code, 1);
    assert.match(down.err, /is a node running/);
  });
});
