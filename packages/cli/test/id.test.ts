import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openKeyFile } from '@cinnabar/core';
import { runCli as run } from './support/run-cli.js';

const DID = /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/;

function lastLine(text: string): string {
  return text.split('\n').at(-1) ?? '';
}

describe('cinnabar id', () => {
  let dir: string;
  const savedEnv = process.env.CINNABAR_PASSPHRASE;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-id-'));
    delete process.env.CINNABAR_PASSPHRASE;
  });
  after(async () => {
    if (savedEnv === undefined) delete process.env.CINNABAR_PASSPHRASE;
    else process.env.CINNABAR_PASSPHRASE = savedEnv;
    await rm(dir, { recursive: true, force: true });
  });

  test('id new writes an owner-only key file in a new 0700 directory and prints the DID last', async () => {
    const file = join(dir, 'plain', 'sub', 'key.json');
    const result = await run('id', 'new', '--out', file, '--name', 'Alice');
    assert.equal(result.code, 0, result.err);
    const did = lastLine(result.out);
    assert.match(did, DID);
    assert.match(result.out, /not encrypted/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'plain', 'sub'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(dir, 'plain'))).mode & 0o777, 0o700);
    const opened = await openKeyFile(await readFile(file, 'utf8'));
    assert.equal(opened.did, did);
    assert.equal(opened.name, 'Alice');

    // It refuses to overwrite, and the file is unchanged.
    const before = await readFile(file, 'utf8');
    const again = await run('id', 'new', '--out', file);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists; not overwriting it/);
    assert.equal(await readFile(file, 'utf8'), before);

    // id show prints the identity, never the private key.
    const show = await run('id', 'show', '--key', file);
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, new RegExp(`^DID: +${did}$`, 'm'));
    assert.match(show.out, /^Name: +Alice$/m);
    assert.match(show.out, /^Created: +\d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    assert.match(show.out, /^Encrypted: +no$/m);
    assert.ok(!show.out.includes((JSON.parse(before) as { privateKey: string }).privateKey));

    const json = await run('id', 'show', '--key', file, '--json');
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(JSON.parse(json.out), {
      did,
      name: 'Alice',
      created: opened.created,
      encrypted: false,
      file,
    });
  });

  test('id new --json prints {did, file}', async () => {
    const file = join(dir, 'json', 'key.json');
    const result = await run('id', 'new', '--out', file, '--json');
    assert.equal(result.code, 0, result.err);
    const printed = JSON.parse(result.out) as { did: string; file: string; encrypted: boolean };
    assert.match(printed.did, DID);
    assert.equal(printed.file, file);
    assert.equal(printed.encrypted, false);
    assert.equal((await openKeyFile(await readFile(file, 'utf8'))).did, printed.did);
  });

  test('encrypted key file with --passphrase-file; show needs no passphrase', async () => {
    const passFile = join(dir, 'pass.txt');
    await writeFile(passFile, 'correct horse battery staple\n', { mode: 0o600 });
    const file = join(dir, 'enc', 'key.json');
    const result = await run('id', 'new', '--out', file, '--passphrase-file', passFile);
    assert.equal(result.code, 0, result.err);
    const did = lastLine(result.out);
    assert.match(did, DID);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes('privateKey'));
    // The final newline of the passphrase file is not part of the passphrase.
    assert.equal((await openKeyFile(text, 'correct horse battery staple')).did, did);
    await assert.rejects(openKeyFile(text, 'correct horse battery staple\n'), { code: 'wrong_passphrase' });

    const show = await run('id', 'show', '--key', file);
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, new RegExp(`^DID: +${did}$`, 'm'));
    assert.match(show.out, /^Encrypted: +yes \(scrypt N=32768 r=8 p=1, AES-256-GCM\)$/m);
    const json = await run('id', 'show', '--key', file, '--json');
    assert.equal((JSON.parse(json.out) as { encrypted: boolean }).encrypted, true);
  });

  test('the passphrase can come from CINNABAR_PASSPHRASE', async () => {
    const file = join(dir, 'env', 'key.json');
    process.env.CINNABAR_PASSPHRASE = 'from the environment';
    try {
      const result = await run('id', 'new', '--out', file, '--json');
      assert.equal(result.code, 0, result.err);
      const { did, encrypted } = JSON.parse(result.out) as { did: string; encrypted: boolean };
      assert.equal(encrypted, true);
      assert.equal((await openKeyFile(await readFile(file, 'utf8'), 'from the environment')).did, did);
      process.env.CINNABAR_PASSPHRASE = '';
      const empty = await run('id', 'new', '--out', join(dir, 'env', 'other.json'));
      assert.equal(empty.code, 1);
      assert.match(empty.err, /CINNABAR_PASSPHRASE is set but empty/);
    } finally {
      delete process.env.CINNABAR_PASSPHRASE;
    }
  });

  test('errors: empty passphrase file, missing or malformed key file, no --passphrase option', async () => {
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '\n');
    const noPass = await run('id', 'new', '--out', join(dir, 'x', 'key.json'), '--passphrase-file', empty);
    assert.equal(noPass.code, 1);
    assert.match(noPass.err, /passphrase file .* is empty/);

    assert.equal((await run('id', 'show', '--key', join(dir, 'nope.json'))).code, 1);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"type":"cinnabar-key","version":2}');
    const malformed = await run('id', 'show', '--key', bad);
    assert.equal(malformed.code, 1);
    assert.match(malformed.err, /malformed key file: unsupported "version" 2/);

    // A passphrase on the command line is not an option at all.
    assert.equal((await run('id', 'new', '--out', join(dir, 'y.json'), '--passphrase', 'pw')).code, 2);
  });

  test('--help explains why the passphrase is never an argument', async () => {
    const help = await run('id', 'new', '--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: cinnabar id new/);
    assert.match(help.out, /never from a command-line argument/);
    assert.equal((await run('id', 'show', '--help')).code, 0);
  });
});
