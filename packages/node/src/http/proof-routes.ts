import { base64Encode, formatTlogProof, leafHash, proveConsistency, proveInclusion } from '@cinnabar/core';
import type { FastifyInstance } from 'fastify';
import type { LogReader } from './log-reader.js';
import { ProblemError } from './problems.js';

/** A query or path number: a whole decimal without sign or leading zeros, at most 2^53 - 1. */
function whole(value: unknown, name: string): number {
  if (typeof value !== 'string' || !/^(0|[1-9]\d{0,15})$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new ProblemError(
      'invalid_proof_request',
      `${name} must be a whole number, not ${JSON.stringify(value)}`,
    );
  return Number(value);
}

/**
 * Entries with their proofs, and RFC 9162 proofs between tree sizes, computed from the stored
 * tiles. An entry comes with its inclusion proof in the latest checkpoint, as JSON and as a C2SP
 * tlog-proof that anyone can check offline with the log's verifier key.
 */
export async function proofRoutes(app: FastifyInstance, options: { reader: LogReader }): Promise<void> {
  const { reader } = options;

  app.get('/v1/entries/:index', async (request) => {
    const index = whole((request.params as { index: string }).index, 'index');
    const checkpoint = await reader.checkpoint();
    if (index >= checkpoint.size)
      throw new ProblemError(
        'entry_not_found',
        `the log has ${checkpoint.size} entries; there is no entry ${index}`,
      );
    const [entry] = await reader.entries(index, 1);
    if (!entry) throw new ProblemError('entry_not_found', `entry ${index} is not stored yet`);
    const proof = await proveInclusion(index, checkpoint.size, reader.hashes);
    return {
      index,
      entry: base64Encode(entry),
      leafHash: base64Encode(leafHash(entry)),
      size: checkpoint.size,
      proof: proof.map(base64Encode),
      checkpoint: checkpoint.note,
      tlogProof: formatTlogProof({ index, proof, checkpointNote: checkpoint.note }),
    };
  });

  app.get('/v1/proofs/inclusion', async (request) => {
    const query = request.query as Record<string, unknown>;
    const index = whole(query.index, 'index');
    const size = whole(query.size, 'size');
    const checkpoint = await reader.checkpoint();
    if (size > checkpoint.size || index >= size)
      throw new ProblemError(
        'invalid_proof_request',
        `need index < size <= ${checkpoint.size} (the checkpoint's size); got index ${index}, size ${size}`,
      );
    return { index, size, proof: (await proveInclusion(index, size, reader.hashes)).map(base64Encode) };
  });

  app.get('/v1/proofs/consistency', async (request) => {
    const query = request.query as Record<string, unknown>;
    const from = whole(query.from, 'from');
    const to = whole(query.to, 'to');
    const checkpoint = await reader.checkpoint();
    if (from < 1 || from > to || to > checkpoint.size)
      throw new ProblemError(
        'invalid_proof_request',
        `need 1 <= from <= to <= ${checkpoint.size} (the checkpoint's size); got from ${from}, to ${to}`,
      );
    return { from, to, proof: (await proveConsistency(from, to, reader.hashes)).map(base64Encode) };
  });
}
