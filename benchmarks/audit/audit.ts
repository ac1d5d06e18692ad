// The auditor (cinnabar audit): a log of realistic entries (identities, asset registrations with about
// 1 KB of metadata, transfers) built through a `cinnabar serve` process, then audited from it over
// loopback. Beside it, on the same transactions: Ed25519 verifications per second on one thread and
// on every core (the node's way and the auditor's), and replay alone (hashing, decoding and the
// rules, entries in memory, signatures not checked). Verification and replay share the cores.

import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeEntryBundle,
  decodeTransactionEntry,
  encodeEntryBundle,
  entryBundlePath,
  TILE_WIDTH,
  transactionId,
  verifyEd25519,
} from '@cinnabar/core';
import {
  ed25519TablesUnavailable,
  loadDataDir,
  type SignatureCheck,
  useEd25519KeyTables,
  useNodeCrypto,
  VerifyPool,
} from '@cinnabar/node';
import { checkEntries } from '../../packages/cli/src/audit/check-entries.js';
import { LogReplay } from '../../packages/cli/src/audit/replay.js';
import { AUDIT_DEFAULTS, auditNode } from '../../packages/cli/src/audit/run-audit.js';
import { NodeProcess } from '../../packages/cli/test/support/node-process.js';
import { postTransaction } from '../http-queues.js';
import {
  benchIdentities,
  identityEntries,
  registrationEntries,
  writeBlobs,
} from '../registration/fixtures.js';
import { nowMs } from '../support.js';

export interface AuditBenchOptions {
  /** Identities, each registering `perIdentity` works and then transferring each to the next identity. */
  identities: number;
  perIdentity: number;
  log: (line: string) => void;
}

export interface AuditBenchResult {
  entries: number;
  cores: number;
  /** Signature threads the auditor uses beside its own. */
  auditThreads: number;
  /** Ed25519 verifications per second of the log's transactions, with OpenSSL alone and with key tables. */
  verifyPerSecond: { openssl: VerificationRates; tables: VerificationRates };
  /** Entries hashed, decoded and run through the rules per second, in memory, signatures not checked (3 runs). */
  replayOnlyPerSecond: number[];
  /**
   * cinnabar audit from entry 0 against the node over loopback: entries verified and replayed per
   * second (five runs, one on a single thread, one with the key tables off).
   */
  auditPerSecond: { runs: number[]; median: number; oneThread: number; opensslAlone: number };
  /** Seconds of the comparison with the node's API after the replay, and its requests. */
  compare: { seconds: number; requests: number; divergences: number };
  /** A second run with nothing new: consistency proof, saved state read back, comparison. */
  resumeSeconds: number;
}

/**
 * Verifications per second: on one thread; a worker per core (VerifyPool.verify); and the auditor's
 * way, `auditThreads` workers with this thread.
 */
export interface VerificationRates {
  oneThread: number;
  pool: number;
  shared: number;
}

