// The alerts at a million entries on SQLite, for profiling (node --cpu-prof): the store of
// benchmarks/reports/reports.ts is built once into DIR (default /tmp/cinnabar-prof-alerts) and reused;
// prints the time of the first request and of each after 1,000 more entries.
// Usage: node --conditions=development --import tsx benchmarks/prof-alerts.ts [DIR] [entries]
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStorage } from '@cinnabar/node';
import { LogReader } from '../packages/node/src/http/log-reader.js';
import { AlertIndex, listAlerts } from '../packages/node/src/supervision/alerts.js';
import { fill } from './reports/reports.js';
import { nowMs } from './support.js';

const dir = process.argv[2] ?? '/tmp/cinnabar-prof-alerts';
const entries = Number(process.argv[3] ?? 1_000_000);
const file = join(dir, 'log.sqlite');
const fresh = !existsSync(file);
mkdirSync(dir, { recursive: true });
const storage = new SqliteStorage(file);
try {
  await storage.init();
  if (fresh) {
    if (!(await storage.tryAcquireWriterLock())) throw new Error('no writer lock');
    const t = nowMs();
    await fill(storage, { entries, seed: 7 });
    console.log(`built ${entries} entries in ${((nowMs() - t) / 1000).toFixed(1)} s`);
  }
  const reader = new LogReader(storage, undefined, 0);
  const read = (start: number, count: number) => reader.entries(start, count);
  // The first request over all but the last 5,000 entries, then one after each 1,000 more.
  const index = new AlertIndex();
  for (let size = entries - 5_000; size <= entries; size += 1_000) {
    const t = nowMs();
    const report = await listAlerts(storage, read, { limit: 100 }, { index, size });
    const all = await index.alerts(storage, report.thresholds, size);
    console.log(`alerts at ${size}: ${Math.round(nowMs() - t)} ms, ${all.length} alerts`);
  }
} finally {
  await storage.close();
}
