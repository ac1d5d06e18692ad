import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  isCinnabarError,
  parseCid,
  parseUploadAuthorization,
  UPLOAD_AUTH_SCHEME,
  UPLOAD_MAX_SKEW_SECONDS,
  type UploadAuthorization,
  verifyUploadAuthorization,
} from '@cinnabar/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { BlobMismatchError, type BlobStore, BlobTooLargeError } from '../blobs/blob-store.js';
import { type AiLabel, canWriteAiLabel, labelForDownload } from '../media/ai-label.js';
import { type InspectOptions, inspectMedia, type MediaInspection } from '../media/inspect.js';
import { type ContentAccess, PRIVATE_NO_STORE } from './content-access.js';
import { type ProblemCode, ProblemError } from './problems.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route bounds how long its body may take itself (a blob upload), so requestBodyDeadline
     * leaves it alone.
     */
    ownBodyDeadline?: boolean;
  }
}

export interface BlobRoutesOptions extends Partial<BlobRoutesLimits> {
  blobs: BlobStore;
  /** Whether `did` is registered on the ledger; only registered identities may upload. */
  isRegisteredIdentity(did: string): Promise<boolean> | boolean;
  /** Largest upload accepted, in bytes; a larger Content-Length is refused before reading. */
  maxBytes: number;
  /** The clock upload authorizations are checked against. */
  now?: () => Date;
  /** Bounds for the media inspection (see inspectMedia). */
  inspect?: Partial<InspectOptions>;
  /**
   * Who is served a registered work's content (takedowns, data grades: content-access.ts); without
   * it every stored blob is public.
   */
  access?: ContentAccess;
  /**
   * The AI label (GB 45438-2025) declared for the asset registered with these bytes, if any. A
   * blob with one is served with the label written into its own metadata (labelForDownload).
   */
  aiLabelOf?: (cid: string) => Promise<AiLabel | undefined>;
}

export interface BlobRoutesLimits {
  /** Largest difference between an authorization's time and the node's clock. */
  maxSkewSeconds: number;
  /** An upload that sends nothing for this long is refused (408 upload_timeout). */
  uploadIdleMs: number;
  /**
   * An upload of n bytes must be complete within uploadGraceMs + n / minUploadBytesPerSecond:
   * a time limit that grows with the size, so a slow link can send a large file while a
   * slow-loris client cannot hold a connection for long with a small one.
   */
  minUploadBytesPerSecond: number;
  uploadGraceMs: number;
  /** Inspections that may run at once (each may hold a whole file in memory); others wait. */
  maxConcurrentInspections: number;
  /** Most validator errors returned in a 422's `errors` member. */
  maxReportedErrors: number;
}

export const BLOB_ROUTES_DEFAULTS: Readonly<BlobRoutesLimits> = Object.freeze({
  maxSkewSeconds: UPLOAD_MAX_SKEW_SECONDS,
  uploadIdleMs: 30_000,
  // 64 KiB/s (about 0.5 Mbit/s): 512 MiB may take up to 2 h 17 min.
  minUploadBytesPerSecond: 64 * 1024,
  uploadGraceMs: 30_000,
  maxConcurrentInspections: 2,
  maxReportedErrors: 10,
});

/**
 * The server-wide requestTimeout (Node's http.Server option; Fastify's `requestTimeout`) that
 * leaves room for the slowest upload these limits allow, plus the headers. Node has no
 * per-request form of it, so it is only a backstop: uploads are bounded by their own deadline
 * here, and every other route by requestBodyDeadline.
 */
export function blobUploadRequestTimeout(
  maxBytes: number,
  limits: Partial<BlobRoutesLimits> = {},
  headersTimeoutMs = 30_000,
): number {
  const { minUploadBytesPerSecond, uploadGraceMs } = { ...BLOB_ROUTES_DEFAULTS, ...limits };
  return uploadGraceMs + Math.ceil((maxBytes / minUploadBytesPerSecond) * 1000) + headersTimeoutMs;
}

