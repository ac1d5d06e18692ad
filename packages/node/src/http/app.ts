import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { AccessLogStorage } from '../storage/log-storage.js';
import {
  type BlobRoutesOptions,
  blobRoutes,
  blobUploadRequestTimeout,
  requestBodyDeadline,
} from './blob-routes.js';
import { certificateRoutes } from './certificate-routes.js';
import { accessLogRoutes, ContentAccess } from './content-access.js';
import { docsRoutes } from './docs-routes.js';
import { declaredAiLabelOf, type LedgerRoutesOptions, ledgerRoutes } from './ledger-routes.js';
import { type LogRoutesOptions, logRoutes } from './log-routes.js';
import { marketRoutes } from './market-routes.js';
import { PROBLEMS, type ProblemCode, ProblemError, problemBody } from './problems.js';
import { proofRoutes } from './proof-routes.js';
import { reportRoutes } from './report-routes.js';
import { spaceRoutes } from './space-routes.js';
import { statsRoutes } from './stats-routes.js';
import { supervisionRoutes } from './supervision-routes.js';
import { type TxRoutesOptions, txRoutes } from './tx-routes.js';
import { type WebRoutesOptions, webRoutes } from './web-routes.js';

export interface AppOptions extends LogRoutesOptions {
  /** Log requests and errors (pino, JSON lines on stdout). */
  logger?: boolean;
  /** The ledger's API (transactions, state, blobs); without it the node serves only the log. */
  ledger?: {
    tx: Omit<TxRoutesOptions, 'reader' | 'vkey'>;
    /**
     * The ledger's state; a node passes its storage, which also keeps the access log of graded
     * content (AccessLogStorage). Without an access log, graded content is never served.
     */
    reads: LedgerRoutesOptions['ledger'] & Partial<AccessLogStorage>;
    blobs: BlobRoutesOptions;
    /** The operator's Ed25519 seed, to issue rights certificates with. */
    issuerSeed: Uint8Array;
  };
  /** The built web app to serve at `/`; without it the node serves only the API and the log. */
  web?: WebRoutesOptions;
}

/** Fastify's own client-error codes, mapped onto the catalogue. */
function codeForFastifyError(error: FastifyError): ProblemCode | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'entry_too_large';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'unsupported_media_type';
  const status = error.statusCode ?? 500;
  if (status === 404) return 'not_found';
  if (status >= 400 && status < 500) return 'bad_request';
  return undefined;
}

/**
 * Build the HTTP app without listening, so tests drive it in-process with inject(). Every error
 * leaves as RFC 9457 problem+json with a stable `code`; a 500 says only its request id.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    // The tile paths are long but bounded; anything much longer is not ours.
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // Node has only a server-wide bound on a whole request, so it is a backstop that outlasts the
    // slowest upload allowed; requestBodyDeadline bounds every other request to 30 s, and the
    // blob routes bound an upload by its size. Headers get 30 s (set, or Node swaps in 60 s).
    requestTimeout: options.ledger
      ? blobUploadRequestTimeout(options.ledger.blobs.maxBytes, options.ledger.blobs)
      : 30_000,
    http: { headersTimeout: 30_000 },
    // Errors Fastify finds before routing (a path that is not UTF-8 once decoded, an over-long
    // segment) leave as problem+json too.
    frameworkErrors: (error, _request, reply) => {
      const code: ProblemCode = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'uri_too_long' : 'bad_request';
      const problem = problemBody(code, error.message);
      (reply as FastifyReply)
        .code(problem.status)
        .header('content-type', 'application/problem+json')
        .send(problem);
    },
  });
  app.addHook('onRequest', requestBodyDeadline(30_000));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    let code: ProblemCode | undefined;
    let detail: string | undefined;
    let extensions: Record<string, unknown> | undefined;
    if (error instanceof ProblemError) {
      code = error.code;
      detail = error.detail;
      extensions = error.extensions;
    } else if (
      (error as { name?: string }).name === 'CinnabarError' &&
      (error as { code?: string }).code === 'entry_too_large'
    ) {
      code = 'entry_too_large';
      detail = error.message;
    } else if ((error as { name?: string }).name === 'SequencerUnavailableError') {
      code = 'sequencer_unavailable';
      detail = error.message;
    } else {
      code = codeForFastifyError(error);
      detail = code ? error.message : undefined;
    }
    if (!code || PROBLEMS[code].status >= 500) request.log.error({ err: error }, 'request failed');
    const problem = problemBody(code ?? 'internal_error', detail, code ? undefined : request.id, extensions);
    return reply.code(problem.status).header('content-type', 'application/problem+json').send(problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = problemBody('not_found', `${request.method} ${request.url.slice(0, 200)} is not a route`);
    return reply.code(404).header('content-type', 'application/problem+json').send(problem);
  });

  // The log is public and read-only: verifiers on any origin (a browser page elsewhere) may read it,
  // including its 404s, which a tlog-tiles client needs to see to fall back to a full tile.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/log/')) reply.header('access-control-allow-origin', '*');
  });

  app.register(logRoutes, options);
  if (options.web) app.register(webRoutes, options.web);
  app.register(proofRoutes, { reader: options.reader });
  app.register(docsRoutes, { ledger: options.ledger !== undefined });
  if (options.ledger) {
    app.register(txRoutes, { ...options.ledger.tx, reader: options.reader, vkey: options.vkey });
    app.register(ledgerRoutes, { ledger: options.ledger.reads, inspections: options.ledger.blobs.blobs });
    app.register(marketRoutes, { ledger: options.ledger.reads });
    app.register(supervisionRoutes, { ledger: options.ledger.reads });
    app.register(spaceRoutes, { ledger: options.ledger.reads });
    app.register(statsRoutes, { ledger: options.ledger.reads, reader: options.reader });
    app.register(reportRoutes, {
      ledger: options.ledger.reads,
      entries: (start, n) => options.reader.entries(start, n),
      logSize: async () => (await options.reader.checkpoint()).size,
    });
    app.register(certificateRoutes, {
      ledger: options.ledger.reads,
      reader: options.reader,
      vkey: options.vkey,
      issuerSeed: options.ledger.issuerSeed,
    });
    // Takedowns and data grades (GB/T 43697-2024): who is served a registered work's content.
    const { reads } = options.ledger;
    const access = new ContentAccess({
      ledger: reads,
      accessLog: reads.appendAccess && reads.readAccessLog ? (reads as AccessLogStorage) : undefined,
      ...(options.ledger.blobs.now ? { now: options.ledger.blobs.now } : {}),
    });
    app.register(accessLogRoutes, { ledger: reads, access });
    app.register(blobRoutes, {
      aiLabelOf: declaredAiLabelOf(options.ledger.reads),
      ...options.ledger.blobs,
      access,
    });
  }
  return app;
}
