import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateSignerKey, openCheckpoint, signerFromKey, verifierFromKey } from '@cinnabar/core';
import {
  loadDataDir,
  loadLogState,
  PostgresStorage,
  type RunningNode,
  Sequencer,
  startNode,
} from '../src/index.js';
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

    // Entry 0 is the operator's genesis transaction; 9 raw appends follow it.
    for (let i = 1; i < 10; i++) assert.equal((await append(first, token, `a${i}`)).status, 201);
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

test('a reader checks the stored state in one snapshot while the writer keeps committing', async () => {
  const databaseUrl = await (await server).createDatabase('snapshot');
  const keys = generateSignerKey('snapshot.test/log');
  const writer = new PostgresStorage(databaseUrl);
  await writer.init();
  assert.equal(await writer.tryAcquireWriterLock(), true);
  const sequencer = await Sequencer.start(
    writer,
    signerFromKey(keys.skey),
    verifierFromKey(keys.vkey),
    'snapshot.test/log',
  );
  const reader = new PostgresStorage(databaseUrl);
  await reader.init();
  let appending = true;
  const appends = (async () => {
    for (let i = 0; appending; i++)
      await Promise.all([sequencer.append(new Uint8Array([i])), sequencer.append(new Uint8Array([i, 1]))]);
  })();
  try {
    const sizes: number[] = [];
    for (let i = 0; i < 40; i++) {
      const state = await loadLogState(reader, verifierFromKey(keys.vkey), 'snapshot.test/log');
      sizes.push(state?.checkpoint.size ?? 0);
    }
    assert.ok(
      sizes.at(-1)! > sizes[0]!,
      `the writer committed during the checks (${sizes[0]} -> ${sizes.at(-1)})`,
    );
  } finally {
    appending = false;
    await appends;
    await sequencer.close();
    await writer.close();
    await reader.close();
  }
});
