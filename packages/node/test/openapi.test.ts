// The OpenAPI 3.1 description (openapi.ts) and its HTML rendering (docs-routes.ts): valid OpenAPI,
// the same routes as Fastify registers (both ways), the very body schemas the ledger's rules
// validate with, only catalogued problem codes, and real responses that match what it documents.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type AssetEventRecord,
  type AssetRecord,
  type AssetRevisionRecord,
  BODY_SCHEMAS,
  type CredentialRecord,
  cidFromBytes,
  type DisputeRecord,
  decodeTransaction,
  didFromSeed,
  type EditionRecord,
  encodeTransaction,
  type FreezeRecord,
  formatTileIndex,
  type IdentityRecord,
  type LedgerRecord,
  type LicenceRecord,
  type ListingRecord,
  type LogRef,
  parseTilePath,
  REJECTION_CODES,
  type Receipt,
  type SaleRecord,
  type SpaceRecord,
  signTransaction,
  signUploadAuthorization,
  type TakedownRecord,
  type TransactionType,
} from '@cinnabar/core';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { PNG } from 'pngjs';
import type { BlobStore } from '../src/blobs/blob-store.js';
import {
  API_SCHEMAS,
  type AssetEventRecordSchema,
  type AssetRecordSchema,
  type AssetRevisionRecordSchema,
  type CredentialRecordSchema,
  type DisputeRecordSchema,
  type EditionRecordSchema,
  type FreezeRecordSchema,
  type IdentityRecordSchema,
  type LedgerRecordSchema,
  type LicenceRecordSchema,
  type ListingRecordSchema,
  type LogRefSchema,
  type MediaInspectionSchema,
  type ReceiptSchema,
  type SaleRecordSchema,
  type SpaceRecordSchema,
  type TakedownRecordSchema,
  TILE_PATH_PATTERN,
  type TxAcceptedSchema,
  transactionEnvelopeSchema,
} from '../src/http/api-schemas.js';
import { buildApp } from '../src/http/app.js';
import { DOCS_CONTENT_SECURITY_POLICY, escapeHtml, renderDocsHtml } from '../src/http/docs-routes.js';
import { AssetListQuery } from '../src/http/ledger-routes.js';
import type { LogReader } from '../src/http/log-reader.js';
import {
  bodySchemaName,
  createOpenApiDocument,
  type JsonObject,
  type OpenApiDocument,
  PROBLEM_MEDIA_TYPE,
  transactionSchemaName,
} from '../src/http/openapi.js';
import { PROBLEMS } from '../src/http/problems.js';
import type { TxAccepted } from '../src/http/tx-routes.js';
import { type MediaInspection, type RunningNode, startNode } from '../src/index.js';
import type { LedgerReads } from '../src/storage/log-storage.js';
import { launchChromium, watchPageProblems } from './support/chromium.js';

// ---------------------------------------------------------------------------------------------
// The records' TypeScript types and the documented schemas' static types are the same (tsc checks
// this; the test below only keeps the tuple used).

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const TYPES_MATCH: [
  Same<Static<typeof LogRefSchema>, LogRef>,
  Same<Static<typeof LedgerRecordSchema>, LedgerRecord>,
  Same<Static<typeof IdentityRecordSchema>, IdentityRecord>,
  Same<Static<typeof CredentialRecordSchema>, CredentialRecord>,
  Same<Static<typeof AssetRecordSchema>, AssetRecord>,
  Same<Static<typeof AssetRevisionRecordSchema>, AssetRevisionRecord>,
  Same<Static<typeof LicenceRecordSchema>, LicenceRecord>,
  Same<Static<typeof EditionRecordSchema>, EditionRecord>,
  Same<Static<typeof ListingRecordSchema>, ListingRecord>,
  Same<Static<typeof SaleRecordSchema>, SaleRecord>,
  Same<Static<typeof AssetEventRecordSchema>, AssetEventRecord>,
  Same<Static<typeof FreezeRecordSchema>, FreezeRecord>,
  Same<Static<typeof TakedownRecordSchema>, TakedownRecord>,
  Same<Static<typeof DisputeRecordSchema>, DisputeRecord>,
  Same<Static<typeof SpaceRecordSchema>, SpaceRecord>,
  Same<Static<typeof ReceiptSchema>, Receipt>,
  // TxAccepted's possiblePriorWork[].reason is a string, the schema names the two reasons (MarkRow's).
  Static<typeof TxAcceptedSchema> extends TxAccepted ? true : false,
  // Vec3 is a tuple in the type, an array of three in the schema (no 2020-12 tuples in TypeBox).
  MediaInspection extends Static<typeof MediaInspectionSchema> ? true : false,
] = [
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
];

const METHODS = ['get', 'head', 'post', 'put', 'delete', 'patch', 'options', 'trace'];
const TYPES = Object.keys(BODY_SCHEMAS) as TransactionType[];
const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const obj = (value: unknown): JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};

// ---------------------------------------------------------------------------------------------
// Routes, as Fastify registers them and as the document names them

