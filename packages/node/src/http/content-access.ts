/**
 * Who may be served a registered work's content (docs/data-grades.md):
 *
 * - Taken down by a regulator (supervision.takedown): nobody. 451 `taken_down`, with a
 *   `Link: </v1/supervision/takedowns/ID>; rel="blocked-by"` header (RFC 7725 §3), until a
 *   supervision.restore. The record, its metadata and the content's hash stay public.
 * - Graded `important` or `core` (GB/T 43697-2024): only on a request signed with
 *   `Authorization: Cinnabar-Read …` (core's read-auth.ts) by the work's owner, the owner of one of
 *   its editions, the licensee of a licence in force on it, the ledger's operator, or an identity
 *   holding the regulator role. Every such signed request, allowed or refused, is recorded in the
 *   work's access log before any byte is sent; the answer is `Cache-Control: private, no-store`
 *   and `Vary: Authorization`.
 * - A work's sealed description (docs/sealed-descriptions.md): like graded content, whatever the
 *   work's grade is now, and served despite a takedown (it is the work's metadata).
 * - Graded `general`, and bytes no registered work names: public, as before.
 *
 * The work's access log (GET /v1/assets/{id}/access-log) is read with the same signed request by
 * the work's owner, the operator or a regulator.
 */
import {
  type AssetRecord,
  assetKey,
  type CidRecord,
  cidKey,
  type EditionRecord,
  type IdentityRecord,
  identityKey,
  isCinnabarError,
  LEDGER_KEY,
  type LedgerRecord,
  type LicenceIndexRecord,
  type LicenceRecord,
  licenceIndexKey,
  licenceKey,
  licencePermits,
  parseReadAuthorization,
  READ_AUTH_SCHEME,
  READ_MAX_SKEW_SECONDS,
  type ReadAuthorization,
  readTarget,
  verifyReadAuthorization,
} from '@cinnabar/core';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessLogRow, AccessLogStorage, LedgerReads } from '../storage/log-storage.js';
import { ProblemError } from './problems.js';

/** Why a reader was let in, as the access log records it. */
export type ReadBasis = 'owner' | 'edition-owner' | 'licensee' | 'operator' | 'regulator';

export interface ContentAccessLimits {
  /** Largest difference between a read authorization's time and the node's clock. */
  maxSkewSeconds: number;
  /** Editions held by a reader looked through, at most, to find one of the work (a page is 500). */
  maxEditionsScanned: number;
  /** Longest chain of sublicences followed up to the licence granted by the owner. */
  maxSublicenceDepth: number;
}

export const CONTENT_ACCESS_DEFAULTS: Readonly<ContentAccessLimits> = Object.freeze({
  maxSkewSeconds: READ_MAX_SKEW_SECONDS,
  maxEditionsScanned: 10_000,
  maxSublicenceDepth: 16,
});

export interface ContentAccessOptions extends Partial<ContentAccessLimits> {
  ledger: LedgerReads;
  /** Where reads of graded content are recorded; without it, graded content is never served. */
  accessLog: AccessLogStorage | undefined;
  /** The clock read authorizations and licences are checked against. */
  now?: () => Date;
}

/** How a response may be cached: `public` as before, or `private` (graded content). */
export type ContentCaching = 'public' | 'private';

export const PRIVATE_NO_STORE = 'private, no-store';
const EDITION_PAGE = 500;
const MAX_RANGE_LOGGED = 100;

/** The access decisions for content, over the ledger's state. */
export class ContentAccess {
  private readonly ledger: LedgerReads;
  private readonly accessLog: AccessLogStorage | undefined;
  private readonly now: () => Date;
  private readonly limits: ContentAccessLimits;

  constructor(options: ContentAccessOptions) {
    this.ledger = options.ledger;
    this.accessLog = options.accessLog;
    this.now = options.now ?? (() => new Date());
    this.limits = { ...CONTENT_ACCESS_DEFAULTS };
    for (const key of Object.keys(CONTENT_ACCESS_DEFAULTS) as (keyof ContentAccessLimits)[]) {
      const value = options[key];
      if (value !== undefined) this.limits[key] = value;
    }
  }

