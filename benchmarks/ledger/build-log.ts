import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { verifierFromKey } from '@cinnabar/core';
import { initDataDir, type LogStorage, nodeNoteSigner, openStorage, Sequencer } from '@cinnabar/node';
import { fmt, nowMs } from '../support.js';

export const BENCH_ORIGIN = 'bench.local/log';

/**
 * A data directory holding a log of at least `size` small entries, built through the real
 * sequencer in large batches and kept between runs (building 10M entries takes minutes).
 */
export async function buildLog(options: {
  dataDir: string;
  databaseUrl?: string;
  size: number;
  entryBytes: number;
  log?: (line: string) => void;
}): Promise<{ dataDir: string; buildSeconds?: number; size: number }> {
  const dir = await initDataDir({ dataDir: options.dataDir, origin: BENCH_ORIGIN });
  const storage: LogStorage = openStorage({ dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  await storage.init();
  await storage.tryAcquireWriterLock();
  const sequencer = await Sequencer.start(
    storage,
    nodeNoteSigner(dir.skey),
    verifierFromKey(dir.vkey),
    BENCH_ORIGIN,
    {
      maxBatchSize: 32768,
    },
  );
  const have = sequencer.checkpoint.size;
  let buildSeconds: number | undefined;
  if (have < options.size) {
    const start = nowMs();
    const template = new Uint8Array(randomBytes(options.entryBytes));
    for (let next = have; next < options.size; ) {
      const n = Math.min(65536, options.size - next);
      await Promise.all(
        Array.from({ length: n }, (_, i) => {
          const entry = template.slice();
          new DataView(entry.buffer).setFloat64(0, next + i);
          return sequencer.append(entry);
        }),
      );
      next += n;
      if (next % 1_048_576 < 65536) options.log?.(`  built ${fmt(next)} entries`);
    }
    buildSeconds = (nowMs() - start) / 1000;
  }
  const size = sequencer.checkpoint.size;
  await sequencer.close();
  await storage.close();
  return { dataDir: options.dataDir, size, ...(buildSeconds === undefined ? {} : { buildSeconds }) };
}

export function benchDataDir(root: string, backend: string, size: number): string {
  return join(root, `${backend}-${size}`);
}
