import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initDataDir, loadDataDir } from '../src/index.js';

const root = await mkdtemp(join(tmpdir(), 'cinnabar-datadir-'));
after(() => rm(root, { recursive: true, force: true }));

test('an empty or short append token is refused, so it cannot open appends to anyone', async () => {
  const dir = join(root, 'token');
  await initDataDir({ dataDir: dir, origin: 'token.test/log' });
  for (const token of ['\n', '', 'abc\n', `${'g'.repeat(64)}\n`]) {
    await writeFile(join(dir, 'append.token'), token);
    await assert.rejects(loadDataDir(dir), /must hold 64 hex digits/);
  }
});

test('an initialization interrupted before config.json is redone, not refused', async () => {
  const dir = join(root, 'interrupted');
  await initDataDir({ dataDir: dir, origin: 'a.test/log' });
  await rm(join(dir, 'config.json'));
  await writeFile(join(dir, 'log.key'), ''); // as a kill mid-write could leave it
  const redone = await initDataDir({ dataDir: dir, origin: 'a.test/log' });
  assert.equal(redone.created, true);
  assert.ok(redone.vkey.startsWith('a.test/log+'));
  assert.equal((await stat(join(dir, 'log.key'))).mode & 0o777, 0o600);
});

test('an existing directory keeps its mode; a created one is owner-only', async () => {
  const existing = join(root, 'existing');
  await initDataDir({ dataDir: join(root, 'made'), origin: 'm.test/log' });
  assert.equal((await stat(join(root, 'made'))).mode & 0o777, 0o700);
  await rm(existing, { recursive: true, force: true });
  await mkdir(existing);
  await chmod(existing, 0o755);
  await initDataDir({ dataDir: existing, origin: 'e.test/log' });
  assert.equal((await stat(existing)).mode & 0o777, 0o755);
});
