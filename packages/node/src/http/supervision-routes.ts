/** Supervision on the record, for anyone to read: every freeze, its grounds, its author and its end. */
import { type FreezeRecord, freezeKey } from '@cinnabar/core';
import type { FastifyInstance } from 'fastify';
import type { LedgerReads } from '../storage/log-storage.js';
import { parseJson } from './ledger-routes.js';
import { HoldingsQuery, partyPage } from './market-routes.js';
import { ProblemError } from './problems.js';

export async function supervisionRoutes(
  app: FastifyInstance,
  options: { ledger: LedgerReads },
): Promise<void> {
  const { ledger } = options;

  app.get('/v1/supervision/freezes', async (request) =>
    partyPage(ledger, request.query, HoldingsQuery, { kinds: ['freeze'] }),
  );

  app.get('/v1/supervision/freezes/:id', async (request) => {
    const { id } = request.params as { id: string };
    const key = freezeKey(id);
    const freeze = /^[0-9a-f]{64}$/.test(id)
      ? parseJson<FreezeRecord>((await ledger.readState([key])).get(key))
      : undefined;
    if (!freeze) throw new ProblemError('freeze_not_found', `there is no freeze ${id.slice(0, 80)}`);
    return freeze;
  });
}
