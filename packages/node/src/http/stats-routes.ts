/**
 * GET /v1/stats: how big the registry is, for the explorer's first screen: the log's size and how
 * many identities, works, editions, licences, listings, sales, spaces and supervision acts the state
 * holds. Counted by the storage (one grouped count over the state's kind index, on SQLite and
 * PostgreSQL alike) and remembered for the checkpoint it was counted at: the state changes only
 * with the log, so a poll between two batches costs nothing.
 */
import type { FastifyInstance } from 'fastify';
import type { LedgerReads, StatsReads } from '../storage/log-storage.js';
import type { LogReader } from './log-reader.js';

/** The counts GET /v1/stats answers with, and the state record kind each one counts. */
export const STATS_KINDS = {
  identities: 'identity',
  credentials: 'credential',
  works: 'asset',
  editions: 'edition',
  licences: 'licence',
  listings: 'listing',
  sales: 'sale',
  spaces: 'space',
  freezes: 'freeze',
  takedowns: 'takedown',
  disputes: 'dispute',
} as const;

export type StatsCounts = Record<keyof typeof STATS_KINDS, number>;

export interface Stats {
  /** The tree size of the checkpoint the counts were taken at. */
  size: number;
  counts: StatsCounts;
}

export interface StatsRoutesOptions {
  ledger: LedgerReads;
  reader: LogReader;
}

export async function statsRoutes(app: FastifyInstance, options: StatsRoutesOptions): Promise<void> {
  const reads = options.ledger as LedgerReads & Partial<StatsReads>;
  let last: { size: number; stats: Promise<Stats> } | undefined;

  const count = async (size: number): Promise<Stats> => {
    // Every storage class counts its records (StatsReads); checked here, when first asked.
    if (typeof reads.countRecords !== 'function') throw new Error('this storage does not count its records');
    const byKind = await reads.countRecords(Object.values(STATS_KINDS));
    const counts = Object.fromEntries(
      Object.entries(STATS_KINDS).map(([name, kind]) => [name, byKind[kind] ?? 0]),
    ) as StatsCounts;
    return { size, counts };
  };

  app.get('/v1/stats', async (_request, reply) => {
    const { size } = await options.reader.checkpoint();
    if (last?.size !== size) {
      const stats = count(size);
      last = { size, stats };
      // A failed count is not remembered: the next request counts again.
      stats.catch(() => {
        if (last?.stats === stats) last = undefined;
      });
    }
    reply.header('cache-control', 'no-cache');
    return last.stats;
  });
}