/**
 * An onRequest hook giving every request `ms` from its start to be received in full (the
 * slow-loris bound that a short server-wide requestTimeout gave before uploads needed a long one),
 * except on routes with `config.ownBodyDeadline`. Past it, a request whose body is still coming is
 * answered 408 and its connection closed, as Node does for requestTimeout.
 */
export function requestBodyDeadline(ms: number): onRequestHookHandler {
  return (request, reply, done) => {
    if (request.routeOptions.config.ownBodyDeadline === true || request.raw.complete) return done();
    const raw = request.raw;
    const timer = setTimeout(() => {
      if (raw.complete) return;
      request.log.info({ deadlineMs: ms }, 'request not received in time; closing the connection');
      const socket = raw.socket as typeof raw.socket | null;
      if (!socket || socket.destroyed) return;
      if (!reply.raw.headersSent && socket.writable)
        socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroySoon();
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    reply.raw.once('finish', clear);
    reply.raw.once('close', clear);
    done();
  };
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Most bytes of labelled files kept to serve again (least recently used go first). */
const LABELLED_CACHE_BYTES = 64 * 1024 * 1024;

/** Labelled files by ETag, least recently used dropped first, within a byte budget. */
class LabelledCache {
  private readonly entries = new Map<string, { header: 'written'; bytes: Uint8Array; etag: string }>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}

  get(etag: string) {
    const hit = this.entries.get(etag);
    if (hit) {
      this.entries.delete(etag);
      this.entries.set(etag, hit);
    }
    return hit;
  }

  set(etag: string, value: { header: 'written'; bytes: Uint8Array; etag: string }): void {
    if (value.bytes.byteLength > this.maxBytes / 4 || this.entries.has(etag)) return;
    this.entries.set(etag, value);
    this.bytes += value.bytes.byteLength;
    for (const [key, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= old.bytes.byteLength;
    }
  }
}

// A blob with an AI label written in: the label may be revised, so caches revalidate (ETag).
const LABELLED_CACHE = 'public, no-cache';
const OCTET_STREAM = 'application/octet-stream';
// Types a browser shows passively (no script, no document of their own on our origin): inline.
const INLINE_TYPES =
  /^(image\/(png|apng|jpeg|gif|webp|avif|bmp)|video\/[a-z0-9.+-]+|audio\/[a-z0-9.+-]+|model\/gltf-binary|model\/gltf\+json)$/;
// Types a browser may run as a document with script on the node's origin (stored XSS): never
// served as themselves, whatever the inspection says.
const ACTIVE_TYPES = /html|xml|svg|javascript|ecmascript|pdf|shockwave|x-sh\b|wasm/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
// What is read for inspection when the file is not one inspectMedia parses in full: file-type
// decides from the first bytes.
const INSPECTION_HEAD_BYTES = 1024 * 1024;

/** The media is not well-formed: carries the inspection to report. */
class MalformedMediaError extends Error {
  constructor(readonly inspection: MediaInspection) {
    super('the media is not well-formed');
    this.name = 'MalformedMediaError';
  }
}

class UploadTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UploadTimeoutError';
  }
}

/**
 * Blob upload and download:
 *
 * - PUT /v1/blobs: the raw bytes of one file, any Content-Type, with Content-Length and an
 *   `Authorization: Cinnabar-Upload …` header (core's upload-auth.ts) by a registered identity for
 *   exactly these bytes. Streamed into the store, inspected before it becomes visible, and refused
 *   (422 malformed_media) when malformed; the inspection is kept next to the blob.
 * - GET/HEAD /v1/blobs/:cid: the bytes, immutable, with a single byte range if asked (206/416),
 *   and 304 for If-None-Match. Active types (HTML, SVG, XML…) are served as attachments of type
 *   application/octet-stream, and every blob response carries `Content-Security-Policy: sandbox`
 *   and `nosniff`, so an upload never runs script on the node's origin.
 * - GET /v1/blobs/:cid/inspection: the stored inspection.
 */
export async function blobRoutes(app: FastifyInstance, options: BlobRoutesOptions): Promise<void> {
  const { blobs, maxBytes } = options;
  const limits: BlobRoutesLimits = { ...BLOB_ROUTES_DEFAULTS };
  for (const key of Object.keys(BLOB_ROUTES_DEFAULTS) as (keyof BlobRoutesLimits)[]) {
    const value = options[key];
    if (value !== undefined) limits[key] = value;
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new RangeError(`blobRoutes: maxBytes must be a whole number, not ${maxBytes}`);
  const now = options.now ?? (() => new Date());
  const inspectOptions = options.inspect ?? {};
  const inspectionSlot = limiter(limits.maxConcurrentInspections);

  /** Inspect a file (staged or stored) of `size` bytes, a few at a time. */
  const inspectFile = (path: string, size: number): Promise<MediaInspection> =>
    inspectionSlot(async () => inspectMedia(await readForInspection(path, size), inspectOptions));

  // The body is handed over as the stream it is, whatever its type; nothing reads it but the route.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  const upload = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const refuse = (code: ProblemCode, detail: string): ProblemError => {
      if (PROBLEMS_UNAUTHORIZED.has(code)) reply.header('www-authenticate', UPLOAD_AUTH_SCHEME);
      return new ProblemError(code, detail);
    };

    const length = contentLength(request);
    if (length === undefined)
      throw refuse('length_required', 'send the blob with a Content-Length (not chunked)');
    if (length === 'malformed') throw refuse('bad_request', 'the Content-Length is not a whole number');
    if (length > maxBytes)
      throw refuse('blob_too_large', `the blob is ${length} bytes; this node takes at most ${maxBytes}`);

    const header = request.headers.authorization;
    if (header === undefined || header === '')
      throw refuse('unauthorized', `uploads need an Authorization: ${UPLOAD_AUTH_SCHEME} header`);
    let auth: UploadAuthorization;
    try {
      auth = parseUploadAuthorization(header);
    } catch (error) {
      if (isCinnabarError(error, 'malformed_upload_authorization'))
        throw refuse('malformed_upload_authorization', error.message);
      throw error;
    }
    const verdict = verifyUploadAuthorization(auth, now(), limits.maxSkewSeconds);
    if (!verdict.ok) throw refuse('bad_upload_signature', verdict.message);
    if (!(await options.isRegisteredIdentity(auth.did)))
      throw refuse('unknown_identity', `${auth.did} is not a registered identity on this ledger`);
    if (length !== auth.size)
      throw refuse(
        'blob_mismatch',
        `Content-Length is ${length} but the authorization is for ${auth.size} bytes`,
      );

    let inspection: MediaInspection | undefined;
    let stored: Awaited<ReturnType<BlobStore['put']>>;
    try {
      stored = await blobs.put(guardedBody(request, auth.size, limits), {
        expectedCid: auth.cid,
        maxBytes: auth.size,
        // Inspected before the blob becomes visible: a malformed file is never stored or served.
        beforeCommit: async (staged) => {
          inspection = await inspectFile(staged.path, staged.size);
          if (!inspection.ok) throw new MalformedMediaError(inspection);
          await blobs.putInspection(staged.cid, inspection);
        },
      });
    } catch (error) {
      if (error instanceof MalformedMediaError) throw malformedMedia(error.inspection, limits);
      if (error instanceof BlobMismatchError) throw refuse('blob_mismatch', error.message);
      if (error instanceof BlobTooLargeError)
        throw error.limit < auth.size
          ? refuse('blob_too_large', `the blob is ${auth.size} bytes; the store takes at most ${error.limit}`)
          : refuse('blob_mismatch', `the body is longer than the ${auth.size} bytes authorized`);
      if (error instanceof UploadTimeoutError) throw refuse('upload_timeout', error.message);
      if (request.raw.destroyed || (error as { code?: string }).code === 'ECONNRESET')
        throw refuse('bad_request', 'the connection closed before the whole body arrived');
      throw error;
    }
    if (!stored.created) {
      // Stored before, by an earlier upload (its inspection is kept) or before inspections were.
      inspection = await blobs.getInspection(stored.cid);
      if (!inspection) {
        inspection = await inspectFile(blobs.path(stored.cid), stored.size);
        if (!inspection.ok) throw malformedMedia(inspection, limits);
        await blobs.putInspection(stored.cid, inspection);
      }
    }
    return reply
      .code(stored.created ? 201 : 200)
      .header('location', `/v1/blobs/${stored.cid}`)
      .send({ cid: stored.cid, size: stored.size, mediaType: inspection!.mediaType, inspection });
  };

  app.put('/v1/blobs', { config: { ownBodyDeadline: true } }, async (request, reply) => {
    try {
      return await upload(request, reply);
    } catch (error) {
      // Refused before the body was read in full: close the connection, or Node would read (and
      // drop) up to the whole declared body to keep it alive.
      if (!request.raw.complete) reply.header('connection', 'close');
      throw error;
    }
  });

  const serve = async (request: FastifyRequest, reply: FastifyReply, withBody: boolean) => {
    const cid = cidParam(request);
    // Taken down: 451; graded: a signed, logged read (content-access.ts).
    const caching = (await options.access?.checkContent(request, reply, cid)) ?? 'public';
    const storedSize = await blobs.size(cid);
    if (storedSize === undefined) throw new ProblemError('blob_not_found', `no blob ${cid} here`);
    const mediaType = (await blobs.getInspection(cid))?.mediaType;
    // GB 45438-2025: a work declared AI-generated is served with the label in its metadata.
    const labelled = await labelledBlob(cid, mediaType);
    const written = labelled?.header === 'written' ? labelled : undefined;
    const size = written?.bytes.byteLength ?? storedSize;
    const etag = written?.etag ?? `"${cid}"`;
    const common = (): FastifyReply =>
      (labelled ? reply.header('cinnabar-ai-label', labelled.header) : reply)
        .header('etag', etag)
        .header(
          'cache-control',
          caching === 'private' ? PRIVATE_NO_STORE : written ? LABELLED_CACHE : IMMUTABLE,
        )
        .header('accept-ranges', 'bytes')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', 'sandbox')
        .header('access-control-allow-origin', '*')
        .header(
          'access-control-expose-headers',
          'Accept-Ranges, Content-Length, Content-Range, ETag, Cinnabar-AI-Label',
        );
    // RFC 9110 §13.1.2: If-None-Match uses the weak comparison; only GET and HEAD come here.
    if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return common().code(304).send();

    // RFC 9110 §13.1.5: a Range is honoured only if If-Range, when sent, is our (strong) ETag.
    const ifRange = request.headers['if-range'];
    const range =
      ifRange === undefined || ifRange === etag ? parseRange(request.headers.range, size) : undefined;
    if (range === 'unsatisfiable') {
      reply.header('content-range', `bytes */${size}`);
      throw new ProblemError('range_not_satisfiable', `the blob is ${size} bytes`);
    }
    const { type, disposition } = presentation(mediaType);
    common().header('content-type', type).header('content-disposition', `${disposition}; filename="${cid}"`);
    if (range) {
      reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
        .header('content-length', String(range.end - range.start + 1));
    } else {
      reply.code(200).header('content-length', String(size));
    }
    if (!withBody) return reply.send();
    if (written) {
      const { bytes } = written;
      return reply.send(Buffer.from(range ? bytes.subarray(range.start, range.end + 1) : bytes));
    }
    const stream = await blobs.open(cid, range);
    if (!stream) throw new ProblemError('blob_not_found', `no blob ${cid} here`);
    return reply.send(stream);
  };

  const labelledCache = new LabelledCache(LABELLED_CACHE_BYTES);

  /**
   * The bytes to serve for a blob whose asset declares an AI label: the file with the label written
   * (a representation of its own: its own ETag, revalidated, since a revised label changes it), or,
   * for a type the label is not written into, the stored bytes with `Cinnabar-AI-Label:
   * not-written`. The CID still names the stored original. Read whole, one of the inspections'
   * slots at a time (an inspection holds as much in memory).
   */
  const labelledBlob = async (
    cid: string,
    mediaType: string | undefined,
  ): Promise<
    { header: 'written'; bytes: Uint8Array; etag: string } | { header: 'not-written' } | undefined
  > => {
    const label = await options.aiLabelOf?.(cid);
    if (!label) return undefined;
    if (mediaType === undefined || !canWriteAiLabel(mediaType)) return { header: 'not-written' };
    const tag = createHash('sha256').update(JSON.stringify(label)).digest('hex').slice(0, 16);
    const etag = `"${cid}.aigc-${tag}"`;
    // Range requests, HEADs and revalidations of one download ask again: label the file once.
    const cached = labelledCache.get(etag);
    if (cached) return cached;
    const labelled = await inspectionSlot(async () => {
      const stored = await blobs.read(cid);
      return stored && labelForDownload(stored, mediaType, label);
    });
    if (!labelled?.written) return { header: 'not-written' };
    const result = { header: 'written' as const, bytes: labelled.bytes, etag };
    labelledCache.set(etag, result);
    return result;
  };

  // HEAD is its own route: the one Fastify derives from GET would read the whole file to drop it.
  app.get('/v1/blobs/:cid', { exposeHeadRoute: false }, (request, reply) => serve(request, reply, true));
  app.head('/v1/blobs/:cid', (request, reply) => serve(request, reply, false));

  app.get('/v1/blobs/:cid/inspection', async (request, reply) => {
    const cid = cidParam(request);
    // It describes the content: taken down or graded, it is served as the bytes are.
    const caching = (await options.access?.checkContent(request, reply, cid)) ?? 'public';
    if (!(await blobs.has(cid))) throw new ProblemError('blob_not_found', `no blob ${cid} here`);
    const inspection = await blobs.getInspection(cid);
    if (!inspection) throw new ProblemError('inspection_not_found', `blob ${cid} has no inspection`);
    return reply
      .header('cache-control', caching === 'private' ? PRIVATE_NO_STORE : 'public, max-age=60')
      .header('access-control-allow-origin', '*')
      .send(inspection);
  });
}

