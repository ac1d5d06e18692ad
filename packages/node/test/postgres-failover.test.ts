import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openCheckpoint, verifierFromKey } from '@cinnabar/core';
import { loadDataDir, type RunningNode, startNode } from '../src/index.js';
import { startPostgres } from './support/postgres-server.js';

const server = startPostgres();
after(async () => (await server).stop());

async function append(node: RunningNode, token: string, body: string): Promise<Response> {
  return fetch(`${node.url}v1/log/entries`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body,
  });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('two nodes on one PostgreSQL database: one sequences, the other reads and takes over when it stops', async () => {
  const databaseUrl = await (await server).createDatabase('failover');
  const dir = await mkdtemp(join(tmpdir(), 'cinnabar-failover-'));
  // Both processes share the log key: the data directory is copied, as an operator would deploy it.
  const first = await startNode({
    dataDir: join(dir, 'a'),
    origin: 'failover.test/log',
    databaseUrl,
    port: 0,
    writerRetryMs: 50,
  });
  await cp(join(dir, 'a'), join(dir, 'b'), { recursive: true });
  const second = await startNode({ dataDir: join(dir, 'b'), databaseUrl, port: 0, writerRetryMs: 50 });
  const token = (await loadDataDir(join(dir, 'a'))).appendToken;
  try {
    assert.equal(first.isSequencer(), true);
    assert.equal(second.isSequencer(), false);

    for (let i = 0; i < 10; i++) assert.equal((await append(first, token, `a${i}`)).status, 201);
    const refused = await append(second, token, 'to the reader');
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { code: string }).code, 'not_sequencer');

    // The reader serves what the sequencer committed (its checkpoint cache is short-lived).
    await new Promise((r) => setTimeout(r, 600));
    const note = await (await fetch(`${second.logUrl}checkpoint`)).text();
    assert.equal(openCheckpoint(note, verifierFromKey(second.vkey)).checkpoint.size, 10);
    assert.equal((await fetch(`${second.logUrl}tile/entries/000.p/10`)).status, 200);

    await first.close();
    await until(() => second.isSequencer(), 5000);
    const res = await append(second, token, 'after fail-over');
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { index: 10 });
  } finally {
    await first.close().catch(() => {});
    await second.close();
    await rm(dir, { recursive: true, force: true });
  }
});
