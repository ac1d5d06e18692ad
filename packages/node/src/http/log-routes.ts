import { timingSafeEqual } from 'node:crypto';
import { CinnabarError, encodeEntryBundle, MAX_ENTRY_SIZE, parseTilePath, TILE_WIDTH } from '@cinnabar/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { servedTile } from '../log/stored-tile.js';
import type { LogReader } from './log-reader.js';
import { ProblemError } from './problems.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface LogRoutesOptions {
  reader: LogReader;
  vkey: string;
  /** Appends a raw entry; throws ProblemError('not_sequencer') on a node that does not sequence. */
  append: (entry: Uint8Array) => Promise<number>;
  appendToken: string;
}

/** C2SP tlog-tiles read API under /log/, and the operator's raw append under /v1/log/entries. */
export async function logRoutes(app: FastifyInstance, options: LogRoutesOptions): Promise<void> {
  const { reader } = options;

  app.get('/log/checkpoint', async (_request, reply) => {
    const checkpoint = await reader.checkpoint();
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('cache-control', 'public, max-age=1')
      .send(checkpoint.note);
  });

  app.get('/log/vkey', async (_request, reply) =>
    reply.header('content-type', 'text/plain; charset=utf-8').send(`${options.vkey}\n`),
  );

  app.get('/log/tile/*', async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    let parsed: ReturnType<typeof parseTilePath>;
    try {
      parsed = parseTilePath(`tile/${rest}`);
    } catch (error) {
      if (error instanceof CinnabarError) throw new ProblemError('malformed_tile_path', error.message);
      throw error;
    }
    const servable = reader.servableSize();
    const level = parsed.kind === 'entries' ? 0 : parsed.tile.level;
    const { index, width } = parsed.kind === 'entries' ? parsed : parsed.tile;
    // A hash at tile level L stands for 256^L entries.
    if ((index * TILE_WIDTH + width) * TILE_WIDTH ** level > servable)
      throw new ProblemError(
        'tile_not_found',
        `${parsed.kind === 'entries' ? 'entry bundle' : `tile ${level}/${index}`} of width ${width} is beyond the published checkpoint`,
      );
    let body: Uint8Array;
    if (parsed.kind === 'entries') {
      const entries = await reader.entries(parsed.index * TILE_WIDTH, parsed.width);
      if (entries.length !== parsed.width)
        throw new ProblemError(
          'tile_not_found',
          `entry bundle ${parsed.index} has fewer than ${parsed.width} entries`,
        );
      body = encodeEntryBundle(entries);
    } else {
      const { level, index, width } = parsed.tile;
      const tile = await reader.tile(level, index);
      if (!tile || tile.width < width)
        throw new ProblemError('tile_not_found', `tile ${level}/${index} has fewer than ${width} hashes`);
      body = servedTile(tile.data, width);
    }
    // Tiles only grow by appending, so any tile of a given width never changes: full or partial.
    return reply
      .header('content-type', 'application/octet-stream')
      .header('cache-control', IMMUTABLE)
      .send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });

  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/octet-stream',
      { parseAs: 'buffer', bodyLimit: MAX_ENTRY_SIZE },
      (_request, body, done) => done(null, body),
    );
    scope.post('/v1/log/entries', async (request, reply) => {
      checkBearer(request, options.appendToken);
      if (!(request.body instanceof Uint8Array))
        throw new ProblemError('unsupported_media_type', 'send the entry as application/octet-stream');
      const index = await options.append(new Uint8Array(request.body));
      return reply.code(201).send({ index });
    });
  });
}

function checkBearer(request: FastifyRequest, token: string): void {
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new ProblemError('unauthorized', 'appends need the operator token from the data directory');
}
