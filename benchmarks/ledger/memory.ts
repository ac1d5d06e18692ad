import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTileIndex } from '@cinnabar/core';
import { NodeProcess } from '../../packages/cli/test/support/node-process.js';
import { nowMs } from '../support.js';
import { processMemoryKiB } from './process-memory.js';

export interface MemoryResult {
  backend: string;
  size: number;
  rssAfterStartMiB: number;
  peakRssMiB: number;
  appends: number;
  tileReads: number;
}

/**
 * The node's memory on a large log: start `cinnabar serve` on it, then append and read random
 * tiles and entry bundles for a while, sampling the process's resident set.
 */
export async function nodeMemory(options: {
  backend: string;
  dataDir: string;
  databaseUrl?: string;
  size: number;
  seconds: number;
}): Promise<MemoryResult> {
  const node = await NodeProcess.start({
    dataDir: options.dataDir,
    port: 0,
    databaseUrl: options.databaseUrl,
  });
  const rssAfterStart = processMemoryKiB(node.pid, 'VmRSS');
  const token = (await readFile(join(options.dataDir, 'append.token'), 'utf8')).trim();
  const end = nowMs() + options.seconds * 1000;
  let appends = 0;
  let tileReads = 0;
  const body = randomBytes(1024);
  const appender = async () => {
    while (nowMs() < end) {
      const res = await fetch(`${node.url}v1/log/entries`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body,
      });
      if (res.status !== 201) throw new Error(`append: ${res.status}`);
      await res.arrayBuffer();
      appends++;
    }
  };
  const reader = async () => {
    while (nowMs() < end) {
      const bundle = randomInt(0, Math.floor(options.size / 256));
      const path =
        Math.random() < 0.5 ? `tile/0/${formatTileIndex(bundle)}` : `tile/entries/${formatTileIndex(bundle)}`;
      const res = await fetch(`${node.url}log/${path}`);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      await res.arrayBuffer();
      tileReads++;
    }
  };
  await Promise.all([...Array.from({ length: 8 }, appender), ...Array.from({ length: 8 }, reader)]);
  const peak = processMemoryKiB(node.pid, 'VmHWM');
  await node.stop();
  return {
    backend: options.backend,
    size: options.size,
    rssAfterStartMiB: rssAfterStart / 1024,
    peakRssMiB: peak / 1024,
    appends,
    tileReads,
  };
}