async function verificationRates(
  checks: SignatureCheck[],
  cores: number,
  auditThreads: number,
): Promise<VerificationRates> {
  let t = nowMs();
  for (const c of checks)
    if (!verifyEd25519(c.signature, c.message, c.publicKey)) throw new Error('bad signature');
  const oneThread = checks.length / ((nowMs() - t) / 1000);
  const pool = new VerifyPool(cores);
  await Promise.all(checks.slice(0, 256).map((c) => pool.verify(c))); // start the workers
  t = nowMs();
  const verdicts = await Promise.all(checks.map((c) => pool.verify(c)));
  const pooled = checks.length / ((nowMs() - t) / 1000);
  await pool.close();
  if (!verdicts.every(Boolean)) throw new Error('bad signature in the pool');
  // The auditor's way: `auditThreads` workers and this thread, each bundle's checks shared between
  // them in proportion (this thread takes its share while the workers take theirs).
  const shared = new VerifyPool(auditThreads);
  await shared.start();
  const ownShare = Math.round(TILE_WIDTH / (auditThreads + 1));
  t = nowMs();
  for (let at = 0; at < checks.length; at += TILE_WIDTH) {
    const bundle = checks.slice(at, at + TILE_WIDTH);
    const offThread = Promise.all(bundle.slice(ownShare).map((c) => shared.verify(c)));
    for (const c of bundle.slice(0, ownShare))
      if (!verifyEd25519(c.signature, c.message, c.publicKey)) throw new Error('bad signature, shared');
    if (!(await offThread).every(Boolean)) throw new Error('bad signature, shared');
  }
  const sharedRate = checks.length / ((nowMs() - t) / 1000);
  await shared.close();
  return { oneThread, pool: pooled, shared: sharedRate };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function auditBench(options: AuditBenchOptions): Promise<AuditBenchResult> {
  useNodeCrypto();
  const dataDir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-audit-'));
  const stateDir = await mkdtemp(join(tmpdir(), 'cinnabar-bench-audit-state-'));
  const node = await NodeProcess.start({ dataDir, port: 0 });
  try {
    const label = `cinnabar-bench-audit-${process.pid}-${Date.now()}`;
    const people = benchIdentities(label, options.identities);
    const time = new Date(Date.now() + 2 * 60_000).toISOString();
    const built = nowMs();
    await Promise.all(identityEntries(people).map((e) => postTransaction(node.url, e)));
    const { queues, blobs } = registrationEntries(people, options.perIdentity, label, time);
    await writeBlobs(join(dataDir, 'blobs'), blobs, false);
    // Each identity registers its works, then gives each to the next identity.
    const work = queues.map((queue, i) => [
      ...queue.map((r) => r.entry),
      ...queue.map((r) =>
        people[i]!.sign(
          'asset.transfer',
          { asset: transactionId(r.entry), to: people[(i + 1) % people.length]!.did },
          time,
        ),
      ),
    ]);
    await Promise.all(
      work.map(async (queue) => {
        for (const entry of queue) await postTransaction(node.url, entry);
      }),
    );
    const { vkey } = await loadDataDir(dataDir);
    const checkpoint = await (await fetch(`${node.url}log/checkpoint`)).text();
    const size = Number(checkpoint.split('\n')[1]);
    options.log(`built a log of ${size} entries in ${((nowMs() - built) / 1000).toFixed(1)} s`);

    // The log's entries, from the node's entry bundles.
    const entries: Uint8Array[] = [];
    for (let b = 0; b * TILE_WIDTH < size; b++) {
      const width = Math.min(TILE_WIDTH, size - b * TILE_WIDTH);
      const bytes = new Uint8Array(
        await (await fetch(`${node.url}log/${entryBundlePath(b, width)}`)).arrayBuffer(),
      );
      entries.push(...decodeEntryBundle(bytes, width));
    }
    const checks: SignatureCheck[] = entries.map((entry) => {
      const { publicKey, signature, signingInput } = decodeTransactionEntry(entry);
      return { publicKey, signature, message: signingInput };
    });

    // Signature checks alone, first with OpenSSL alone and then with the per-key tables
    // (node/native/ed25519_tables.c): one thread; every core as the node checks them
    // (VerifyPool.verify, a worker per core); every core as the auditor does (a worker per core but
    // one, and this thread).
    const cores = availableParallelism();
    const auditThreads = AUDIT_DEFAULTS.threads;
    useEd25519KeyTables(false);
    const openssl = await verificationRates(checks, cores, auditThreads);
    useEd25519KeyTables(true);
    const unavailable = ed25519TablesUnavailable();
    if (unavailable) throw new Error(`${unavailable} (npm run build makes it)`);
    const tables = await verificationRates(checks, cores, auditThreads);
    for (const [name, rates] of [
      ['OpenSSL', openssl],
      ['key tables', tables],
    ] as const)
      options.log(
        `verify (${name}): ${Math.round(rates.oneThread)}/s on one thread, ${Math.round(rates.pool)}/s on ${cores} worker threads, ${Math.round(rates.shared)}/s on ${auditThreads} + this thread`,
      );

    // Replay alone, from memory, signatures taken as valid (three times: the JIT warms up).
    const bundles: Uint8Array[] = [];
    for (let b = 0; b * TILE_WIDTH < size; b++)
      bundles.push(encodeEntryBundle(entries.slice(b * TILE_WIDTH, (b + 1) * TILE_WIDTH)));
    const replayOnly: number[] = [];
    let t: number;
    for (let run = 0; run < 3; run++) {
      const replay = new LogReplay();
      t = nowMs();
      await replay.extend(async (index, width) => decodeEntryBundle(bundles[index]!, width), size, {
        check: (batch) => ({ result: checkEntries(batch, () => true) }),
      });
      replayOnly.push(size / ((nowMs() - t) / 1000));
      if (replay.rejectedCount > 0) throw new Error(`replay rejected ${replay.rejectedCount} entries`);
    }
    options.log(`replay only: ${replayOnly.map(Math.round).join(', ')} /s`);

    // The auditor, over loopback, as `cinnabar audit` runs it: once with OpenSSL alone, on one
    // thread, then with its default threads (five runs from entry 0, each with new worker threads:
    // the machine is a shared VM, a single run can be off by 15%), then resumed with nothing new.
    const run = (threads: number, restart: boolean, compare: boolean) =>
      auditNode({ url: node.url, vkey, stateDir, threads, compare, restart });
    useEd25519KeyTables(false);
    const withOpenssl = await run(auditThreads, true, false);
    useEd25519KeyTables(true);
    const single = await run(0, true, false);
    const audits: number[] = [];
    for (let i = 0; i < 4; i++) audits.push((await run(auditThreads, true, false)).entriesPerSecond);
    const full = await run(auditThreads, true, true);
    audits.push(full.entriesPerSecond);
    if (!full.ok) throw new Error(`the audit found ${full.divergenceCount} divergences`);
    t = nowMs();
    const resumed = await run(auditThreads, false, true);
    const resumeSeconds = (nowMs() - t) / 1000;
    if (resumed.entries.replayed !== 0) throw new Error('the resumed audit replayed entries again');
    options.log(
      `audit: ${audits.map(Math.round).join(', ')} /s with ${auditThreads} worker(s) + this thread, ${Math.round(single.entriesPerSecond)}/s on one, ${Math.round(withOpenssl.entriesPerSecond)}/s with OpenSSL alone; compare ${full.seconds.compare.toFixed(1)} s`,
    );
    return {
      entries: size,
      cores,
      auditThreads,
      verifyPerSecond: { openssl, tables },
      replayOnlyPerSecond: replayOnly,
      auditPerSecond: {
        runs: audits,
        median: median(audits),
        oneThread: single.entriesPerSecond,
        opensslAlone: withOpenssl.entriesPerSecond,
      },
      compare: {
        seconds: full.seconds.compare,
        requests: full.compared?.requests ?? 0,
        divergences: full.divergenceCount,
      },
      resumeSeconds,
    };
  } finally {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  }
}
