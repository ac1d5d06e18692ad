// The auditor against a node over loopback, for profiling (node --cpu-prof): the log is built once
// into DIR (default /tmp/cinnabar-prof-audit) and reused; prints entries/s and the CPU of auditor and node.
// Usage: node --conditions=development --import tsx benchmarks/prof-audit.ts [DIR] [worker threads, default 1]
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transactionId } from '@cinnabar/core';
import { loadDataDir } from '@cinnabar/node';
import { auditNode } from '../packages/cli/src/audit/run-audit.js';
import { NodeProcess } from '../packages/cli/test/support/node-process.js';
import { postTransaction } from './http-queues.js';
import {
  benchIdentities,
  identityEntries,
  registrationEntries,
  writeBlobs,
} from './registration/fixtures.js';

const dataDir = process.argv[2] ?? '/tmp/cinnabar-prof-audit';
const threads = Number(process.argv[3] ?? 1);
const fresh = !existsSync(join(dataDir, 'blobs'));
await mkdir(dataDir, { recursive: true });
const node = await NodeProcess.start({ dataDir, port: 0 });
const stateDir = await mkdtemp(join(tmpdir(), 'cinnabar-prof-audit-state-'));
try {
  if (fresh) {
    const people = benchIdentities(`prof-audit-${Date.now()}`, 200);
    const time = new Date(Date.now() + 2 * 60_000).toISOString();
    await Promise.all(identityEntries(people).map((e) => postTransaction(node.url, e)));
    const { queues, blobs } = registrationEntries(people, 75, 'prof-audit', time);
    await writeBlobs(join(dataDir, 'blobs'), blobs, false);
    await Promise.all(
      queues.map(async (queue, i) => {
        for (const r of queue) await postTransaction(node.url, r.entry);
        for (const r of queue)
          await postTransaction(
            node.url,
            people[i]!.sign(
              'asset.transfer',
              { asset: transactionId(r.entry), to: people[(i + 1) % 200]!.did },
              time,
            ),
          );
      }),
    );
  }
  const { vkey } = await loadDataDir(dataDir);
  const serverCpu = () => {
    const fields = readFileSync(`/proc/${node.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, ms (USER_HZ 100)
  };
  const server0 = serverCpu();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const report = await auditNode({ url: node.url, vkey, stateDir, threads, compare: false, restart: true });
  const wall = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      entries: report.entries.replayed,
      perSecond: Math.round(report.entriesPerSecond),
      replaySeconds: report.seconds.replay,
      wallMs: Math.round(wall),
      auditorCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      serverCpuMs: Math.round(serverCpu() - server0),
    }),
  );
} finally {
  await node.stop();
  await rm(stateDir, { recursive: true, force: true });
}
