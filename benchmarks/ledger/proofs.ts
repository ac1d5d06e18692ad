import { randomInt } from 'node:crypto';
import {
  leafHash,
  proveConsistency,
  proveInclusion,
  treeRoot,
  verifierFromKey,
  verifyConsistency,
  verifyInclusion,
} from '@cinnabar/core';
import { loadDataDir, loadLogState, openStorage, StoredTileHashReader } from '@cinnabar/node';
import { nowMs, summarize } from '../support.js';
import { BENCH_ORIGIN } from './build-log.js';

export interface ProofResult {
  backend: string;
  size: number;
  samples: number;
  inclusionProveMs: { p50: number; p99: number };
  inclusionVerifyMs: { p50: number; p99: number };
  consistencyProveMs: { p50: number; p99: number };
  consistencyVerifyMs: { p50: number; p99: number };
}

/** Proof generation (read tiles from storage + build) and verification times at a log's size. */
export async function proofTimes(options: {
  backend: string;
  dataDir: string;
  databaseUrl?: string;
  samples: number;
}): Promise<ProofResult> {
  const dir = await loadDataDir(options.dataDir);
  const storage = openStorage({ dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  await storage.init();
  const state = await loadLogState(storage, verifierFromKey(dir.vkey), BENCH_ORIGIN);
  if (!state) throw new Error('empty log');
  const size = state.checkpoint.size;
  const root = state.checkpoint.rootHash;
  const reader = new StoredTileHashReader((keys) => storage.readTiles(keys));
  const times = { ip: [] as number[], iv: [] as number[], cp: [] as number[], cv: [] as number[] };
  for (let s = 0; s < options.samples; s++) {
    const index = randomInt(0, size);
    const [entry] = await storage.readEntries(index, 1);
    let t = nowMs();
    const proof = await proveInclusion(index, size, reader);
    times.ip.push(nowMs() - t);
    const leaf = leafHash(entry!);
    t = nowMs();
    if (!verifyInclusion(leaf, index, size, proof, root)) throw new Error(`inclusion ${index} failed`);
    times.iv.push(nowMs() - t);

    const old = randomInt(1, size);
    const oldRoot = await treeRoot(old, reader);
    t = nowMs();
    const cproof = await proveConsistency(old, size, reader);
    times.cp.push(nowMs() - t);
    t = nowMs();
    if (!verifyConsistency(old, size, oldRoot, root, cproof)) throw new Error(`consistency ${old} failed`);
    times.cv.push(nowMs() - t);
  }
  await storage.close();
  const pick = (xs: number[]) => {
    const { p50, p99 } = summarize(xs);
    return { p50, p99 };
  };
  return {
    backend: options.backend,
    size,
    samples: options.samples,
    inclusionProveMs: pick(times.ip),
    inclusionVerifyMs: pick(times.iv),
    consistencyProveMs: pick(times.cp),
    consistencyVerifyMs: pick(times.cv),
  };
}