/** buildApp with dependencies that registering routes never calls: only the routes matter. */
function routeOnlyApp(ledger: boolean): FastifyInstance {
  const unused = <T>() => ({}) as T;
  return buildApp({
    reader: unused<LogReader>(),
    vkey: 'unused',
    appendToken: 'unused',
    append: async () => 0,
    ...(ledger
      ? {
          ledger: {
            tx: {
              submit: () => Promise.reject(new Error('unused')),
              blobFacts: async () => undefined,
              readBlob: async () => undefined,
              maxClockSkewMs: 1,
            },
            reads: unused<LedgerReads>(),
            blobs: { blobs: unused<BlobStore>(), maxBytes: 1, isRegisteredIdentity: () => false },
            issuerSeed: new Uint8Array(32),
          },
        }
      : {}),
  });
}

/**
 * "METHOD /openapi/{path}" of every route Fastify registers, except the HEAD routes it derives
 * from GET routes (the document says once that every GET answers HEAD).
 */
async function registeredRoutes(app: FastifyInstance): Promise<string[]> {
  const seen: { method: string; url: string; exposeHead: boolean }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      seen.push({ method, url: route.url, exposeHead: route.exposeHeadRoute !== false });
  });
  await app.ready();
  const derivedHead = (r: (typeof seen)[number]) =>
    r.method === 'HEAD' && seen.some((g) => g.method === 'GET' && g.url === r.url && g.exposeHead);
  return seen
    .filter((r) => !derivedHead(r))
    .map((r) => `${r.method} ${openApiPath(r.url)}`)
    .sort();
}

/** Fastify's `:name` is OpenAPI's `{name}`; the one wildcard route is the tile path. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{tilePath}');
}

function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();
}

function routeDifferences(registered: string[], documented: string[]): string[] {
  return [
    ...registered.filter((r) => !documented.includes(r)).map((r) => `not documented: ${r}`),
    ...documented.filter((r) => !registered.includes(r)).map((r) => `not served: ${r}`),
  ];
}

// ---------------------------------------------------------------------------------------------
// Walking the document

/** Every `code` enum in the document (the Problem schema's and each error response's). */
function problemCodesIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) problemCodesIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'properties' && Array.isArray(obj(obj(child).code).enum))
        found.push(...(obj(obj(child).code).enum as unknown[]).map(String));
      problemCodesIn(child, found);
    }
  }
  return found;
}

/** Codes the catalogue does not know, and codes under a status that is not theirs. */
function problemResponseIssues(doc: OpenApiDocument): string[] {
  const issues = problemCodesIn(doc)
    .filter((code) => !Object.hasOwn(PROBLEMS, code))
    .map((code) => `unknown code ${code}`);
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      for (const [status, response] of Object.entries(obj(op.responses))) {
        const schema = obj(obj(obj(obj(response).content)[PROBLEM_MEDIA_TYPE]).schema);
        for (const code of problemCodesIn(schema).filter((c) => Object.hasOwn(PROBLEMS, c)))
          if (String(PROBLEMS[code as keyof typeof PROBLEMS].status) !== status)
            issues.push(`${method} ${path}: ${code} under ${status}`);
      }
    }
  return issues;
}

function allRefs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) allRefs(item, found);
  else if (typeof value === 'object' && value !== null)
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.push(child);
      else allRefs(child, found);
    }
  return found;
}

function resolve(doc: OpenApiDocument, schema: unknown): JsonObject {
  const ref = obj(schema).$ref;
  if (typeof ref !== 'string') return obj(schema);
  return obj(doc.components?.schemas?.[ref.replace('#/components/schemas/', '')]);
}

/** Fields in `value` that `schema` does not name (responses are open, so Value.Check allows them). */
function undocumentedFields(doc: OpenApiDocument, schema: unknown, value: unknown, at = ''): string[] {
  const s = resolve(doc, schema);
  const variants = [...((s.anyOf as unknown[]) ?? []), ...((s.oneOf as unknown[]) ?? [])];
  if (variants.length > 0) {
    const each = variants.map((v) => undocumentedFields(doc, v, value, at));
    return each.find((issues) => issues.length === 0) ?? each[0] ?? [];
  }
  if (Array.isArray(value))
    return value.flatMap((item, i) =>
      s.items && !Array.isArray(s.items) ? undocumentedFields(doc, s.items, item, `${at}[${i}]`) : [],
    );
  if (typeof value !== 'object' || value === null || !s.properties) return [];
  const properties = obj(s.properties);
  return Object.entries(value).flatMap(([key, child]) =>
    key in properties ? undocumentedFields(doc, properties[key], child, `${at}.${key}`) : [`${at}.${key}`],
  );
}

/** The documented operation for a request, by its path template. */
function operationFor(doc: OpenApiDocument, method: string, url: string): JsonObject | undefined {
  const path = url.split('?')[0]!;
  for (const [template, item] of Object.entries(doc.paths)) {
    const pattern = template
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace('{tilePath}', '.+')
      .replace(/\{[^}]+\}/g, '[^/]+');
    if (new RegExp(`^${pattern}$`).test(path)) return item[method.toLowerCase()];
  }
  return undefined;
}

