import {
  type AssetEventRecord,
  type AssetRecord,
  type AssetRevisionRecord,
  assetKey,
  type CidRecord,
  type CredentialRecord,
  cidKey,
  credentialKey,
  type IdentityRecord,
  identityKey,
  isTransactionId,
  LEDGER_KEY,
  type LedgerRecord,
  type LicenceRecord,
  licenceKey,
  parseCid,
  publicKeyFromDidKey,
  type ValuationRecord,
} from '@cinnabar/core';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import { type AiLabel, aiLabelView } from '../media/ai-label.js';
import type { MediaInspection } from '../media/inspect.js';
import type { LedgerReads } from '../storage/log-storage.js';
import { searchPlaces } from './place-search.js';
import { ProblemError } from './problems.js';

export interface LedgerRoutesOptions {
  ledger: LedgerReads;
  /**
   * The blobs' stored inspections (the blob store), for the AI labels found in an asset's file at
   * upload. Without it, an asset's `aiLabel` shows the declared label with status not-checked.
   */
  inspections?: { getInspection(cid: string): Promise<MediaInspection | undefined> };
}

/** Query of GET /v1/assets; also documents it in the OpenAPI description. */
export const AssetListQuery = Type.Object(
  {
    owner: Type.Optional(
      Type.String({ pattern: '^did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}$', description: "Owner's did:key" }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '^[^\\u0000-\\u001f\\u007f]*$',
        description: 'Words in the title, description or creators',
      }),
    ),
    media: Type.Optional(
      Type.String({
        pattern: '^[a-z]+/([a-z0-9][a-z0-9.+-]*)?$',
        maxLength: 100,
        description: 'Media type, or a prefix such as model/',
      }),
    ),
    cid: Type.Optional(Type.String({ maxLength: 100, description: 'The asset registered for these bytes' })),
    cell: Type.Optional(
      Type.String({
        maxLength: 32,
        pattern: '^[NSns][0-9A-Za-z]{0,31}$',
        description: 'A Beidou grid code: assets whose places lie inside that cell',
      }),
    ),
    bbox: Type.Optional(
      Type.String({
        maxLength: 120,
        pattern: '^[-+0-9.eE]+(,[-+0-9.eE]+){3}$',
        description: 'south,west,north,east in degrees: assets whose places meet the box',
      }),
    ),
    near: Type.Optional(
      Type.String({
        maxLength: 80,
        pattern: '^[-+0-9.eE]+,[-+0-9.eE]+$',
        description: 'lat,lng in degrees: assets whose places come within `radius` metres of the point',
      }),
    ),
    radius: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,7}(\\.[0-9]{1,3})?$',
        description: 'Metres, with near (at most 1,000 km; default 1,000 m)',
      }),
    ),
    at: Type.Optional(
      Type.String({
        pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2}))?$',
        description:
          "With cell, bbox or near: each asset's revision valid on that day (a rebuilt building's twin shows the version of the time), rather than its current one",
      }),
    ),
    cursor: Type.Optional(
      Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$', description: 'nextCursor of the previous page' }),
    ),
    limit: Type.Optional(
      Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$', description: 'Page size, 1 to 100 (default 20)' }),
    ),
  },
  { additionalProperties: false },
);

export function parseJson<T>(json: string | undefined): T | undefined {
  return json === undefined ? undefined : (JSON.parse(json) as T);
}

export function checkAssetId(id: string): void {
  if (!isTransactionId(id))
    throw new ProblemError('malformed_asset_id', `"${id.slice(0, 80)}" is not an asset id`);
}

export function checkDid(did: string): void {
  try {
    publicKeyFromDidKey(did);
  } catch (error) {
    throw new ProblemError('malformed_did', (error as Error).message);
  }
}

/**
 * The AI label (GB 45438-2025) declared for the asset registered with a CID, for the blob routes,
 * which write it into downloads (BlobRoutesOptions.aiLabelOf).
 */
