/** Virtual exhibition spaces, for anyone to read: the gallery of spaces, one space, a curator's spaces. */
import { type SpaceRecord, spaceKey } from '@cinnabar/core';
import type { FastifyInstance } from 'fastify';
import type { LedgerReads } from '../storage/log-storage.js';
import { checkDid, parseJson } from './ledger-routes.js';
import { HoldingsQuery, partyPage } from './market-routes.js';
import { ProblemError } from './problems.js';

export async function spaceRoutes(app: FastifyInstance, options: { ledger: LedgerReads }): Promise<void> {
  const { ledger } = options;

  app.get('/v1/spaces', async (request) =>
    partyPage(ledger, request.query, HoldingsQuery, { kinds: ['space'] }),
  );

  app.get('/v1/spaces/:id', async (request) => {
    const { id } = request.params as { id: string };
    const space = /^[0-9a-f]{64}$/.test(id)
      ? parseJson<SpaceRecord>((await ledger.readState([spaceKey(id)])).get(spaceKey(id)))
      : undefined;
    if (space?.kind !== 'space')
      throw new ProblemError('space_not_found', `there is no space ${id.slice(0, 80)}`);
    return space;
  });

  app.get('/v1/identities/:did/spaces', async (request) => {
    const { did } = request.params as { did: string };
    checkDid(did);
    return partyPage(ledger, request.query, HoldingsQuery, { kinds: ['space'], owner: did });
  });
}