/** What is wrong with a real response, measured against the document. */
function responseIssues(doc: OpenApiDocument, method: string, url: string, res: LightMyRequestResponse) {
  const op = operationFor(doc, method, url);
  if (!op) return [`${method} ${url} is not documented`];
  const response = obj(obj(op.responses)[String(res.statusCode)]);
  if (Object.keys(response).length === 0)
    return [`${method} ${url}: status ${res.statusCode} not documented`];
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!;
  if (method === 'HEAD' || res.statusCode === 304 || res.body === '') return [];
  const content = obj(response.content);
  const media = Object.keys(content).find((m) => m.split(';')[0] === type || m === '*/*');
  if (!media) return [`${method} ${url}: ${type} not documented for ${res.statusCode}`];
  const schema = obj(content[media]).schema;
  if (type === PROBLEM_MEDIA_TYPE) {
    const body = res.json() as { code: string; status: number };
    const codes = problemCodesIn(schema);
    return codes.includes(body.code) && body.status === res.statusCode
      ? []
      : [`${method} ${url}: ${body.code} is not documented under ${res.statusCode}`];
  }
  if (type !== 'application/json') return [];
  const body = res.json() as unknown;
  const name = String(obj(schema).$ref ?? '').replace('#/components/schemas/', '');
  const issues = undocumentedFields(doc, schema, body).map((f) => `${method} ${url}: undocumented ${f}`);
  if (name in API_SCHEMAS) {
    const typebox = API_SCHEMAS[name as keyof typeof API_SCHEMAS] as TSchema;
    for (const error of Value.Errors(typebox, body))
      issues.push(`${method} ${url}: ${name}${error.path}: ${error.message}`);
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI 3.1 validator: another implementation's reading of the specification's schema.

async function openApiValidator(): Promise<Validator> {
  return new Validator();
}

// ---------------------------------------------------------------------------------------------

describe('OpenAPI document', () => {
  const doc = createOpenApiDocument();
  const logOnly = createOpenApiDocument({ ledger: false });

  test('the records and the documented schemas have the same types', () => {
    assert.ok(TYPES_MATCH.every(Boolean));
  });

  test('is valid OpenAPI 3.1, with and without the ledger (and the validator catches a broken one)', async () => {
    for (const document of [doc, logOnly]) {
      const validator = await openApiValidator();
      const result = await validator.validate(structuredClone(document) as unknown as JsonObject);
      assert.equal(validator.version, '3.1');
      assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
    }
    const broken = structuredClone(doc);
    (broken.paths['/v1/ledger']!.get!.parameters as unknown) = [{ name: 'x', in: 'body' }];
    assert.equal((await (await openApiValidator()).validate(broken as unknown as JsonObject)).valid, false);
  });

  test('its frame: 3.1.0, JSON Schema 2020-12, version of the node package, relative server', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.jsonSchemaDialect, 'https://json-schema.org/draft/2020-12/schema');
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    assert.equal(doc.info.title, 'Cinnabar');
    assert.equal(doc.info.version, pkg.version);
    assert.ok((doc.info.description ?? '').length > 50);
    assert.deepEqual(
      doc.servers?.map((s) => s.url),
      ['/'],
    );
  });

  test('structure: refs resolve, path parameters match templates, ids unique, tags declared', () => {
    for (const document of [doc, logOnly]) {
      const schemas = document.components?.schemas ?? {};
      for (const ref of allRefs(document)) {
        assert.match(ref, /^#\/components\/schemas\//);
        assert.ok(schemas[ref.slice('#/components/schemas/'.length)], `${ref} does not resolve`);
      }
      const ids = new Set<string>();
      const tags = new Set(document.tags?.map((t) => t.name));
      const schemes = Object.keys(document.components?.securitySchemes ?? {});
      for (const [path, item] of Object.entries(document.paths)) {
        const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
        for (const [method, op] of Object.entries(item)) {
          const where = `${method} ${path}`;
          const id = String(op.operationId);
          assert.ok(!ids.has(id), `${where}: operationId ${id} twice`);
          ids.add(id);
          const params = (op.parameters ?? []) as JsonObject[];
          const inPath = params.filter((p) => p.in === 'path');
          assert.deepEqual(inPath.map((p) => p.name).sort(), templated, where);
          for (const p of inPath) assert.equal(p.required, true, where);
          for (const tag of op.tags as string[]) assert.ok(tags.has(tag), `${where}: tag ${tag}`);
          for (const requirement of (op.security ?? []) as JsonObject[])
            for (const scheme of Object.keys(requirement)) assert.ok(schemes.includes(scheme), where);
          const statuses = Object.keys(obj(op.responses));
          assert.ok(
            statuses.some((s) => /^2/.test(s)),
            `${where}: no success response`,
          );
          assert.ok(statuses.includes('500'), `${where}: no 500`);
        }
      }
    }
  });

  test('documents exactly the routes Fastify registers, with and without the ledger', async () => {
    for (const [ledger, document] of [
      [true, doc],
      [false, logOnly],
    ] as const) {
      const app = routeOnlyApp(ledger);
      const registered = await registeredRoutes(app);
      await app.close();
      assert.ok(registered.length >= (ledger ? 19 : 8), registered.join('\n'));
      assert.deepEqual(routeDifferences(registered, documentedRoutes(document)), []);
    }
    // The comparison sees a route missing either way.
    const fewer = structuredClone(doc);
    delete fewer.paths['/v1/assets/{id}/revisions'];
    const app = routeOnlyApp(true);
    const registered = await registeredRoutes(app);
    await app.close();
    assert.deepEqual(routeDifferences(registered, documentedRoutes(fewer)), [
      'not documented: GET /v1/assets/{id}/revisions',
    ]);
    assert.deepEqual(routeDifferences(registered, [...documentedRoutes(doc), 'DELETE /v1/tx'].sort()), [
      'not served: DELETE /v1/tx',
    ]);
  });

  test('POST /v1/tx documents every code the ledger rules refuse with', () => {
    const documented = problemCodesIn(doc.paths['/v1/tx']?.post?.responses);
    assert.deepEqual(
      REJECTION_CODES.filter((code) => !documented.includes(code)),
      [],
    );
  });

  test('POST /v1/tx: one envelope per transaction type, whose body is the BODY_SCHEMAS schema itself', () => {
    const schemas = doc.components?.schemas ?? {};
    const requestBody = obj(doc.paths['/v1/tx']?.post?.requestBody);
    const content = obj(requestBody.content);
    assert.deepEqual(Object.keys(content).sort(), ['application/cinnabar-tx+json', 'application/json']);
    for (const media of Object.values(content)) {
      const schema = obj(obj(media).schema);
      assert.deepEqual(
        (schema.oneOf as JsonObject[]).map((r) => r.$ref),
        TYPES.map((type) => `#/components/schemas/${transactionSchemaName(type)}`),
      );
      assert.equal(obj(schema.discriminator).propertyName, 'type');
    }
    assert.equal(TYPES.length, 27);
    for (const type of TYPES) {
      const body = schemas[bodySchemaName(type)];
      // The same schema the rules validate with, symbol keys dropped.
      assert.deepEqual(body, json(BODY_SCHEMAS[type]), type);
      assert.equal(Object.getOwnPropertySymbols(body).length, 0);
      const envelope = obj(schemas[transactionSchemaName(type)]);
      const properties = obj(envelope.properties);
      assert.deepEqual(properties.body, { $ref: `#/components/schemas/${bodySchemaName(type)}` });
      assert.deepEqual(obj(properties.type).const, type);
      assert.deepEqual(
        { ...properties, body: json(BODY_SCHEMAS[type]) },
        obj(json(transactionEnvelopeSchema(type))).properties,
      );
      assert.deepEqual(envelope.required, ['v', 'type', 'actor', 'seq', 'time', 'body', 'sig']);
    }
  });

  test('every problem code is in PROBLEMS, under its own status; the Problem schema lists them all', () => {
    assert.deepEqual(problemResponseIssues(doc), []);
    assert.deepEqual(problemResponseIssues(logOnly), []);
    const problem = obj(doc.components?.schemas?.Problem);
    assert.deepEqual(obj(obj(problem.properties).code).enum, Object.keys(PROBLEMS));
    // Each route names its own codes, not the whole catalogue.
    const codesOf = (path: string, method: string) =>
      problemCodesIn(obj(doc.paths[path]?.[method]).responses);
    assert.deepEqual(codesOf('/v1/ledger', 'get').sort(), ['internal_error', 'no_genesis']);
    assert.ok(codesOf('/v1/tx', 'post').includes('rights_conflict'));
    assert.ok(codesOf('/v1/blobs', 'put').includes('malformed_media'));
    assert.ok(!codesOf('/v1/blobs', 'put').includes('rights_conflict'));
    // And the check sees a code that does not exist, or one under another status.
    const bad = structuredClone(doc);
    const response = obj(obj(bad.paths['/v1/ledger']?.get?.responses)['409']);
    const schema = obj(obj(obj(response.content)[PROBLEM_MEDIA_TYPE]).schema);
    obj(schema.properties).code = { enum: ['no_genesis', 'no_such_code', 'asset_not_found'] };
    assert.deepEqual(problemResponseIssues(bad), [
      'unknown code no_such_code',
      'get /v1/ledger: asset_not_found under 409',
    ]);
  });

  test('GET /v1/assets: its query parameters are AssetListQuery’s properties', () => {
    const parameters = (doc.paths['/v1/assets']?.get?.parameters ?? []) as JsonObject[];
    assert.deepEqual(
      parameters.map((p) => [p.name, p.in, p.required, p.schema]),
      Object.entries(AssetListQuery.properties).map(([name, schema]) => [name, 'query', false, json(schema)]),
    );
    for (const p of parameters) assert.equal(p.description, obj(p.schema).description);
  });

  test('the tile path pattern agrees with parseTilePath', () => {
    const pattern = new RegExp(TILE_PATH_PATTERN);
    const parses = (rest: string) => {
      try {
        parseTilePath(`tile/${rest}`);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.constant('entries'), fc.integer({ min: 0, max: 63 }).map(String)),
        fc.maxSafeNat(),
        fc.option(fc.integer({ min: 1, max: 255 })),
        (level, index, width) => {
          const rest = `${level}/${formatTileIndex(index)}${width === null ? '' : `.p/${width}`}`;
          return pattern.test(rest) && parses(rest);
        },
      ),
    );
    const near = fc
      .array(fc.constantFrom(...'0123456789xp./entries'.split(''), '00', 'x0', '/x', '.p/'), {
        maxLength: 24,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(near, (rest) => {
        // Only an index above 2^53 - 1 is beyond a regular expression's reach.
        if (pattern.test(rest) && !parses(rest)) return /(x[0-9]{3}\/){5}/.test(rest);
        return pattern.test(rest) === parses(rest);
      }),
      { numRuns: 2000 },
    );
    for (const bad of [
      '64/000',
      '0/x000/001',
      '0/01',
      '0/000.p/256',
      '0/000.p/0',
      'entries/000.p/',
      '0/x001',
    ])
      assert.ok(!pattern.test(bad) && !parses(bad), bad);
  });
});

// ---------------------------------------------------------------------------------------------

describe('OpenAPI document against a running node', () => {
  let dir: string;
  let node: RunningNode;
  const doc = createOpenApiDocument();
  const seed = new Uint8Array(32).fill(7);
  const actor = didFromSeed(seed);
  let seq = 0;
  let png: Uint8Array;
  let cid: string;
  let asset: string;
  const exchanges: { method: string; url: string; res: LightMyRequestResponse }[] = [];

  async function request(
    method: 'GET' | 'HEAD' | 'POST' | 'PUT',
    url: string,
    options: { headers?: Record<string, string>; payload?: string | Buffer } = {},
  ) {
    const res = await node.app.inject({ method, url, ...options });
    exchanges.push({ method, url, res });
    return res;
  }

  function submit(type: TransactionType, body: JsonObject) {
    seq += 1;
    const tx = signTransaction(
      { v: 1, type, actor, seq, time: new Date().toISOString(), body: body as never },
      seed,
    );
    return request('POST', '/v1/tx', {
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from(encodeTransaction(tx)),
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-openapi-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0, origin: 'openapi.test/log' });

    const registered = await submit('identity.register', { kind: 'person', name: 'Ada' });
    assert.equal(registered.statusCode, 201, registered.body);

    const image = new PNG({ width: 16, height: 16 });
    for (let p = 0; p < image.data.length; p += 4) image.data.set([p % 251, (p * 7) % 253, 90, 255], p);
    png = new Uint8Array(PNG.sync.write(image));
    cid = cidFromBytes(png);
    const upload = () =>
      request('PUT', '/v1/blobs', {
        headers: {
          authorization: signUploadAuthorization({ did: actor, seed, cid, size: png.length }),
          'content-type': 'image/png',
        },
        payload: Buffer.from(png),
      });
    assert.equal((await upload()).statusCode, 201);
    assert.equal((await upload()).statusCode, 200);

    const registration = await submit('asset.register', {
      cid,
      size: png.length,
      mediaType: 'image/png',
      title: 'A test pattern',
      creators: [{ name: 'Ada' }],
      licence: 'CC-BY-4.0',
      grade: 'general',
    });
    assert.equal(registration.statusCode, 201, registration.body);
    asset = (registration.json() as TxAccepted).subject.asset!;
  });
  after(async () => {
    await node?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the node registers the same routes as the app the route test inspects', async () => {
    const app = routeOnlyApp(true);
    await app.ready();
    assert.equal(node.app.printRoutes(), app.printRoutes());
    await app.close();
  });

  test('logged transactions are documented envelopes', async () => {
    const entries = await node.storage.readEntries(0, 3);
    assert.deepEqual(
      entries.map((e) => decodeTransaction(e).type),
      ['ledger.genesis', 'identity.register', 'asset.register'],
    );
    for (const entry of entries) {
      const tx = decodeTransaction(entry);
      const envelope = transactionEnvelopeSchema(tx.type as TransactionType);
      assert.ok(Value.Check(envelope, tx), [...Value.Errors(envelope, tx)].map((e) => e.message).join());
    }
  });

  test('real responses, successes and errors, match what the document says', async () => {
    const licence = await submit('licence.grant', {
      asset,
      licensee: node.operator,
      terms: {
        uses: ['display'],
        territory: ['CN'],
        start: '2026-01-01',
        exclusive: false,
        sublicensable: false,
        royaltyBasisPoints: 0,
        legalTextHash: 'ab'.repeat(32),
      },
    });
    assert.equal(licence.statusCode, 201, licence.body);
    const licenceId = (licence.json() as { txId: string }).txId;
    assert.equal((await submit('edition.issue', { asset, supply: 3 })).statusCode, 201);
    const listed = await submit('listing.create', { asset, edition: 1, price: '88.00' });
    assert.equal(listed.statusCode, 201, listed.body);
    const listing = (listed.json() as { txId: string }).txId;
    const sale = {
      asset,
      edition: 1,
      listing,
      buyer: node.operator,
      price: '88',
      paymentHash: 'cd'.repeat(32),
    };
    assert.equal((await submit('sale.settle', sale)).statusCode, 201);
    assert.equal((await submit('sale.settle', sale)).statusCode, 409);
    seq -= 1; // refused: its sequence number is still the next one
    // The operator freezes edition 2 (on the record, with its grounds).
    const operatorFreeze = signTransaction(
      {
        v: 1,
        type: 'supervision.freeze',
        actor: node.operator,
        seq: (await node.app.inject(`/v1/identities/${node.operator}`)).json().seq + 1,
        time: new Date().toISOString(),
        body: {
          target: { asset, edition: 2 },
          grounds: { category: 'investigation', text: 'A test freeze.' },
        },
      },
      node.operatorKey.seed,
    );
    const frozen = await request('POST', '/v1/tx', {
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from(encodeTransaction(operatorFreeze)),
    });
    assert.equal(frozen.statusCode, 201, frozen.body);
    const freezeId = (frozen.json() as { txId: string }).txId;
    const refused = await submit('listing.create', { asset, edition: 2, price: '1' });
    assert.equal(refused.statusCode, 423, refused.body);
    seq -= 1;
    const size = (await node.storage.readEntries(0, 10)).length;
    const other = `bafkrei${'a'.repeat(52)}`;
    const unknownDid = didFromSeed(new Uint8Array(32).fill(9));
    const requests: [method: 'GET' | 'HEAD' | 'POST' | 'PUT', url: string, status: number][] = [
      ['GET', '/log/checkpoint', 200],
      ['GET', '/log/vkey', 200],
      ['GET', `/log/tile/0/000.p/${size}`, 200],
      ['GET', `/log/tile/entries/000.p/${size}`, 200],
      ['GET', '/log/tile/0/001', 404],
      ['GET', '/log/tile/64/000', 400],
      ['POST', '/v1/log/entries', 401],
      ['GET', '/v1/stats', 200],
      ['GET', '/v1/entries/0', 200],
      ['GET', '/v1/entries/999', 404],
      ['GET', '/v1/entries/01', 400],
      ['GET', '/v1/proofs/inclusion?index=0&size=2', 200],
      ['GET', '/v1/proofs/inclusion?index=2&size=2', 400],
      ['GET', '/v1/proofs/consistency?from=1&to=3', 200],
      ['GET', '/v1/proofs/consistency?from=0&to=1', 400],
      ['GET', `/v1/blobs/${cid}`, 200],
      ['HEAD', `/v1/blobs/${cid}`, 200],
      ['GET', `/v1/blobs/${cid}/inspection`, 200],
      ['GET', `/v1/blobs/${other}`, 404],
      ['GET', '/v1/blobs/QmNotACid', 400],
      ['GET', `/v1/blobs/${other}/inspection`, 404],
      ['GET', '/v1/ledger', 200],
      ['GET', `/v1/identities/${actor}`, 200],
      ['GET', `/v1/identities/${node.operator}`, 200],
      ['GET', `/v1/identities/${unknownDid}`, 404],
      ['GET', '/v1/identities/did:key:nope', 400],
      ['GET', '/v1/credentials/urn:uuid:00000000-0000-4000-8000-000000000000', 404],
      ['GET', '/v1/assets', 200],
      ['GET', `/v1/assets?owner=${actor}&limit=1`, 200],
      ['GET', `/v1/assets?cid=${cid}`, 200],
      ['GET', `/v1/assets?cid=${other.slice(0, -1)}`, 400],
      ['GET', '/v1/assets?limit=0', 400],
      ['GET', `/v1/assets/${asset}`, 200],
      ['GET', `/v1/assets/${asset}/revisions`, 200],
      ['GET', `/v1/assets/${asset}/history`, 200],
      ['GET', `/v1/assets/${asset}/licences`, 200],
      ['GET', `/v1/assets/${asset}/valuations`, 200],
      ['GET', '/v1/assets/xyz/valuations', 400],
      ['GET', '/v1/assets/xyz/licences', 400],
      ['GET', `/v1/assets/${'0'.repeat(64)}/licences`, 404],
      ['GET', `/v1/assets/${asset}/licences/${licenceId}`, 200],
      ['GET', `/v1/assets/${asset}/editions`, 200],
      ['GET', `/v1/assets/${asset}/editions?cursor=1&limit=1`, 200],
      ['GET', `/v1/assets/${asset}/editions?limit=0`, 400],
      ['GET', `/v1/assets/${asset}/editions/1`, 200],
      ['GET', `/v1/assets/${asset}/editions/4`, 404],
      ['GET', `/v1/assets/${asset}/listings`, 200],
      ['GET', `/v1/assets/${asset}/sales`, 200],
      ['GET', `/v1/assets/${'0'.repeat(64)}/sales`, 404],
      ['GET', '/v1/listings?limit=1', 200],
      ['GET', '/v1/listings?cursor=!', 400],
      ['GET', '/v1/listings?cursor=e30', 400],
      ['GET', `/v1/identities/${actor}/holdings?limit=2`, 200],
      ['GET', `/v1/identities/${node.operator}/holdings`, 200],
      ['GET', `/v1/identities/${node.operator}/licences`, 200],
      ['GET', `/v1/identities/${actor}/licences?as=grantor`, 200],
      ['GET', `/v1/identities/${actor}/licences?as=owner`, 400],
      ['GET', `/v1/identities/${actor}/listings`, 200],
      ['GET', `/v1/identities/${actor}/sales?as=seller`, 200],
      ['GET', `/v1/identities/${node.operator}/sales`, 200],
      ['GET', '/v1/identities/did:key:nope/holdings', 400],
      ['GET', '/v1/supervision/freezes', 200],
      ['GET', `/v1/supervision/freezes/${freezeId}`, 200],
      ['GET', `/v1/supervision/freezes/${'0'.repeat(64)}`, 404],
      ['GET', '/v1/supervision/freezes?limit=x', 400],
      ['GET', `/v1/assets/${asset}/certificate?holder=${actor}`, 200],
      ['GET', `/v1/assets/${asset}/certificate?holder=${node.operator}&edition=1&format=pdf`, 200],
      ['GET', `/v1/assets/${asset}/certificate?holder=${actor}&edition=2&format=png`, 200],
      ['GET', `/v1/assets/${asset}/certificate?holder=${node.operator}&licence=${licenceId}`, 200],
      ['GET', `/v1/assets/${asset}/certificate?holder=${node.operator}`, 404],
      ['GET', `/v1/assets/${asset}/certificate?holder=${actor}&edition=9`, 404],
      ['GET', `/v1/assets/${asset}/certificate?holder=${actor}&format=gif`, 400],
      ['GET', `/v1/assets/${'0'.repeat(64)}/certificate?holder=${actor}`, 404],
      ['GET', `/v1/assets/${asset}/licences/${'0'.repeat(64)}`, 404],
      ['GET', `/v1/assets/xyz/licences/${licenceId}`, 400],
      ['GET', `/v1/assets/${'0'.repeat(64)}/history`, 404],
      ['GET', '/v1/assets/xyz/history', 400],
      ['GET', `/v1/assets/${'0'.repeat(64)}`, 404],
      ['GET', '/v1/assets/xyz/revisions', 400],
      ['PUT', '/v1/blobs', 401],
      ['GET', '/openapi.json', 200],
      ['GET', '/docs', 200],
    ];
    for (const [method, url, status] of requests) {
      const headers: Record<string, string> = method === 'PUT' ? { 'content-type': 'image/png' } : {};
      const res = await request(method, url, { headers, ...(method === 'PUT' ? { payload: 'x' } : {}) });
      assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
    }
    await request('GET', `/v1/blobs/${cid}`, { headers: { range: 'bytes=0-9' } });
    await request('GET', `/v1/blobs/${cid}`, { headers: { range: `bytes=${png.length}-` } });
    await request('GET', `/v1/blobs/${cid}`, { headers: { 'if-none-match': `"${cid}"` } });
    await request('POST', '/v1/tx', { headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    await request('POST', '/v1/tx', { headers: { 'content-type': 'application/json' }, payload: '{}' });
    await submit('identity.register', { kind: 'person', name: 'Ada again' });
    await submit('asset.register', { cid: other, size: 1, mediaType: 'image/png' });

    const statuses = new Set(exchanges.map((e) => e.res.statusCode));
    for (const status of [200, 201, 206, 304, 400, 401, 404, 409, 415, 416]) assert.ok(statuses.has(status));
    const issues = exchanges.flatMap(({ method, url, res }) => responseIssues(doc, method, url, res));
    assert.deepEqual(issues, []);

    // The check sees a response that does not fit.
    const fake = { ...exchanges.find((e) => e.url === '/v1/ledger')! };
    const res = fake.res;
    const wrong = { ...res, json: () => ({ ...(res.json() as object), name: 5, extra: true }) };
    assert.deepEqual(responseIssues(doc, 'GET', '/v1/ledger', wrong as LightMyRequestResponse), [
      'GET /v1/ledger: undocumented .extra',
      'GET /v1/ledger: LedgerRecord/name: Expected string',
    ]);
  });

  test('GET /v1/assets refuses what AssetListQuery refuses', async () => {
    const parameters = (doc.paths['/v1/assets']?.get?.parameters ?? []) as JsonObject[];
    for (const p of parameters) {
      const value = 'x'.repeat(201);
      assert.ok(!Value.Check(AssetListQuery, { [String(p.name)]: value }));
      const res = await node.app.inject(`/v1/assets?${p.name}=${value}`);
      assert.equal(res.statusCode, 400, String(p.name));
      assert.equal((res.json() as { code: string }).code, 'invalid_query');
    }
    const res = await node.app.inject('/v1/assets?colour=red');
    assert.equal((res.json() as { code: string }).code, 'invalid_query');
  });

  test('GET /openapi.json is the document, as JSON, briefly cacheable', async () => {
    const res = await node.app.inject('/openapi.json');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.match(String(res.headers['cache-control']), /max-age=\d+/);
    assert.deepEqual(res.json(), json(doc));
    // A node without the ledger describes only the log.
    const app = routeOnlyApp(false);
    const logOnly = await app.inject('/openapi.json');
    await app.close();
    assert.deepEqual(logOnly.json(), json(createOpenApiDocument({ ledger: false })));
    assert.ok(!('/v1/tx' in (logOnly.json() as OpenApiDocument).paths));
  });

  test('GET /docs is self-contained HTML under a strict CSP, with every path, field and error code', async () => {
    const res = await node.app.inject('/docs');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    assert.equal(csp, DOCS_CONTENT_SECURITY_POLICY);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|script-src|\*/);
    const html = res.body;
    // The only style sheet is the one the policy names by hash.
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    assert.equal(styles.length, 1);
    const hash = createHash('sha256').update(styles[0]!).digest('base64');
    assert.ok(csp.includes(`'sha256-${hash}'`));
    // Nothing to load: no script, no external resource, no inline style attribute, no handler.
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|\ssrc=|\sstyle=|\son[a-z]+=|@import|url\(/i);
    for (const href of html.matchAll(/href="([^"]*)"/g))
      assert.ok(href[1] === '/openapi.json' || href[1]!.startsWith('#'), href[1]);
    // Every in-page link has its target.
    const ids = new Set([...html.matchAll(/id="([^"]+)"/g)].map((m) => m[1]));
    for (const href of html.matchAll(/href="#([^"]+)"/g)) assert.ok(ids.has(href[1]), href[1]);

    for (const path of Object.keys(doc.paths))
      assert.ok(html.includes(`<code>${escapeHtml(path)}</code>`), path);
    for (const code of Object.keys(PROBLEMS)) assert.ok(html.includes(`<code>${code}</code>`), code);
    // Request bodies as nested field lists: asset.register's fields, a creator's name inside them.
    assert.match(html, /<ul class="fields">/);
    for (const field of ['cid', 'creators', 'licence', 'aiLabel', 'ContentProducer', 'credentialSubject'])
      assert.ok(html.includes(`<code>${field}</code>`), field);
    // Error codes link to their meaning.
    assert.ok(html.includes('<a href="#problem-rights-conflict"><code>rights_conflict</code></a>'));
    assert.ok(html.includes('id="problem-rights-conflict"'));
    assert.ok(html.includes(escapeHtml(PROBLEMS.rights_conflict.title)));
  });

  test('GET /docs in Chromium: styled under its own CSP, nothing refused, nothing fetched', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const response = await page.goto(`${node.url}docs`);
      assert.equal(response?.status(), 200);
      // The style sheet applied: a CSP refusal would leave the operations unstyled (and log an error).
      const radius = await page.$eval('article.op', (el) => getComputedStyle(el).borderTopLeftRadius);
      assert.equal(radius, '8px');
      const text = await page.innerText('main');
      for (const path of Object.keys(doc.paths)) assert.ok(text.includes(path), path);
      assert.deepEqual(requests, [`${node.url}docs`]);
      problems.assertNone();
    } finally {
      await browser.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('docs renderer', () => {
  const hostile = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>';

  test('escapes everything a document says', () => {
    const doc = {
      openapi: hostile,
      info: { title: hostile, version: hostile, description: `${hostile}\n\n\`${hostile}\`` },
      tags: [{ name: hostile, description: hostile }],
      paths: {
        [`/x/${hostile}`]: {
          get: {
            operationId: hostile,
            tags: [hostile],
            summary: hostile,
            description: hostile,
            security: [{ [hostile]: [] }],
            parameters: [{ name: hostile, in: hostile, description: hostile, schema: { pattern: hostile } }],
            requestBody: {
              description: hostile,
              content: {
                [hostile]: {
                  schema: {
                    type: 'object',
                    description: hostile,
                    properties: {
                      [hostile]: { type: hostile, enum: [hostile], default: hostile, format: hostile },
                      list: { type: 'array', items: [{ const: hostile }] },
                      nested: { oneOf: [{ $ref: `#/components/schemas/${hostile}` }, { properties: {} }] },
                    },
                    required: [hostile],
                  },
                },
              },
            },
            responses: {
              [hostile]: {
                description: hostile,
                headers: { [hostile]: { description: hostile } },
                content: {
                  [PROBLEM_MEDIA_TYPE]: {
                    schema: { properties: { code: { enum: [hostile, 'not_found'] } } },
                  },
                },
              },
            },
          },
        },
      },
      components: {
        schemas: { [hostile]: { description: hostile, properties: { [hostile]: { const: hostile } } } },
        securitySchemes: { [hostile]: { type: hostile, scheme: hostile, description: hostile } },
      },
    } as unknown as OpenApiDocument;
    const html = renderDocsHtml(doc, { ...PROBLEMS, [hostile]: { status: 400, title: hostile } });
    // Every "<" the document said is escaped, so every tag is the renderer's own.
    assert.doesNotMatch(html, /<script|<img|<[^>]*\sonerror=/i);
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img'));
    // Ids and links are made of [a-z0-9-] only.
    for (const m of html.matchAll(/(?:id|href)="#?([^"]*)"/g))
      assert.match(m[1]!, /^([a-z0-9-]+|\/openapi\.json)$/, m[1]);
  });

  test('survives a document of the wrong shape', () => {
    const shapes = [
      {},
      { paths: null, info: 5, components: 'x' },
      { paths: { '/a': { get: { parameters: 'x', responses: [1], requestBody: { content: 7 } } } } },
      {
        paths: {
          '/a': { get: { requestBody: { content: { 'a/b': { schema: { properties: 3, items: 4 } } } } } },
        },
      },
      {
        paths: {
          '/a': {
            post: { requestBody: { content: { 'a/b': { schema: { $ref: '#/components/schemas/A' } } } } },
          },
        },
        components: { schemas: { A: { properties: { a: { $ref: '#/components/schemas/A' } } } } },
      },
    ];
    for (const shape of shapes) {
      const html = renderDocsHtml(shape as unknown as OpenApiDocument);
      assert.match(html, /^<!doctype html>/);
    }
  });
});