export function declaredAiLabelOf(ledger: LedgerReads): (cid: string) => Promise<AiLabel | undefined> {
  return async (cid) => {
    const registration = parseJson<CidRecord>((await ledger.readState([cidKey(cid)])).get(cidKey(cid)));
    // A sealed description is a JSON document of the work's, not the work: it carries no label.
    if (!registration || registration.part === 'sealed-description') return undefined;
    const key = assetKey(registration.asset);
    return parseJson<AssetRecord>((await ledger.readState([key])).get(key))?.metadata.aiLabel;
  };
}

/** Most events or licences one answer lists (the first ones in key order). */
export const MAX_LISTED = 10_000;

/** The ledger's state for readers: the ledger itself, identities, assets and their history. */

export async function ledgerRoutes(app: FastifyInstance, options: LedgerRoutesOptions): Promise<void> {
  const { ledger } = options;
  const read = async <T>(key: string): Promise<T | undefined> =>
    parseJson<T>((await ledger.readState([key])).get(key));

  /** GB 45438-2025: the declared AI label, the explicit label to show, and what the file holds. */
  const aiLabel = async (asset: AssetRecord) =>
    aiLabelView(asset.metadata.aiLabel, (await options.inspections?.getInspection(asset.cid))?.aiLabel);

  /** An asset as the API shows it: its record, its "possible prior work" marks, its AI label. */
  const assetView = async (asset: AssetRecord) => {
    const marks = await ledger.readMarks(asset.id);
    const others = await ledger.readState(marks.map((m) => assetKey(m.other)));
    return {
      ...asset,
      aiLabel: await aiLabel(asset),
      possiblePriorWork: marks.map((m) => {
        const other = parseJson<AssetRecord>(others.get(assetKey(m.other)));
        return {
          asset: m.other,
          reason: m.reason,
          distance: m.distance,
          // Which of the two came first is what matters to a reader weighing the claim.
          registeredEarlier: other ? other.registered.index < asset.registered.index : false,
          ...(other ? { title: other.metadata.title, owner: other.owner } : {}),
        };
      }),
    };
  };

  app.get('/v1/ledger', async () => {
    const record = await read<LedgerRecord>(LEDGER_KEY);
    if (!record) throw new ProblemError('no_genesis', 'the ledger has no genesis transaction yet');
    return record;
  });

  app.get('/v1/identities/:did', async (request) => {
    const { did } = request.params as { did: string };
    checkDid(did);
    const identity = await read<IdentityRecord>(identityKey(did));
    if (!identity) throw new ProblemError('identity_not_found', `${did} is not registered`);
    const operator = (await read<LedgerRecord>(LEDGER_KEY))?.operator;
    return { ...identity, isOperator: did === operator };
  });

  app.get('/v1/credentials/:id', async (request) => {
    const { id } = request.params as { id: string };
    const credential = /^urn:uuid:[0-9a-f-]{36}$/.test(id)
      ? await read<CredentialRecord>(credentialKey(id))
      : undefined;
    if (!credential) throw new ProblemError('credential_not_found', `no credential ${id.slice(0, 80)}`);
    return credential;
  });

  app.get('/v1/assets/:id', async (request) => {
    const { id } = request.params as { id: string };
    checkAssetId(id);
    const asset = await read<AssetRecord>(assetKey(id));
    if (!asset) throw new ProblemError('asset_not_found', `there is no asset ${id}`);
    return assetView(asset);
  });

  app.get('/v1/assets/:id/revisions', async (request) => {
    const { id } = request.params as { id: string };
    checkAssetId(id);
    const revisions = (await ledger.scanState(`${assetKey(id)}/revision/`, 1000)).map(
      (json) => JSON.parse(json) as AssetRevisionRecord,
    );
    if (revisions.length === 0) throw new ProblemError('asset_not_found', `there is no asset ${id}`);
    return { asset: id, revisions };
  });

  app.get('/v1/assets/:id/history', async (request) => {
    const { id } = request.params as { id: string };
    checkAssetId(id);
    const asset = await read<AssetRecord>(assetKey(id));
    if (!asset) throw new ProblemError('asset_not_found', `there is no asset ${id}`);
    const scanned = await ledger.scanState(`${assetKey(id)}/event/`, MAX_LISTED + 1);
    const events = scanned.slice(0, MAX_LISTED).map((json) => JSON.parse(json) as AssetEventRecord);
    const registered = { ...asset.registered, by: asset.registrant };
    return { asset: id, registered, events, ...(scanned.length > MAX_LISTED ? { truncated: true } : {}) };
  });

  app.get('/v1/assets/:id/licences', async (request) => {
    const { id } = request.params as { id: string };
    checkAssetId(id);
    if (!(await read<AssetRecord>(assetKey(id))))
      throw new ProblemError('asset_not_found', `there is no asset ${id}`);
    const scanned = await ledger.scanState(`${assetKey(id)}/licence/`, MAX_LISTED + 1);
    const licences = scanned.slice(0, MAX_LISTED).map((json) => JSON.parse(json) as LicenceRecord);
    return { asset: id, licences, ...(scanned.length > MAX_LISTED ? { truncated: true } : {}) };
  });

  app.get('/v1/assets/:id/valuations', async (request) => {
    const { id } = request.params as { id: string };
    checkAssetId(id);
    if (!(await read<AssetRecord>(assetKey(id))))
      throw new ProblemError('asset_not_found', `there is no asset ${id}`);
    const scanned = await ledger.scanState(`${assetKey(id)}/valuation/`, MAX_LISTED + 1);
    const valuations = scanned
      .slice(0, MAX_LISTED)
      .map((json) => JSON.parse(json) as ValuationRecord)
      .sort((a, b) => a.at.index - b.at.index);
    return { asset: id, valuations, ...(scanned.length > MAX_LISTED ? { truncated: true } : {}) };
  });

  app.get('/v1/assets/:id/licences/:licence', async (request) => {
    const { id, licence: licenceId } = request.params as { id: string; licence: string };
    checkAssetId(id);
    const licence = /^[0-9a-f]{64}$/.test(licenceId)
      ? await read<LicenceRecord>(licenceKey(id, licenceId))
      : undefined;
    if (!licence)
      throw new ProblemError('licence_not_found', `asset ${id} has no licence ${licenceId.slice(0, 80)}`);
    return licence;
  });

  app.get('/v1/assets', async (request) => {
    const query = request.query as Record<string, unknown>;
    if (!Value.Check(AssetListQuery, query)) {
      const first = Value.Errors(AssetListQuery, query).First();
      throw new ProblemError(
        'invalid_query',
        `${first?.path.slice(1) || 'query'}: ${first?.message ?? 'malformed'}`,
      );
    }
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    if (query.cid !== undefined) {
      try {
        parseCid(query.cid);
      } catch (error) {
        throw new ProblemError('malformed_cid', (error as Error).message);
      }
      const registration = await read<CidRecord>(cidKey(query.cid));
      const asset = registration && (await read<AssetRecord>(assetKey(registration.asset)));
      return { items: asset ? [await assetView(asset)] : [], nextCursor: null };
    }
    if ([query.cell, query.bbox, query.near, query.radius, query.at].some((v) => v !== undefined)) {
      if (query.owner !== undefined || query.q !== undefined || query.media !== undefined)
        throw new ProblemError(
          'invalid_query',
          'cell, bbox and near do not combine with owner, q or media yet',
        );
      return searchPlaces(ledger, query, limit);
    }
    const rows = await ledger.queryAssets({
      ...(query.owner === undefined ? {} : { owner: query.owner }),
      ...(query.q === undefined ? {} : { q: query.q }),
      ...(query.media === undefined ? {} : { media: query.media }),
      ...(query.cursor === undefined ? {} : { before: Number(query.cursor) }),
      limit,
    });
    const items = await Promise.all(
      rows.map(async (json) => {
        const asset = JSON.parse(json) as AssetRecord;
        return { ...asset, aiLabel: await aiLabel(asset) };
      }),
    );
    const last = items.at(-1);
    return { items, nextCursor: items.length === limit && last ? String(last.registered.index) : null };
  });
}
