// Sealed descriptions from the command line (docs/sealed-descriptions.md): the operator seals the
// descriptions of core works with `cinnabar policy set`; `cinnabar register` then keeps the title and
// the rest off the log by itself; `cinnabar show` shows only the CID, and `--unseal` reads the
// document signed with --key, for the owner, not for a stranger.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { utf8Decode } from '@cinnabar/core';
import { type CliLedger, cliLedger } from './support/cli-ledger.js';

describe('sealed descriptions with cinnabar policy, register and show against a real node', () => {
  let ledger: CliLedger;
  let asset: string;
  let sealed: string;
  let index: number;
  const cli = (...args: string[]) => ledger.cli(...args);

  before(async () => {
    ledger = await cliLedger('sealed', ['ann', 'eve']);
    const policy = await cli('policy', 'set', '--seal-descriptions', 'core', '--key', ledger.operatorKey);
    assert.equal(policy.code, 0, policy.err);
    assert.match(policy.out, /descriptions of core works sealed/);
    const file = join(ledger.dir, 'survey.bin');
    await writeFile(file, 'a survey graded core\n');
    const registered = await cli(
      'register',
      file,
      '--title',
      'Survey of the east gate',
      '--description',
      'Sensor positions marked.',
      '--grade',
      'core',
      '--json',
      '--key',
      ledger.keys.ann!,
    );
    assert.equal(registered.code, 0, registered.err);
    const result = JSON.parse(registered.out.trim().split('\n').at(-1)!) as {
      asset: string;
      sealed?: string;
      index: number;
    };
    asset = result.asset;
    sealed = result.sealed!;
    index = result.index;
    assert.match(sealed, /^bafkrei/);
  });
  after(() => ledger.close());

  test('the log entry and the public view hold the CID, not the description', async () => {
    const entry = await ledger.client.logEntries(index, index + 1, index + 1);
    const text = utf8Decode(entry[0]!);
    assert.match(text, new RegExp(sealed));
    assert.doesNotMatch(text, /Survey|Sensor/);
    const shown = await cli('show', asset);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, new RegExp(`Sealed\\s+${sealed} \\(read it with --unseal\\)`));
    assert.doesNotMatch(shown.out, /Survey|Sensor/);
    // A grade whose content is public cannot be sealed: refused before anything is signed.
    const wrong = await cli('policy', 'set', '--seal-descriptions', 'general', '--key', ledger.operatorKey);
    assert.equal(wrong.code, 2, wrong.out);
    assert.match(wrong.err, /general is not a grade whose descriptions can be sealed/);
  });

  test('--unseal reads the description for the owner, signed; a stranger is refused', async () => {
    const mine = await cli('show', asset, '--unseal', '--key', ledger.keys.ann!);
    assert.equal(mine.code, 0, mine.err);
    assert.match(mine.out, new RegExp(`Sealed\\s+${sealed} \\(read and checked\\)`));
    assert.match(mine.out, /Title\s+Survey of the east gate/);
    assert.match(mine.out, /Description\s+Sensor positions marked\./);
    assert.match(mine.out, /Creators\s+ann/);

    const theirs = await cli('show', asset, '--unseal', '--key', ledger.keys.eve!);
    assert.equal(theirs.code, 1);
    assert.match(theirs.err, /refused: read_not_allowed/);

    const log = await cli('access-log', asset, '--key', ledger.keys.ann!);
    assert.equal(log.code, 0, log.err);
    assert.match(log.out, new RegExp(`REFUSED  ${ledger.dids.eve}  GET /v1/blobs/${sealed}`));
    assert.match(log.out, new RegExp(`allowed \\(owner\\)  ${ledger.dids.ann}  GET /v1/blobs/${sealed}`));

    const open = await cli('show', ledger.assets.ann!, '--unseal', '--key', ledger.keys.ann!);
    assert.equal(open.code, 2);
    assert.match(open.err, /is not sealed/);
  });
});
