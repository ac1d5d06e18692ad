// `cinnabar show --download` of a work graded core signs the read with --key when the node asks,
// and `cinnabar access-log` shows the owner who read it; a stranger is refused both.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliLedger, cliLedger } from './support/cli-ledger.js';

describe('cinnabar show --download and access-log against a real node', () => {
  let ledger: CliLedger;
  let asset: string;
  const secret = 'a work graded core\n';
  const cli = (...args: string[]) => ledger.cli(...args);

  before(async () => {
    ledger = await cliLedger('access-log', ['ann', 'eve']);
    const file = join(ledger.dir, 'core.bin');
    await writeFile(file, secret);
    const registered = await cli(
      'register',
      file,
      '--title',
      'Core',
      '--grade',
      'core',
      '--key',
      ledger.keys.ann!,
    );
    assert.equal(registered.code, 0, registered.err);
    asset = registered.out.trim().split('\n').at(-1)!;
  });
  after(() => ledger.close());

  test('the owner downloads a graded work, signed; a stranger is refused; the log shows both', async () => {
    const mine = join(ledger.dir, 'mine.bin');
    const shown = await cli('show', asset, '--download', mine, '--key', ledger.keys.ann!);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /Grade\s+core/);
    assert.match(shown.out, new RegExp(`Saved ${secret.length} bytes to `));
    assert.equal(await readFile(mine, 'utf8'), secret);

    const theirs = join(ledger.dir, 'theirs.bin');
    const refused = await cli('show', asset, '--download', theirs, '--key', ledger.keys.eve!);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /refused: read_not_allowed/);
    await assert.rejects(stat(theirs));
    await assert.rejects(stat(`${theirs}.part`));

    const log = await cli('access-log', asset, '--key', ledger.keys.ann!);
    assert.equal(log.code, 0, log.err);
    const lines = log.out.split('\n');
    assert.equal(lines.length, 2, log.out);
    assert.match(lines[0]!, new RegExp(`REFUSED  ${ledger.dids.eve}  GET /v1/blobs/bafkrei`));
    assert.match(lines[1]!, new RegExp(`allowed \\(owner\\)  ${ledger.dids.ann}  GET /v1/blobs/bafkrei`));

    const stranger = await cli('access-log', asset, '--key', ledger.keys.eve!);
    assert.equal(stranger.code, 1);
    assert.match(stranger.err, /refused: read_not_allowed/);
    assert.equal((await cli('access-log', 'not-an-id', '--key', ledger.keys.ann!)).code, 2);
  });

  test('a general work downloads without a key', async () => {
    const general = join(ledger.dir, 'general.bin');
    const shown = await cli(
      'show',
      ledger.assets.ann!,
      '--download',
      general,
      '--key',
      join(ledger.dir, 'none.json'),
    );
    assert.equal(shown.code, 0, shown.err);
    assert.equal(await readFile(general, 'utf8'), 'bytes of ann');
  });
});
