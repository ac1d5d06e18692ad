import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Quantile of a sorted array (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function summarize(samplesMs: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = samplesMs.slice().sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    n: sorted.length,
  };
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** What the figures were measured on. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let disk = '';
  try {
    disk =
      readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .find((l) => l.split(' ')[1] === '/')
        ?.split(' ')[2] ?? '';
  } catch {}
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, root fs ${disk}, Node ${process.version}, ${process.platform}`;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** mulberry32: a small seeded PRNG, floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
