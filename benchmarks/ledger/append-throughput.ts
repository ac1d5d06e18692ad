import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSignerKey, verifierFromKey } from '@cinnabar/core';
import {
  type LogStorage,
  nodeNoteSigner,
  openStorage,
  Sequencer,
  type SequencerOptions,
} from '@cinnabar/node';
import { nowMs, summarize } from '../support.js';

export interface AppendResult {
  backend: string;
  appenders: number;
  entryBytes: number;
  seconds: number;
  appends: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  meanBatch: number;
}

/**
 * Sustained durable appends: `appenders` concurrent loops, each appending and awaiting the
 * acknowledgement (which comes only after the batch's commit), for `seconds`.
 */
export async function appendThroughput(options: {
  backend: 'sqlite' | 'postgres';
  databaseUrl?: string;
  appenders: number;
  entryBytes: number;
  seconds: number;
  sequencer?: Partial<SequencerOptions>;
}): Promise<AppendResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-append-'));
  const storage: LogStorage = openStorage({ dataDir, databaseUrl: options.databaseUrl });
  await storage.init();
  await storage.tryAcquireWriterLock();
  const origin = 'bench.local/log';
  const keys = generateSignerKey(origin);
  const sequencer = await Sequencer.start(
    storage,
    nodeNoteSigner(keys.skey),
    verifierFromKey(keys.vkey),
    origin,
    options.sequencer,
  );
  const pool = Array.from({ length: 1024 }, () => new Uint8Array(randomBytes(options.entryBytes)));
  const latencies: number[] = [];
  const start = nowMs();
  const end = start + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.appenders }, async (_, a) => {
      let k = a;
      while (nowMs() < end) {
        const t0 = nowMs();
        await sequencer.append(pool[k++ % pool.length]!);
        latencies.push(nowMs() - t0);
      }
    }),
  );
  const elapsed = (nowMs() - start) / 1000;
  const { batches, entries: appends } = sequencer.stats;
  await sequencer.close();
  await storage.close();
  await rm(dataDir, { recursive: true, force: true });
  const { p50, p99, max } = summarize(latencies);
  return {
    backend: options.backend,
    appenders: options.appenders,
    entryBytes: options.entryBytes,
    seconds: elapsed,
    appends,
    perSecond: appends / elapsed,
    latencyMs: { p50, p99, max },
    meanBatch: appends / batches,
  };
}
