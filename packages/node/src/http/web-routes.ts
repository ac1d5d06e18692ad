/**
 * The web app (packages/web, built by Vite) served at `/`: its hashed files (static/) cached for good, and
 * index.html for every other path that is not the API's, so that a link to /assets/<id> opens
 * the app there. The API, the log and the docs keep their own 404s.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ProblemError } from './problems.js';

export interface WebRoutesOptions {
  /** The built app: a directory with index.html and assets/. */
  root: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

// The app loads only its own scripts; works are fetched from this node (blobs) and drawn in the page.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Where the build puts its hashed files (vite.config.ts build.assetsDir; not /assets/, the app's works). */
const BUILD_DIR = '/static/';

/** Paths that belong to the API, the log and the docs: never the app's. */
const NOT_THE_APP = /^\/(v1|log|docs|openapi\.json)(\/|$)/;

export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions): Promise<void> {
  const root = normalize(options.root);
  const index = await readFile(join(root, 'index.html'));

  const sendIndex = (reply: FastifyReply) =>
    reply
      .header('content-type', TYPES['.html'])
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(index);

  app.get('/', (_request, reply) => sendIndex(reply));

  app.get('/*', async (request, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(request.url.split('?')[0]!);
    } catch {
      throw new ProblemError('bad_request', 'the path is not percent-encoded UTF-8');
    }
    if (NOT_THE_APP.test(path))
      throw new ProblemError('not_found', `${request.method} ${request.url.slice(0, 200)} is not a route`);
    const file = normalize(join(root, path));
    const type = TYPES[extname(file)];
    if (type !== undefined && file.startsWith(root + sep) && !path.includes('\0')) {
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile())
        return (
          reply
            .header('content-type', type)
            .header('content-length', String(info.size))
            .header('x-content-type-options', 'nosniff')
            // Vite names what is under static/ by the hash of its content.
            .header(
              'cache-control',
              path.startsWith(BUILD_DIR) ? 'public, max-age=31536000, immutable' : 'no-cache',
            )
            .send(createReadStream(file))
        );
    }
    // A missing build file is a 404, not the app: a stale page asking for an old chunk must fail.
    if (path.startsWith(BUILD_DIR)) throw new ProblemError('not_found', `no file ${path.slice(0, 200)}`);
    return sendIndex(reply);
  });
}
