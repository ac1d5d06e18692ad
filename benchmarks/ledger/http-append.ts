import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { NodeProcess } from '../../packages/cli/test/support/node-process.js';

export interface HttpAppendResult {
  backend: string;
  connections: number;
  seconds: number;
  requests: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number };
  non2xx: number;
}

/** Durable appends over HTTP to a real node process, load from autocannon on loopback. */
export async function httpAppend(options: {
  backend: 'sqlite' | 'postgres';
  databaseUrl?: string;
  connections: number;
  entryBytes: number;
  seconds: number;
}): Promise<HttpAppendResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-http-'));
  const node = await NodeProcess.start({ dataDir, port: 0, databaseUrl: options.databaseUrl });
  const token = (await readFile(join(dataDir, 'append.token'), 'utf8')).trim();
  const result = await autocannon({
    url: `${node.url}v1/log/entries`,
    method: 'POST',
    connections: options.connections,
    duration: options.seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: randomBytes(options.entryBytes),
  });
  await node.stop();
  await rm(dataDir, { recursive: true, force: true });
  return {
    backend: options.backend,
    connections: options.connections,
    seconds: result.duration,
    requests: result.requests.total,
    perSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    non2xx: result.non2xx,
  };
}
