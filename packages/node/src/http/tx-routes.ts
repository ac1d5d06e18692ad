import { MAX_ENTRY_SIZE } from '@cinnabar/core';
import type { FastifyInstance } from 'fastify';
import { type AcceptOptions, acceptTransaction } from '../ledger/accept.js';
import { ProblemError } from './problems.js';

export type { BlobFacts, TxAccepted } from '../ledger/accept.js';

export interface TxRoutesOptions extends AcceptOptions {}

/**
 * POST /v1/tx: a signed transaction, as its canonical JSON. Checked and sequenced by
 * acceptTransaction (ledger/accept.ts); answers 201 with a receipt anyone can verify offline.
 */
export async function txRoutes(app: FastifyInstance, options: TxRoutesOptions): Promise<void> {
  app.addContentTypeParser(
    ['application/json', 'application/cinnabar-tx+json'],
    { parseAs: 'buffer', bodyLimit: MAX_ENTRY_SIZE },
    (_request, body, done) => done(null, body),
  );

  app.post('/v1/tx', async (request, reply) => {
    if (!(request.body instanceof Uint8Array))
      throw new ProblemError('unsupported_media_type', 'send the signed transaction as application/json');
    return reply.code(201).send(await acceptTransaction(new Uint8Array(request.body), options));
  });
}
