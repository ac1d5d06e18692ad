/**
 * Reading circulation: a work's editions, listings and sales, and what an identity holds, licensed,
 * listed and bought, page by page.
 */
import {
  type AssetRecord,
  assetKey,
  type EditionRecord,
  editionKey,
  type ListingRecord,
  MAX_EDITIONS,
  type SaleRecord,
} from '@cinnabar/core';
import { type TObject, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import type { LedgerReads, PartyQuery } from '../storage/log-storage.js';
import { checkAssetId, checkDid, MAX_LISTED, parseJson } from './ledger-routes.js';
import { ProblemError } from './problems.js';

export interface MarketRoutesOptions {
  ledger: LedgerReads;
}

const PAGE_LIMIT = Type.Optional(
  Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$', description: 'Page size, 1 to 100 (default 20)' }),
);
const PARTY_CURSOR = Type.Optional(
  Type.String({ pattern: '^[A-Za-z0-9_-]{1,600}$', description: 'nextCursor of the previous page' }),
);

/** Queries of the per-identity lists; they also document them in the OpenAPI description. */
export const HoldingsQuery = Type.Object(
  { cursor: PARTY_CURSOR, limit: PAGE_LIMIT },
  { additionalProperties: false },
);
export const IdentityLicencesQuery = Type.Object(
  {
    as: Type.Optional(
      Type.Union([Type.Literal('licensee'), Type.Literal('grantor')], {
        description: 'Licences held (default) or granted',
      }),
    ),
    cursor: PARTY_CURSOR,
    limit: PAGE_LIMIT,
  },
  { additionalProperties: false },
);
export const IdentitySalesQuery = Type.Object(
  {
    as: Type.Optional(
      Type.Union([Type.Literal('buyer'), Type.Literal('seller')], {
        description: 'Bought (default) or sold',
      }),
    ),
    cursor: PARTY_CURSOR,
    limit: PAGE_LIMIT,
  },
  { additionalProperties: false },
);
export const EditionsQuery = Type.Object(
  {
    cursor: Type.Optional(
      Type.String({ pattern: `^([1-9][0-9]{0,4})$`, description: 'List editions after this number' }),
    ),
    limit: Type.Optional(
      Type.String({
        pattern: '^([1-9][0-9]{0,2}|1000)$',
        description: 'Page size, 1 to 1,000 (default 100)',
      }),
    ),
  },
  { additionalProperties: false },
);

function checkedQuery<T extends TObject>(schema: T, query: unknown): Record<string, string | undefined> {
  if (!Value.Check(schema, query)) {
    const first = Value.Errors(schema, query).First();
    throw new ProblemError(
      'invalid_query',
      `${first?.path.slice(1) || 'query'}: ${first?.message ?? 'malformed'}`,
    );
  }
  return query as Record<string, string | undefined>;
}

/** The opaque cursor after a record: its index and key, as base64url JSON. */
function encodeCursor(row: { idx: number; key: string }): string {
  return Buffer.from(JSON.stringify([row.idx, row.key])).toString('base64url');
}

function decodeCursor(cursor: string): { idx: number; key: string } {
  try {
    const [idx, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof idx === 'number' &&
      Number.isSafeInteger(idx) &&
      idx >= 0 &&
      typeof key === 'string' &&
      key.length <= 400
    )
      return { idx, key };
  } catch {
    // reported below
  }
  throw new ProblemError('invalid_query', 'cursor: not a cursor this node gave out');
}

/** A page of records from the owner and party index (newest first), for a checked query. */
export async function partyPage<T extends TObject>(
  ledger: LedgerReads,
  rawQuery: unknown,
  schema: T,
  partyQuery: Omit<PartyQuery, 'limit' | 'after'>,
) {
  const query = checkedQuery(schema, rawQuery);
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  const rows = await ledger.queryParty({
    ...partyQuery,
    ...(query.cursor === undefined ? {} : { after: decodeCursor(query.cursor) }),
    limit,
  });
  const last = rows.at(-1);
  return {
    items: rows.map((row) => JSON.parse(row.value) as unknown),
    nextCursor: rows.length === limit && last ? encodeCursor(last) : null,
  };
}

export async function marketRoutes(app: FastifyInstance, options: MarketRoutesOptions): Promise<void> {
  const { ledger } = options;
  const read = async <T>(key: string): Promise<T | undefined> =>
    parseJson<T>((await ledger.readState([key])).get(key));
  const requireAsset = async (id: string): Promise<AssetRecord> => {
    checkAssetId(id);
    const asset = await read<AssetRecord>(assetKey(id));
    if (!asset) throw new ProblemError('asset_not_found', `there is no asset ${id}`);
    return asset;
  };

  /** Records of one kind under an asset, oldest first by log index. */
  const listUnder = async <T>(id: string, segment: string, index: (record: T) => number) => {
    await requireAsset(id);
    const scanned = await ledger.scanState(`${assetKey(id)}/${segment}/`, MAX_LISTED + 1);
    const records = scanned
      .slice(0, MAX_LISTED)
      .map((json) => JSON.parse(json) as T)
      .sort((a, b) => index(a) - index(b));
    return { records, truncated: scanned.length > MAX_LISTED };
  };

  app.get('/v1/assets/:id/editions', async (request) => {
    const { id } = request.params as { id: string };
    const query = checkedQuery(EditionsQuery, request.query);
    const asset = await requireAsset(id);
    const supply = asset.editions?.supply ?? 0;
    const from = query.cursor === undefined ? 1 : Number(query.cursor) + 1;
    const last = Math.min(supply, from - 1 + (query.limit === undefined ? 100 : Number(query.limit)));
    const keys: string[] = [];
    for (let n = from; n <= last; n++) keys.push(editionKey(id, n));
    const found = await ledger.readState(keys);
    const editions = keys.map((key) => JSON.parse(found.get(key)!) as EditionRecord);
    return { asset: id, supply, editions, nextCursor: last < supply ? String(last) : null };
  });

  app.get('/v1/assets/:id/editions/:number', async (request) => {
    const { id, number } = request.params as { id: string; number: string };
    checkAssetId(id);
    const n = /^[1-9][0-9]{0,4}$/.test(number) ? Number(number) : 0;
    const edition = n >= 1 && n <= MAX_EDITIONS ? await read<EditionRecord>(editionKey(id, n)) : undefined;
    if (!edition)
      throw new ProblemError('edition_not_found', `asset ${id} has no edition ${number.slice(0, 20)}`);
    return edition;
  });

  app.get('/v1/assets/:id/listings', async (request) => {
    const { id } = request.params as { id: string };
    const { records, truncated } = await listUnder<ListingRecord>(id, 'listing', (l) => l.listed.index);
    return { asset: id, listings: records, ...(truncated ? { truncated: true } : {}) };
  });

  app.get('/v1/assets/:id/sales', async (request) => {
    const { id } = request.params as { id: string };
    const { records, truncated } = await listUnder<SaleRecord>(id, 'sale', (s) => s.at.index);
    return { asset: id, sales: records, ...(truncated ? { truncated: true } : {}) };
  });

  app.get('/v1/listings', async (request) => {
    return partyPage(ledger, request.query, HoldingsQuery, { kinds: ['listing'] });
  });

  app.get('/v1/identities/:did/holdings', async (request) => {
    const { did } = request.params as { did: string };
    checkDid(did);
    return partyPage(ledger, request.query, HoldingsQuery, { kinds: ['asset', 'edition'], owner: did });
  });

  app.get('/v1/identities/:did/licences', async (request) => {
    const { did } = request.params as { did: string };
    checkDid(did);
    const query = checkedQuery(IdentityLicencesQuery, request.query);
    const side = query.as === 'grantor' ? { party: did } : { owner: did };
    return partyPage(ledger, query, IdentityLicencesQuery, { kinds: ['licence'], ...side });
  });

  // Works and editions offered to the identity, waiting for it to accept (asset.accept).
  app.get('/v1/identities/:did/offers', async (request) => {
    const { did } = request.params as { did: string };
    checkDid(did);
    return partyPage(ledger, request.query, HoldingsQuery, { kinds: ['asset', 'edition'], party: did });
  });

  app.get('/v1/identities/:did/listings', async (request) => {
    const { did } = request.params as { did: string };
    checkDid(did);
    return partyPage(ledger, request.query, HoldingsQuery, { kinds: ['listing'], owner: did });
  });

  app.get('/v1/identities/:did/sales', async (request) => {
    const { did } = request.params as { did: string };
    checkDid(did);
    const query = checkedQuery(IdentitySalesQuery, request.query);
    const side = query.as === 'seller' ? { party: did } : { owner: did };
    return partyPage(ledger, query, IdentitySalesQuery, { kinds: ['sale'], ...side });
  });
}