  /**
   * Before the bytes of `cid` (or what describes them: its inspection) are served: throws the
   * ProblemError to answer with (451, 401, 403), with its headers set on `reply`; otherwise says
   * how the answer may be cached. A read of graded content is in the access log when this returns.
   */
  async checkContent(request: FastifyRequest, reply: FastifyReply, cid: string): Promise<ContentCaching> {
    const named = await this.assetOfCid(cid);
    if (!named) return 'public';
    const { asset, sealed } = named;
    // A sealed description is the work's metadata, not its content: a takedown leaves it to its
    // readers, and a grade lowered later does not make the sealed documents of past revisions public.
    if (asset.takenDown && !sealed) {
      const { takedown, since } = asset.takenDown;
      // RFC 7725 §3: the resource that blocks it.
      reply.header('link', `</v1/supervision/takedowns/${takedown}>; rel="blocked-by"`);
      throw new ProblemError(
        'taken_down',
        `a regulator took the content of asset ${asset.id} down (takedown ${takedown}, entry ${since.index})`,
        { extensions: { details: { asset: asset.id, takedown, index: since.index } } },
      );
    }
    if (asset.metadata.grade === 'general' && !sealed) return 'public';

    privateAnswer(reply);
    const target = readTarget(request.method, request.url);
    const auth = this.authenticate(request, reply, target);
    const basis = await this.readerBasis(asset, auth.did);
    await this.record({
      did: auth.did,
      asset: asset.id,
      cid,
      target,
      range: rangeOf(request),
      outcome: basis ? 'allowed' : 'refused',
      basis: basis ?? null,
    });
    if (!basis)
      throw new ProblemError(
        'read_not_allowed',
        `${auth.did} may not read the ${sealed ? 'sealed description' : 'content'} of asset ${asset.id} (graded ${asset.metadata.grade}): only its owner, the owners of its editions, its licensees, the operator and regulators may`,
      );
    return 'private';
  }

  /** The access log of asset `id`, for its owner, the operator or a regulator; throws otherwise. */
  async checkAccessLogReader(
    request: FastifyRequest,
    reply: FastifyReply,
    asset: AssetRecord,
  ): Promise<void> {
    privateAnswer(reply);
    const auth = this.authenticate(request, reply, readTarget(request.method, request.url));
    const basis = asset.owner === auth.did ? 'owner' : await this.officialBasis(auth.did);
    if (!basis)
      throw new ProblemError(
        'read_not_allowed',
        `${auth.did} may not read the access log of asset ${asset.id}: only its owner, the operator and regulators may`,
      );
  }

  async readAccessLog(asset: string, before: number | undefined, limit: number): Promise<AccessLogRow[]> {
    if (!this.accessLog) return [];
    return this.accessLog.readAccessLog({ asset, ...(before === undefined ? {} : { before }), limit });
  }

  /** The registered work these bytes are (its content, or its sealed description), if any. */
  private async assetOfCid(cid: string): Promise<{ asset: AssetRecord; sealed: boolean } | undefined> {
    const byCid = await this.read<CidRecord>(cidKey(cid));
    const asset = byCid && (await this.read<AssetRecord>(assetKey(byCid.asset)));
    return asset ? { asset, sealed: byCid.part === 'sealed-description' } : undefined;
  }

  /** The verified reader of a signed request for `target`; throws a 401 (with WWW-Authenticate) otherwise. */
  private authenticate(request: FastifyRequest, reply: FastifyReply, target: string): ReadAuthorization {
    const refuse = (
      code: 'read_authorization_required' | 'malformed_read_authorization' | 'bad_read_signature',
      detail: string,
    ) => {
      reply.header('www-authenticate', READ_AUTH_SCHEME);
      return new ProblemError(code, detail);
    };
    const header = request.headers.authorization;
    const scheme = header?.split(' ', 1)[0]?.toLowerCase();
    if (header === undefined || scheme !== READ_AUTH_SCHEME.toLowerCase())
      throw refuse(
        'read_authorization_required',
        `graded content is read with an Authorization: ${READ_AUTH_SCHEME} header signed for "${target}"`,
      );
    let auth: ReadAuthorization;
    try {
      auth = parseReadAuthorization(header);
    } catch (error) {
      if (isCinnabarError(error, 'malformed_read_authorization'))
        throw refuse('malformed_read_authorization', error.message);
      throw error;
    }
    const verdict = verifyReadAuthorization(auth, target, this.now(), this.limits.maxSkewSeconds);
    if (!verdict.ok) throw refuse('bad_read_signature', verdict.message);
    return auth;
  }

  /** Why `did` may read the content of `asset`, or undefined if it may not. */
  async readerBasis(asset: AssetRecord, did: string): Promise<ReadBasis | undefined> {
    if (asset.owner === did) return 'owner';
    if (asset.editions && (await this.holdsEdition(asset.id, did))) return 'edition-owner';
    if (await this.holdsLicence(asset.id, did)) return 'licensee';
    return this.officialBasis(did);
  }

  /** The operator, or an identity holding the regulator role now. */
  private async officialBasis(did: string): Promise<'operator' | 'regulator' | undefined> {
    const found = await this.ledger.readState([LEDGER_KEY, identityKey(did)]);
    const ledger = parse<LedgerRecord>(found.get(LEDGER_KEY));
    if (ledger?.operator === did) return 'operator';
    const identity = parse<IdentityRecord>(found.get(identityKey(did)));
    const now = this.now().getTime();
    const regulator = identity?.roles.some(
      (r) =>
        r.role === 'regulator' &&
        Date.parse(r.validFrom) <= now &&
        (r.validUntil === undefined || Date.parse(r.validUntil) > now),
    );
    return regulator ? 'regulator' : undefined;
  }

