import { readFileSync } from 'node:fs';

/** A field of /proc/<pid>/status in KiB: VmRSS (resident now) or VmHWM (peak resident). */
export function processMemoryKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? Number.NaN);
}