const PROBLEMS_UNAUTHORIZED: ReadonlySet<ProblemCode> = new Set(['unauthorized', 'bad_upload_signature']);

function cidParam(request: FastifyRequest): string {
  const { cid } = request.params as { cid: string };
  try {
    parseCid(cid);
  } catch (error) {
    if (isCinnabarError(error, 'malformed_cid')) throw new ProblemError('malformed_cid', error.message);
    throw error;
  }
  return cid;
}

/** The declared body length; undefined without one (chunked, or no body at all). */
function contentLength(request: FastifyRequest): number | 'malformed' | undefined {
  const value = request.headers['content-length'];
  if (value === undefined) return undefined;
  // Node's parser has already refused non-digits and conflicting duplicates; this is belt and braces.
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) return 'malformed';
  return Number(value);
}

/**
 * The request body, refused (UploadTimeoutError) when nothing arrives for uploadIdleMs or it is
 * not all there by its deadline. Stopping early leaves the stream undestroyed, so that the refusal
 * can still be sent before the connection closes.
 */
async function* guardedBody(
  request: FastifyRequest,
  size: number,
  limits: BlobRoutesLimits,
): AsyncGenerator<Uint8Array> {
  const body = request.body as Readable | undefined;
  const stream: Readable = typeof body?.iterator === 'function' ? body : request.raw;
  const iterator = stream.iterator({ destroyOnReturn: false });
  const deadline = Date.now() + limits.uploadGraceMs + (size / limits.minUploadBytesPerSecond) * 1000;
  for (;;) {
    const left = deadline - Date.now();
    const wait = Math.min(limits.uploadIdleMs, left);
    const next = iterator.next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, wait));
    });
    const result = await Promise.race([next, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      next.catch(() => {}); // settles when the connection closes; nobody waits for it
      throw new UploadTimeoutError(
        wait < limits.uploadIdleMs
          ? `the upload of ${size} bytes did not finish in ${Math.round((limits.uploadGraceMs + (size / limits.minUploadBytesPerSecond) * 1000) / 1000)} s (at least ${limits.minUploadBytesPerSecond} bytes/s)`
          : `nothing arrived for ${limits.uploadIdleMs / 1000} s`,
      );
    }
    if (result.done) return;
    yield result.value as Uint8Array;
  }
}