  /** Whether `did` owns an edition of the work: its holdings, newest first, looked through. */
  private async holdsEdition(asset: string, did: string): Promise<boolean> {
    const prefix = `asset/${asset}/edition/`;
    let after: { idx: number; key: string } | undefined;
    for (let seen = 0; seen < this.limits.maxEditionsScanned; seen += EDITION_PAGE) {
      const rows = await this.ledger.queryParty({
        kinds: ['edition'],
        owner: did,
        limit: EDITION_PAGE,
        ...(after ? { after } : {}),
      });
      for (const row of rows)
        if (row.key.startsWith(prefix) && parse<EditionRecord>(row.value)?.owner === did) return true;
      const last = rows.at(-1);
      if (rows.length < EDITION_PAGE || !last) return false;
      after = { idx: last.idx, key: last.key };
    }
    return false;
  }

  /** Whether `did` holds a licence of the work in force now (and, for a sublicence, every licence above it). */
  private async holdsLicence(asset: string, did: string): Promise<boolean> {
    const index = await this.read<LicenceIndexRecord>(licenceIndexKey(asset));
    const time = this.now().toISOString();
    for (const entry of index?.licences ?? []) {
      if (entry.licensee !== did) continue;
      let id: string | undefined = entry.id;
      let held = true;
      for (let depth = 0; held && id !== undefined; depth++) {
        const licence: LicenceRecord | undefined =
          depth > this.limits.maxSublicenceDepth
            ? undefined
            : await this.read<LicenceRecord>(licenceKey(asset, id));
        // Any use will do: a licence in force lets its licensee have the bytes to make it.
        held = licence !== undefined && licencePermits(licence, licence.terms.uses[0]!, time).ok;
        id = licence?.under;
      }
      if (held) return true;
    }
    return false;
  }

  private async record(entry: Omit<Parameters<AccessLogStorage['appendAccess']>[0], 'time'>): Promise<void> {
    if (!this.accessLog) throw new Error('graded content is not served: this node keeps no access log');
    await this.accessLog.appendAccess({ ...entry, time: this.now().getTime() });
  }

  private async read<T>(key: string): Promise<T | undefined> {
    return parse<T>((await this.ledger.readState([key])).get(key));
  }
}

function parse<T>(json: string | undefined): T | undefined {
  return json === undefined ? undefined : (JSON.parse(json) as T);
}

function privateAnswer(reply: FastifyReply): void {
  reply.header('cache-control', PRIVATE_NO_STORE).header('vary', 'Authorization');
}

function rangeOf(request: FastifyRequest): string | null {
  const range = request.headers.range;
  return range === undefined ? null : range.slice(0, MAX_RANGE_LOGGED);
}

/** Query of GET /v1/assets/{id}/access-log; also documents it in the OpenAPI description. */
export const AccessLogQuery = Type.Object(
  {
    cursor: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,15}$', description: 'nextCursor of the previous page' }),
    ),
    limit: Type.Optional(
      Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$', description: 'Page size, 1 to 100 (default 50)' }),
    ),
  },
  { additionalProperties: false },
);

/** GET /v1/assets/{id}/access-log: a graded work's access log, newest first. */
export async function accessLogRoutes(
  app: FastifyInstance,
  options: { ledger: LedgerReads; access: ContentAccess },
): Promise<void> {
  const { ledger, access } = options;
  app.get('/v1/assets/:id/access-log', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!/^[0-9a-f]{64}$/.test(id))
      throw new ProblemError('malformed_asset_id', `${id.slice(0, 80)} is not 64 lower-case hex digits`);
    const json = (await ledger.readState([assetKey(id)])).get(assetKey(id));
    if (json === undefined) throw new ProblemError('asset_not_found', `there is no asset ${id}`);
    const asset = JSON.parse(json) as AssetRecord;
    if (!Value.Check(AccessLogQuery, request.query)) {
      const first = Value.Errors(AccessLogQuery, request.query).First();
      throw new ProblemError(
        'invalid_query',
        `${first?.path.slice(1) || 'query'}: ${first?.message ?? 'malformed'}`,
      );
    }
    await access.checkAccessLogReader(request, reply, asset);
    const query = request.query as { cursor?: string; limit?: string };
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    const rows = await access.readAccessLog(
      id,
      query.cursor === undefined ? undefined : Number(query.cursor),
      limit,
    );
    const last = rows.at(-1);
    return {
      asset: id,
      items: rows.map((r) => ({
        id: r.id,
        time: new Date(r.time).toISOString(),
        did: r.did,
        cid: r.cid,
        target: r.target,
        range: r.range,
        outcome: r.outcome,
        basis: r.basis,
      })),
      nextCursor: rows.length === limit && last ? String(last.id) : null,
    };
  });
}
