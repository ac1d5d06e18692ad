// Where the auditor's CPU goes, part by part, on the log benchmarks/prof-audit.ts builds (run that
// once first): the replay alone from memory and over HTTP, with every entry checked (signature
// included) on this thread, and with them checked as the auditor does (a worker, and this thread
// when it is ahead).
// Prints, for each, entries per second and CPU microseconds an entry (every thread of this process:
// the garbage collector's and the worker's included). Two rounds; the second is the warm one.
// Usage: node --conditions=development --import tsx benchmarks/prof-audit-parts.ts [DIR]
import { decodeEntryBundle, entryBundlePath, TILE_WIDTH } from '@cinnabar/core';
import { useCompiledBodySchemas, useNodeCrypto } from '@cinnabar/node';
import { checkEntries } from '../packages/cli/src/audit/check-entries.js';
import {
  checkOnThisThread,
  type EntryChecker,
  EntryCheckPool,
} from '../packages/cli/src/audit/entry-pool.js';
import { type FetchBundle, LogReplay } from '../packages/cli/src/audit/replay.js';
import { bundleFetcher } from '../packages/cli/src/audit/run-audit.js';
import { NodeProcess } from '../packages/cli/test/support/node-process.js';

useNodeCrypto();
useCompiledBodySchemas();
const node = await NodeProcess.start({ dataDir: process.argv[2] ?? '/tmp/cinnabar-prof-audit', port: 0 });
const pool = new EntryCheckPool(1);
try {
  const logUrl = `${node.url}log/`;
  const size = Number((await (await fetch(`${logUrl}checkpoint`)).text()).split('\n')[1]);
  const bundles: Uint8Array[] = [];
  for (let b = 0; b * TILE_WIDTH < size; b++) {
    const width = Math.min(TILE_WIDTH, size - b * TILE_WIDTH);
    bundles.push(new Uint8Array(await (await fetch(logUrl + entryBundlePath(b, width))).arrayBuffer()));
  }
  const memory: FetchBundle = async (index, width) => decodeEntryBundle(bundles[index]!, width);
  const http = bundleFetcher(logUrl, fetch);
  const unchecked: EntryChecker = { check: (entries) => ({ result: checkEntries(entries, () => true) }) };
  await pool.ready();
  const parts: [string, FetchBundle, EntryChecker][] = [
    ['replay alone, from memory', memory, unchecked],
    ['replay alone, over HTTP', http, unchecked],
    ['signatures on this thread', memory, checkOnThisThread],
    ['signatures as the auditor', memory, pool],
    ['the auditor, over HTTP', http, pool],
  ];
  for (let round = 1; round <= 2; round++)
    for (const [name, fetchBundle, verifier] of parts) {
      const replay = new LogReplay();
      const cpu = process.cpuUsage();
      const start = performance.now();
      await replay.extend(fetchBundle, size, verifier);
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      if (replay.rejectedCount > 0) throw new Error(`${replay.rejectedCount} entries rejected`);
      console.log(
        `round ${round}, ${name.padEnd(26)} ${Math.round(size / seconds)} entries/s, ${((used.user + used.system) / size).toFixed(0)} µs CPU an entry`,
      );
    }
} finally {
  await pool.close();
  await node.stop();
}