/**
 * The bytes inspectMedia needs: the whole file for what it parses (glTF, PNG, JPEG, JSON that may
 * be glTF), otherwise the first MiB, from which file-type tells the type. So a 500 MB video is not
 * read into memory to learn that it is a video.
 */
async function readForInspection(path: string, size: number): Promise<Uint8Array> {
  if (size <= INSPECTION_HEAD_BYTES) return new Uint8Array(await readFile(path));
  const head = new Uint8Array(INSPECTION_HEAD_BYTES);
  const file = await open(path, 'r');
  try {
    let read = 0;
    while (read < head.length) {
      const { bytesRead } = await file.read(head, read, head.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
  } finally {
    await file.close();
  }
  return parsedInFull(head) ? new Uint8Array(await readFile(path)) : head;
}

function parsedInFull(head: Uint8Array): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x67, 0x6c, 0x54, 0x46)) return true; // "glTF": GLB
  if (starts(0x89, 0x50, 0x4e, 0x47)) return true; // PNG (and APNG)
  if (starts(0xff, 0xd8, 0xff)) return true; // JPEG
  let i = starts(0xef, 0xbb, 0xbf) ? 3 : 0;
  while (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d) i++;
  return head[i] === 0x7b; // '{': JSON, perhaps glTF
}

/** Content-Type and disposition a blob is served with. */
function presentation(mediaType: string | undefined): { type: string; disposition: 'inline' | 'attachment' } {
  if (mediaType === undefined || !MEDIA_TYPE.test(mediaType))
    return { type: OCTET_STREAM, disposition: 'attachment' };
  if (INLINE_TYPES.test(mediaType)) return { type: mediaType, disposition: 'inline' };
  if (ACTIVE_TYPES.test(mediaType)) return { type: OCTET_STREAM, disposition: 'attachment' };
  return { type: mediaType, disposition: 'attachment' };
}

/** RFC 9110 §13.1.2 If-None-Match: "*" or a list of entity tags, compared weakly. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .includes(etag);
}

/**
 * RFC 9110 §14.1.2 / §14.2: one byte range, "bytes=a-b", "bytes=a-" or "bytes=-n". Anything else
 * (several ranges, another unit, a malformed or backwards range) is ignored and the whole blob
 * sent, as §14.2 allows; a range starting at or past the end is unsatisfiable (416).
 */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/i.exec(header.trim());
  if (!m) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/** 422 malformed_media, with the first validator errors as the `errors` extension member. */
function malformedMedia(inspection: MediaInspection, limits: BlobRoutesLimits): ProblemError {
  const errors = inspection.errors.slice(0, limits.maxReportedErrors);
  const first = errors[0];
  const detail = `the ${inspection.mediaType} file has ${inspection.errors.length} error(s)${first ? `, first ${first.code}: ${first.message}` : ''}`;
  return new ProblemError('malformed_media', detail.length > 500 ? `${detail.slice(0, 500)}…` : detail, {
    extensions: { mediaType: inspection.mediaType, errors },
  });
}

/** Run at most `max` of the given tasks at once; the rest wait their turn. */
function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    while (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
