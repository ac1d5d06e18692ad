/**
 * Supervision on the record, for anyone to read: every freeze, takedown and dispute, its grounds,
 * its author and its end.
 */
import {
  assetKey,
  type DisputeRecord,
  disputeKey,
  type FreezeRecord,
  freezeKey,
  type StateRecord,
  type TakedownRecord,
  takedownKey,
} from '@cinnabar/core';
import type { FastifyInstance } from 'fastify';
import type { LedgerReads } from '../storage/log-storage.js';
import { checkAssetId, parseJson } from './ledger-routes.js';
import { HoldingsQuery, partyPage } from './market-routes.js';
import type { ProblemCode } from './problems.js';
import { ProblemError } from './problems.js';

const KINDS = [
  { path: 'freezes', kind: 'freeze', key: freezeKey, missing: 'freeze_not_found', noun: 'freeze' },
  { path: 'takedowns', kind: 'takedown', key: takedownKey, missing: 'takedown_not_found', noun: 'takedown' },
  { path: 'disputes', kind: 'dispute', key: disputeKey, missing: 'dispute_not_found', noun: 'dispute' },
] as const satisfies readonly {
  path: string;
  kind: StateRecord['kind'];
  key: (id: string) => string;
  missing: ProblemCode;
  noun: string;
}[];

/** Most supervision acts of one kind listed for one work. */
const MAX_PER_ASSET = 1000;

export async function supervisionRoutes(
  app: FastifyInstance,
  options: { ledger: LedgerReads },
): Promise<void> {
  const { ledger } = options;

  // Every freeze, takedown and dispute about a work (its editions' too), oldest first.
  app.get('/v1/assets/:id/supervision', async (request) => {
    const { id } = request.params as { id: string };
    checkAssetId(id);
    if ((await ledger.readState([assetKey(id)])).size === 0)
      throw new ProblemError('asset_not_found', `there is no asset ${id}`);
    const list = async <T>(kind: StateRecord['kind']) => {
      const rows = await ledger.queryParty({ kinds: [kind], party: id, limit: MAX_PER_ASSET + 1 });
      return {
        records: rows
          .slice(0, MAX_PER_ASSET)
          .map((row) => JSON.parse(row.value) as T)
          .reverse(),
        truncated: rows.length > MAX_PER_ASSET,
      };
    };
    const [freezes, takedowns, disputes] = await Promise.all([
      list<FreezeRecord>('freeze'),
      list<TakedownRecord>('takedown'),
      list<DisputeRecord>('dispute'),
    ]);
    return {
      asset: id,
      freezes: freezes.records,
      takedowns: takedowns.records,
      disputes: disputes.records,
      ...(freezes.truncated || takedowns.truncated || disputes.truncated ? { truncated: true } : {}),
    };
  });
  for (const { path, kind, key, missing, noun } of KINDS) {
    app.get(`/v1/supervision/${path}`, async (request) =>
      partyPage(ledger, request.query, HoldingsQuery, { kinds: [kind] }),
    );
    app.get(`/v1/supervision/${path}/:id`, async (request) => {
      const { id } = request.params as { id: string };
      const record = /^[0-9a-f]{64}$/.test(id)
        ? parseJson<StateRecord>((await ledger.readState([key(id)])).get(key(id)))
        : undefined;
      if (record?.kind !== kind) throw new ProblemError(missing, `there is no ${noun} ${id.slice(0, 80)}`);
      return record;
    });
  }
}
