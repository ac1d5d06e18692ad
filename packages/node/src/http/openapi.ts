/**
 * The OpenAPI 3.1 description of the node's HTTP API, built from the schemas that validate
 * requests: the transaction bodies are core's BODY_SCHEMAS (what prepareTransaction checks), the
 * asset list's query is ledger-routes' AssetListQuery, and every error is a problem+json body whose
 * `code` comes from the PROBLEMS catalogue. Served at /openapi.json and rendered at /docs
 * (docs-routes.ts). A test checks it against the routes Fastify registers, both ways.
 */
import { createRequire } from 'node:module';
import {
  AssetIdSchema,
  BODY_SCHEMAS,
  CidSchema,
  CredentialSchema,
  DidKeySchema,
  MAX_ENTRY_SIZE,
  READ_AUTH_SCHEME,
  READ_MAX_SKEW_SECONDS,
  REJECTION_CODES,
  type TransactionType,
  TxIdSchema,
  UPLOAD_AUTH_SCHEME,
  UPLOAD_MAX_SKEW_SECONDS,
} from '@cinnabar/core';
import { type TObject, type TSchema, Type } from '@sinclair/typebox';
import {
  API_SCHEMAS,
  type ApiSchemaName,
  DecimalParamSchema,
  plainSchema,
  TILE_PATH_PATTERN,
  transactionEnvelopeSchema,
} from './api-schemas.js';
import { CertificateQuery } from './certificate-routes.js';
import { AccessLogQuery } from './content-access.js';
import { AssetListQuery } from './ledger-routes.js';
import { EditionsQuery, HoldingsQuery, IdentityLicencesQuery, IdentitySalesQuery } from './market-routes.js';
import { PROBLEMS, type ProblemCode } from './problems.js';
import { ActivityReportQuery, AlertsQuery, CSV_MEDIA_TYPE, HoldersReportQuery } from './report-routes.js';

/** A JSON object: a schema, an operation, a response. */
export type JsonObject = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  jsonSchemaDialect?: string;
  info: { title: string; version: string; description?: string };
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, JsonObject>>;
  components?: {
    schemas?: Record<string, JsonObject>;
    securitySchemes?: Record<string, JsonObject>;
  };
}

export interface OpenApiOptions {
  /** Whether the node serves the ledger's API (buildApp's `ledger`); without it, only the log. */
  ledger: boolean;
}

export const OPENAPI_DEFAULTS: Readonly<OpenApiOptions> = Object.freeze({ ledger: true });

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const NODE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

/** "asset.register" → "AssetRegister". */
function pascal(type: string): string {
  return type
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The component names of a transaction type's body and signed envelope. */
export function bodySchemaName(type: TransactionType): string {
  return `${pascal(type)}Body`;
}
export function transactionSchemaName(type: TransactionType): string {
  return `${pascal(type)}Transaction`;
}

const TRANSACTION_TYPES = Object.keys(BODY_SCHEMAS) as TransactionType[];

const TAGS = [
  {
    name: 'log',
    description:
      'The transparency log as C2SP tlog-tiles: a signed checkpoint, the verifier key, and immutable tiles ' +
      'that any client can verify. Readable from any origin (CORS), errors included.',
  },
  {
    name: 'proofs',
    description: 'Entries with their inclusion proofs, and RFC 9162 proofs between tree sizes.',
  },
  {
    name: 'transactions',
    description:
      'Signed transactions change the ledger. Each is checked (envelope, signature, clock, body schema, ' +
      'rules) and, if accepted, sequenced into the log; the answer carries a receipt anyone can verify offline.',
  },
  { name: 'ledger', description: "The ledger's current state: identities, credentials, assets." },
  {
    name: 'supervision',
    description: 'Supervision on the record: freezes, takedowns and disputes, their grounds and authors.',
  },
  {
    name: 'spaces',
    description: 'Virtual exhibition spaces: rooms, and the registered works placed in them.',
  },
  {
    name: 'circulation',
    description: 'Editions, listings and sales; what an identity holds, licensed, listed and bought.',
  },
  {
    name: 'blobs',
    description:
      'The bytes of registered files, content-addressed by CID. Uploads are inspected before they are stored.',
  },
  { name: 'docs', description: 'This description of the API.' },
];

const DESCRIPTION = [
  'Cinnabar is an open platform for digital assets: verifiable identities, rights and circulation on ' +
    'an append-only Merkle log.',
  'Every error is an RFC 9457 problem (`application/problem+json`) with a stable `code`: match on ' +
    '`code`, never on `title` or `detail`. A 500 carries only a `requestId`. An unknown route answers ' +
    '404 `not_found`.',
  'Every GET also answers HEAD (RFC 9110 §9.3.2). Numbers in paths and queries are decimal, without ' +
    'sign or leading zeros.',
].join('\n\n');

const UPLOAD_AUTH_DESCRIPTION = [
  `\`Authorization: ${UPLOAD_AUTH_SCHEME} did="did:key:z6Mk…", time="2026-11-21T06:00:00Z", ` +
    'cid="bafkrei…", size="1234", sig="<base64>"`',
  'A registered identity vouches for exactly one blob, named by its CID and size, at one moment. ' +
    '`sig` is the Ed25519 signature, by the key of the did:key, over the UTF-8 bytes of ' +
    '`"cinnabar/upload/v1\\n" did "\\n" time "\\n" cid "\\n" size "\\n"`.',
  `\`time\` must be within ${UPLOAD_MAX_SKEW_SECONDS} s of the node's clock. Every value is a quoted ` +
    'string without escapes; each of the five parameters appears exactly once. Build it with ' +
    '`signUploadAuthorization` from `@cinnabar/core`.',
].join('\n\n');

const READ_AUTH_DESCRIPTION = [
  `\`Authorization: ${READ_AUTH_SCHEME} did="did:key:z6Mk…", time="2026-11-21T06:00:00Z", ` +
    'target="GET /v1/blobs/bafkrei…", sig="<base64>"`',
  'Needed to read the content of a work graded `important` or `core` (GB/T 43697-2024) and a ' +
    "work's access log; see docs/data-grades.md. `sig` is the Ed25519 signature, by the key of the " +
    'did:key, over the UTF-8 bytes of `"cinnabar/read/v1\\n" did "\\n" time "\\n" target "\\n"`; ' +
    '`target` is the request’s method and path without the query (a signed GET also reads the HEAD).',
  `\`time\` must be within ${READ_MAX_SKEW_SECONDS} s of the node's clock. Build it with ` +
    '`signReadAuthorization` from `@cinnabar/core`.',
].join('\n\n');

/** The answers of a route serving a work's content (content-access.ts). */
const CONTENT_ERRORS = [
  'taken_down',
  'read_authorization_required',
  'malformed_read_authorization',
  'bad_read_signature',
  'read_not_allowed',
] as const satisfies readonly ProblemCode[];

interface RouteDoc {
  method: 'get' | 'head' | 'post' | 'put';
  /** The OpenAPI path template. */
  path: string;
  /** Served only with the ledger. */
  ledger?: true;
  /** The catalogue's codes this route can answer with (internal_error is added to all). */
  errors: readonly ProblemCode[];
  /** Headers that come with an error status (e.g. WWW-Authenticate on a 401). */
  errorHeaders?: Partial<Record<number, JsonObject>>;
  operation: JsonObject;
}

const header = (description: string, schema: JsonObject = { type: 'string' }): JsonObject => ({
  description,
  schema,
});

const json = (schema: JsonObject): JsonObject => ({ 'application/json': { schema } });
const text = (description: string): JsonObject => ({
  description,
  content: { 'text/plain; charset=utf-8': { schema: { type: 'string' } } },
});

const IMMUTABLE_HEADERS = {
  'Cache-Control': header('`public, max-age=31536000, immutable`'),
};

/** Path parameter from a schema: its description lifted to the parameter. */
function pathParam(name: string, schema: TSchema, description?: string): JsonObject {
  const plain = plainSchema(schema);
  const said = description ?? (plain.description as string | undefined);
  delete plain.description;
  return { name, in: 'path', required: true, ...(said ? { description: said } : {}), schema: plain };
}

/** GET /v1/assets's query parameters: AssetListQuery's properties, as validated. */
function assetListParameters(): JsonObject[] {
  return queryParameters(AssetListQuery);
}

/** A route's query parameters: its query schema's properties, as validated. */
function queryParameters(query: TObject): JsonObject[] {
  const required = new Set<string>(query.required ?? []);
  return Object.entries(query.properties).map(([name, schema]) => {
    const plain = plainSchema(schema);
    return {
      name,
      in: 'query',
      required: required.has(name),
      ...(typeof plain.description === 'string' ? { description: plain.description } : {}),
      schema: plain,
    };
  });
}

const blobHeaders = {
  ETag: header(
    '`"<cid>"`: the bytes never change; `"<cid>.aigc-<hash>"` when an AI label was written in (Cinnabar-AI-Label)',
  ),
  'Cache-Control': header(
    '`public, max-age=31536000, immutable`; `public, no-cache` when an AI label was written in (a revised label changes it)',
  ),
  'Cinnabar-AI-Label': header(
    'Only for a work whose asset declares a GB 45438-2025 AI label: `written` when the label was written into ' +
      'the file’s own metadata (PNG AIGC text chunk, glTF/GLB asset.extras.AIGC), so the body, its length and ' +
      'its ETag are not the stored original’s (the CID names that); `not-written` for types it is not written into (JPEG, video…)',
  ),
  'Accept-Ranges': header('`bytes`'),
  'Content-Disposition': header(
    '`inline` for images, video, audio and glTF; `attachment` (as application/octet-stream) for anything ' +
      'a browser could run as a document, such as HTML or SVG',
  ),
  'Content-Security-Policy': header('`sandbox`: a blob never runs script on the node’s origin'),
  'X-Content-Type-Options': header('`nosniff`'),
  'Content-Length': header('The length of the body (or of the range)', { type: 'integer' }),
};

const blobGetParameters: JsonObject[] = [
  pathParam('cid', CidSchema),
  {
    name: 'Range',
    in: 'header',
    description:
      'RFC 9110 §14.2: one byte range, `bytes=a-b`, `bytes=a-` or `bytes=-n`. Anything else is ignored ' +
      'and the whole blob sent; a range starting at or past the end is 416.',
    schema: { type: 'string' },
  },
  {
    name: 'If-Range',
    in: 'header',
    description: 'The range is honoured only if this is the blob’s ETag',
    schema: { type: 'string' },
  },
  {
    name: 'If-None-Match',
    in: 'header',
    description: 'With the blob’s ETag: 304 Not Modified',
    schema: { type: 'string' },
  },
];

const CONTENT_ERROR_HEADERS = {
  401: { 'WWW-Authenticate': header(`\`${READ_AUTH_SCHEME}\``) },
  451: {
    Link: header('RFC 7725 §3: `</v1/supervision/takedowns/<id>>; rel="blocked-by"`, the takedown'),
  },
};

const CONTENT_DESCRIPTION =
  ' A work taken down by a regulator answers 451 `taken_down` (its record stays public). The content ' +
  'of a work graded `important` or `core` (GB/T 43697-2024) needs a signed Cinnabar-Read request by ' +
  'its owner, an owner of one of its editions, a licensee in force, the operator or a regulator; each ' +
  'such request is recorded in the work’s access log, and answered `Cache-Control: private, no-store`.';

function blobRead(method: 'get' | 'head'): RouteDoc {
  const get = method === 'get';
  const body = (description: string): JsonObject =>
    get ? { description, content: { '*/*': {} } } : { description };
  return {
    method,
    path: '/v1/blobs/{cid}',
    ledger: true,
    errors: ['malformed_cid', 'blob_not_found', 'range_not_satisfiable', ...CONTENT_ERRORS],
    errorHeaders: {
      416: { 'Content-Range': header('`bytes */<size>`: the blob’s size') },
      ...CONTENT_ERROR_HEADERS,
    },
    operation: {
      operationId: get ? 'getBlob' : 'headBlob',
      security: [{}, { cinnabarRead: [] }],
      tags: ['blobs'],
      summary: get ? 'The bytes of a blob' : 'A blob’s headers, without its bytes',
      description: get
        ? 'The stored bytes, with a single byte range if asked; for a work declared AI-generated (GB 45438-2025), ' +
          'the bytes with the label written into their metadata, as the regulation asks of downloads (see ' +
          'Cinnabar-AI-Label). Images, video, audio and glTF are served ' +
          'as their type, inline; active types (HTML, SVG, XML…) as `application/octet-stream` ' +
          `attachments. Readable from any origin.${CONTENT_DESCRIPTION}`
        : `What GET answers, without the body: the size, the type and the ETag.${CONTENT_DESCRIPTION}`,
      parameters: blobGetParameters,
      responses: {
        200: { ...body('The whole blob'), headers: blobHeaders },
        206: {
          ...body('The range asked for'),
          headers: { ...blobHeaders, 'Content-Range': header('`bytes <first>-<last>/<size>`') },
        },
        304: { description: 'Not modified (If-None-Match)', headers: { ETag: blobHeaders.ETag } },
      },
    },
  };
}

/** A report as JSON (its schema) or CSV. */
const reportContent = (schema: string): JsonObject => ({
  ...json(ref(schema)),
  [CSV_MEDIA_TYPE]: {
    schema: { type: 'string', description: 'RFC 4180, CRLF; formula-like cells start with an apostrophe' },
  },
});

/** GET /v1/supervision/reports/* and /v1/supervision/alerts (report-routes.ts). */
const REPORT_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/supervision/reports/activity',
    ledger: true,
    errors: ['invalid_query', 'invalid_report_range'],
    operation: {
      operationId: 'getActivityReport',
      tags: ['supervision'],
      summary: 'Registrations, transfers, sales and licences over time',
      description:
        'Counts per UTC day, ISO week or month, with the sum of the sale prices (fen and yuan, exact), optionally ' +
        'broken down by the policy regime in force at each entry, the media type or the data grade (at registration). ' +
        'Periods without activity are left out. `format=csv` answers RFC 4180 CSV.',
      parameters: queryParameters(ActivityReportQuery),
      responses: { 200: { description: 'The report', content: reportContent('ActivityReport') } },
    },
  },
  {
    method: 'get',
    path: '/v1/supervision/reports/holders',
    ledger: true,
    errors: ['invalid_query'],
    operation: {
      operationId: 'getHoldersReport',
      tags: ['supervision'],
      summary: 'The largest holders',
      description: 'The identities holding the most items (works and editions), most first.',
      parameters: queryParameters(HoldersReportQuery),
      responses: { 200: { description: 'The report', content: reportContent('HoldersReport') } },
    },
  },
  {
    method: 'get',
    path: '/v1/supervision/alerts',
    ledger: true,
    errors: ['invalid_query'],
    operation: {
      operationId: 'listAlerts',
      tags: ['supervision'],
      summary: 'Suspicious patterns',
      description:
        'Wash trading, rapid flips, many identities behind one real-name commitment, and bursts of near-duplicate ' +
        "registrations, with the policy's thresholds (`detection`, or the defaults). Each alert names its evidence: " +
        'log entries with their transaction ids. They are for a regulator to look at; nothing is refused by them.',
      parameters: queryParameters(AlertsQuery),
      responses: { 200: { description: 'The alerts', content: reportContent('AlertsReport') } },
    },
  },
];

const ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/log/checkpoint',
    errors: [],
    operation: {
      operationId: 'getCheckpoint',
      tags: ['log'],
      summary: 'The latest signed checkpoint',
      description:
        'C2SP tlog-checkpoint: origin, tree size and root hash, signed by the log (a C2SP signed note). ' +
        'Verify it with the key from /log/vkey, pinned out of band.',
      responses: {
        200: {
          ...text('The checkpoint note'),
          headers: { 'Cache-Control': header('`public, max-age=1`') },
        },
      },
    },
  },
  {
    method: 'get',
    path: '/log/vkey',
    errors: [],
    operation: {
      operationId: 'getVerifierKey',
      tags: ['log'],
      summary: "The log's verifier key",
      description: 'The C2SP signed-note verifier key of the checkpoints. Pin it; do not trust it from here.',
      responses: { 200: text('`<origin>+<key id>+<base64 key>` and a newline') },
    },
  },
  {
    method: 'get',
    path: '/log/tile/{tilePath}',
    errors: ['malformed_tile_path', 'tile_not_found'],
    operation: {
      operationId: 'getTile',
      tags: ['log'],
      summary: 'A hash tile or an entry bundle',
      description:
        'C2SP tlog-tiles: `/log/tile/<L>/<N>[.p/<W>]` is a tile of level L (0 to 63) and `/log/tile/entries/' +
        '<N>[.p/<W>]` an entry bundle. N is the tile index in zero-padded groups of three digits, all but ' +
        'the last prefixed by `x` (1234067 is `x001/x234/067`); `.p/<W>` is a partial tile of width W ' +
        '(1 to 255). A tile never changes once served, full or partial.',
      parameters: [
        {
          name: 'tilePath',
          in: 'path',
          required: true,
          description:
            'The rest of the tile path, with its slashes as they are (not percent-encoded): ' +
            'e.g. `0/x001/234`, `2/000.p/7`, `entries/001.p/44`',
          schema: { type: 'string', pattern: TILE_PATH_PATTERN, maxLength: 59 },
        },
      ],
      responses: {
        200: {
          description: 'The tile: 32-byte hashes, or the entries each with a 2-byte big-endian length',
          headers: IMMUTABLE_HEADERS,
          content: { 'application/octet-stream': {} },
        },
      },
    },
  },
  {
    method: 'post',
    path: '/v1/log/entries',
    errors: [
      'bad_request',
      'unauthorized',
      'entry_too_large',
      'unsupported_media_type',
      'not_sequencer',
      'sequencer_unavailable',
    ],
    operation: {
      operationId: 'appendEntry',
      tags: ['log'],
      summary: 'Append a raw entry (operator only)',
      description:
        'Sequences raw bytes into the log without the ledger’s checks: for the operator’s tools. ' +
        'Clients submit transactions with POST /v1/tx.',
      security: [{ operatorToken: [] }],
      requestBody: {
        required: true,
        description: `The entry: at most ${MAX_ENTRY_SIZE} bytes`,
        content: { 'application/octet-stream': {} },
      },
      responses: { 201: { description: 'Sequenced', content: json(ref('AppendedEntry')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/entries/{index}',
    errors: ['invalid_proof_request', 'entry_not_found'],
    operation: {
      operationId: 'getEntry',
      tags: ['proofs'],
      summary: 'An entry with its inclusion proof',
      description:
        'The entry at `index`, with its RFC 9162 inclusion proof in the latest checkpoint, as JSON and as ' +
        'a C2SP tlog-proof that anyone can check offline with the log’s verifier key.',
      parameters: [pathParam('index', DecimalParamSchema, 'The entry’s index, from 0')],
      responses: { 200: { description: 'The entry', content: json(ref('EntryWithProof')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/proofs/inclusion',
    errors: ['invalid_proof_request'],
    operation: {
      operationId: 'getInclusionProof',
      tags: ['proofs'],
      summary: 'An inclusion proof',
      description: 'RFC 9162 §2.1.3: that leaf `index` is in the tree of `size` leaves.',
      parameters: [
        { name: 'index', in: 'query', required: true, schema: plainSchema(DecimalParamSchema) },
        {
          name: 'size',
          in: 'query',
          required: true,
          description: 'Above index, at most the checkpoint’s size',
          schema: plainSchema(DecimalParamSchema),
        },
      ],
      responses: { 200: { description: 'The proof', content: json(ref('InclusionProof')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/proofs/consistency',
    errors: ['invalid_proof_request'],
    operation: {
      operationId: 'getConsistencyProof',
      tags: ['proofs'],
      summary: 'A consistency proof',
      description: 'RFC 9162 §2.1.4: that the tree of `to` leaves extends the tree of `from` leaves.',
      parameters: [
        {
          name: 'from',
          in: 'query',
          required: true,
          description: 'From 1',
          schema: plainSchema(DecimalParamSchema),
        },
        {
          name: 'to',
          in: 'query',
          required: true,
          description: 'From `from` to the checkpoint’s size',
          schema: plainSchema(DecimalParamSchema),
        },
      ],
      responses: { 200: { description: 'The proof', content: json(ref('ConsistencyProof')) } },
    },
  },
  {
    method: 'post',
    path: '/v1/tx',
    ledger: true,
    errors: [
      ...new Set<ProblemCode>([
        'bad_request',
        'malformed_transaction',
        'non_canonical_json',
        'transaction_time_skew',
        'entry_too_large',
        'unsupported_media_type',
        'blob_required',
        'blob_size_mismatch',
        'media_type_mismatch',
        'sealed_description_required',
        'malformed_sealed_description',
        'not_sequencer',
        'sequencer_unavailable',
        // Every refusal of the ledger's rules.
        ...REJECTION_CODES,
      ]),
    ],
    operation: {
      operationId: 'submitTransaction',
      tags: ['transactions'],
      summary: 'Submit a signed transaction',
      description:
        'Checked in order: the envelope (strict, RFC 8785 canonical JSON), the signature, the time against ' +
        'the node’s clock, the body against its type’s schema and the rules that need no state, the stored ' +
        'bytes for an `asset.register`, and a sealed description it names (upload them first with PUT /v1/blobs); then sequenced, where the ' +
        'rules run against the ledger’s state. A refusal by the rules carries the `rule` that refused it.',
      requestBody: {
        required: true,
        description:
          'One signed transaction, as its RFC 8785 canonical JSON (the exact bytes that become the log entry)',
        content: {
          'application/json': { schema: transactionOneOf() },
          'application/cinnabar-tx+json': { schema: transactionOneOf() },
        },
      },
      responses: {
        201: { description: 'Accepted and sequenced', content: json(ref('TxAccepted')) },
      },
    },
  },
  {
    method: 'put',
    path: '/v1/blobs',
    ledger: true,
    errors: [
      'bad_request',
      'malformed_upload_authorization',
      'blob_mismatch',
      'unauthorized',
      'bad_upload_signature',
      'unknown_identity',
      'upload_timeout',
      'length_required',
      'blob_too_large',
      'malformed_media',
    ],
    errorHeaders: { 401: { 'WWW-Authenticate': header(`\`${UPLOAD_AUTH_SCHEME}\``) } },
    operation: {
      operationId: 'putBlob',
      tags: ['blobs'],
      summary: 'Upload a file',
      description:
        'The raw bytes of one file, with a Content-Length and an upload authorization by a registered ' +
        'identity for exactly these bytes. Streamed into the store and inspected before it becomes ' +
        'visible: malformed media (a glTF with validator errors, an image that does not decode) is ' +
        'refused with 422 `malformed_media`, whose `errors` member lists the first issues. An upload ' +
        'is idempotent: the same bytes again answer 200.',
      security: [{ cinnabarUpload: [] }],
      parameters: [
        {
          name: 'Content-Length',
          in: 'header',
          required: true,
          description: 'The size the authorization names; chunked uploads are refused (411)',
          schema: { type: 'integer', minimum: 0 },
        },
      ],
      requestBody: {
        required: true,
        description: 'The bytes, with any Content-Type: the node tells the type from the content',
        content: { '*/*': {} },
      },
      responses: {
        200: {
          description: 'Already stored',
          headers: { Location: header('`/v1/blobs/<cid>`') },
          content: json(ref('BlobStored')),
        },
        201: {
          description: 'Stored',
          headers: { Location: header('`/v1/blobs/<cid>`') },
          content: json(ref('BlobStored')),
        },
      },
    },
  },
  blobRead('get'),
  blobRead('head'),
  {
    method: 'get',
    path: '/v1/blobs/{cid}/inspection',
    ledger: true,
    errors: ['malformed_cid', 'blob_not_found', 'inspection_not_found', ...CONTENT_ERRORS],
    errorHeaders: CONTENT_ERROR_HEADERS,
    operation: {
      operationId: 'getBlobInspection',
      tags: ['blobs'],
      summary: 'What the node found in a blob',
      security: [{}, { cinnabarRead: [] }],
      description: `The inspection made at upload: media type, model or image summary, validator warnings. It describes the content, so it is served as the bytes are.${CONTENT_DESCRIPTION}`,
      parameters: [pathParam('cid', CidSchema)],
      responses: {
        200: {
          description: 'The inspection',
          headers: {
            'Cache-Control': header('`public, max-age=60`; `private, no-store` for graded content'),
          },
          content: json(ref('MediaInspection')),
        },
      },
    },
  },
  {
    method: 'get',
    path: '/v1/ledger',
    ledger: true,
    errors: ['no_genesis'],
    operation: {
      operationId: 'getLedger',
      tags: ['ledger'],
      summary: 'The ledger: operator, name and policy',
      responses: { 200: { description: 'The ledger', content: json(ref('LedgerRecord')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/identities/{did}',
    ledger: true,
    errors: ['malformed_did', 'identity_not_found'],
    operation: {
      operationId: 'getIdentity',
      tags: ['ledger'],
      summary: 'A registered identity',
      description: 'Its kind, name, roles, real-name credentials and sequence number.',
      parameters: [pathParam('did', DidKeySchema)],
      responses: { 200: { description: 'The identity', content: json(ref('Identity')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/credentials/{id}',
    ledger: true,
    errors: ['credential_not_found'],
    operation: {
      operationId: 'getCredential',
      tags: ['ledger'],
      summary: 'A credential and its status',
      description: 'The W3C verifiable credential as logged, and its revocation if revoked.',
      parameters: [pathParam('id', CredentialSchema.properties.id, 'The credential’s id, `urn:uuid:…`')],
      responses: { 200: { description: 'The credential', content: json(ref('CredentialRecord')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets',
    ledger: true,
    errors: ['invalid_query', 'malformed_cid'],
    operation: {
      operationId: 'listAssets',
      tags: ['ledger'],
      summary: 'Find assets',
      description:
        'Registered assets, newest first, filtered by owner, words, media type; or the one asset ' +
        'registered for a CID. No other query parameters are accepted.',
      parameters: assetListParameters(),
      responses: { 200: { description: 'A page of assets', content: json(ref('AssetPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}',
    ledger: true,
    errors: ['malformed_asset_id', 'asset_not_found'],
    operation: {
      operationId: 'getAsset',
      tags: ['ledger'],
      summary: 'An asset',
      description:
        'Its record, the registered assets that look or are shaped like it, and its AI label (GB 45438-2025): ' +
        'the declared label, the explicit label to show, the labels found in the file at upload and how they compare.',
      parameters: [pathParam('id', AssetIdSchema)],
      responses: { 200: { description: 'The asset', content: json(ref('Asset')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/access-log',
    ledger: true,
    errors: [
      'malformed_asset_id',
      'asset_not_found',
      'invalid_query',
      'read_authorization_required',
      'malformed_read_authorization',
      'bad_read_signature',
      'read_not_allowed',
    ],
    errorHeaders: { 401: CONTENT_ERROR_HEADERS[401] },
    operation: {
      operationId: 'getAssetAccessLog',
      tags: ['ledger'],
      summary: "A work's access log",
      description:
        'Every signed read of the content of the work while it was graded `important` or `core` ' +
        '(GB/T 43697-2024), allowed or refused, newest first: who, when, what, and why it was allowed. ' +
        'Kept by this node, not on the log. Readable by the work’s owner, the operator and regulators, ' +
        'with a Cinnabar-Read request signed for this path.',
      security: [{ cinnabarRead: [] }],
      parameters: [pathParam('id', AssetIdSchema), ...queryParameters(AccessLogQuery)],
      responses: {
        200: {
          description: 'A page of the access log',
          headers: {
            'Cache-Control': header('`private, no-store`'),
            Vary: header('`Authorization`'),
          },
          content: json(ref('AccessLogPage')),
        },
      },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/revisions',
    ledger: true,
    errors: ['malformed_asset_id', 'asset_not_found'],
    operation: {
      operationId: 'listAssetRevisions',
      tags: ['ledger'],
      summary: "An asset's metadata history",
      description: 'Every revision of its metadata, from the registration (revision 0) on.',
      parameters: [pathParam('id', AssetIdSchema)],
      responses: { 200: { description: 'The revisions', content: json(ref('AssetRevisions')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/licences',
    ledger: true,
    errors: ['malformed_asset_id', 'asset_not_found'],
    operation: {
      operationId: 'listAssetLicences',
      tags: ['ledger'],
      summary: "A work's licences",
      description:
        'The licences of the work in force or yet to begin; revoked and lapsed ones are not listed.',
      parameters: [pathParam('id', AssetIdSchema)],
      responses: { 200: { description: 'The licences', content: json(ref('AssetLicences')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/licences/{licence}',
    ledger: true,
    errors: ['malformed_asset_id', 'licence_not_found'],
    operation: {
      operationId: 'getLicence',
      tags: ['ledger'],
      summary: 'A licence',
      description: 'A licence, revoked or not, by the id of its licence.grant transaction.',
      parameters: [pathParam('id', AssetIdSchema), pathParam('licence', TxIdSchema)],
      responses: { 200: { description: 'The licence', content: json(ref('Licence')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/valuations',
    ledger: true,
    errors: ['malformed_asset_id', 'asset_not_found'],
    operation: {
      operationId: 'listAssetValuations',
      tags: ['ledger'],
      summary: "A work's attested values",
      description: 'Every valuation.attest of the work by an appraiser, oldest first.',
      parameters: [pathParam('id', AssetIdSchema)],
      responses: { 200: { description: 'The valuations', content: json(ref('AssetValuations')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/history',
    ledger: true,
    errors: ['malformed_asset_id', 'asset_not_found'],
    operation: {
      operationId: 'getAssetHistory',
      tags: ['ledger'],
      summary: "An asset's ownership history",
      description:
        'Its registration, then every transfer offered and every change of hands, oldest first, each with the log entry that made it.',
      parameters: [pathParam('id', AssetIdSchema)],
      responses: { 200: { description: 'The history', content: json(ref('AssetHistory')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/editions',
    ledger: true,
    errors: ['malformed_asset_id', 'asset_not_found', 'invalid_query'],
    operation: {
      operationId: 'listAssetEditions',
      tags: ['circulation'],
      summary: "A work's numbered editions",
      description: 'Its editions in order of their numbers, a page at a time, each with its holder.',
      parameters: [pathParam('id', AssetIdSchema), ...queryParameters(EditionsQuery)],
      responses: { 200: { description: 'The editions', content: json(ref('AssetEditions')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/editions/{number}',
    ledger: true,
    errors: ['malformed_asset_id', 'edition_not_found'],
    operation: {
      operationId: 'getEdition',
      tags: ['circulation'],
      summary: 'One edition of a work',
      parameters: [
        pathParam('id', AssetIdSchema),
        pathParam('number', Type.String({ pattern: '^[1-9][0-9]{0,4}$' }), 'The edition number, from 1'),
      ],
      responses: { 200: { description: 'The edition', content: json(ref('Edition')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/listings',
    ledger: true,
    errors: ['malformed_asset_id', 'asset_not_found'],
    operation: {
      operationId: 'listAssetListings',
      tags: ['circulation'],
      summary: "A work's listings",
      description: 'Every listing of the work and of its editions, open, cancelled or sold, oldest first.',
      parameters: [pathParam('id', AssetIdSchema)],
      responses: { 200: { description: 'The listings', content: json(ref('AssetListings')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/sales',
    ledger: true,
    errors: ['malformed_asset_id', 'asset_not_found'],
    operation: {
      operationId: 'listAssetSales',
      tags: ['circulation'],
      summary: "A work's sales",
      description: 'Every sale of the work and of its editions, with its split, oldest first.',
      parameters: [pathParam('id', AssetIdSchema)],
      responses: { 200: { description: 'The sales', content: json(ref('AssetSales')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/listings',
    ledger: true,
    errors: ['invalid_query'],
    operation: {
      operationId: 'listListings',
      tags: ['circulation'],
      summary: 'Every listing',
      description: 'Listings of all works, newest first; each says whether it is open, cancelled or sold.',
      parameters: queryParameters(HoldingsQuery),
      responses: { 200: { description: 'A page of listings', content: json(ref('ListingsPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/identities/{did}/holdings',
    ledger: true,
    errors: ['malformed_did', 'invalid_query'],
    operation: {
      operationId: 'listHoldings',
      tags: ['circulation'],
      summary: 'What an identity holds',
      description: 'The works and editions the identity owns now, newest first.',
      parameters: [pathParam('did', DidKeySchema), ...queryParameters(HoldingsQuery)],
      responses: { 200: { description: 'A page of holdings', content: json(ref('HoldingsPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/identities/{did}/licences',
    ledger: true,
    errors: ['malformed_did', 'invalid_query'],
    operation: {
      operationId: 'listIdentityLicences',
      tags: ['circulation'],
      summary: 'Licences an identity holds or granted',
      description: 'Revoked and lapsed ones too (each record says), newest first.',
      parameters: [pathParam('did', DidKeySchema), ...queryParameters(IdentityLicencesQuery)],
      responses: { 200: { description: 'A page of licences', content: json(ref('LicencesPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/identities/{did}/offers',
    ledger: true,
    errors: ['malformed_did', 'invalid_query'],
    operation: {
      operationId: 'listIdentityOffers',
      tags: ['circulation'],
      summary: 'Transfers offered to an identity',
      description:
        'Works and editions whose owner offered them to the identity and that wait for its acceptance (asset.accept), newest first.',
      parameters: [pathParam('did', DidKeySchema), ...queryParameters(HoldingsQuery)],
      responses: { 200: { description: 'A page of works and editions', content: json(ref('HoldingsPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/identities/{did}/listings',
    ledger: true,
    errors: ['malformed_did', 'invalid_query'],
    operation: {
      operationId: 'listIdentityListings',
      tags: ['circulation'],
      summary: "An identity's listings",
      description: 'Every listing the identity made, newest first.',
      parameters: [pathParam('did', DidKeySchema), ...queryParameters(HoldingsQuery)],
      responses: { 200: { description: 'A page of listings', content: json(ref('ListingsPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/identities/{did}/sales',
    ledger: true,
    errors: ['malformed_did', 'invalid_query'],
    operation: {
      operationId: 'listIdentitySales',
      tags: ['circulation'],
      summary: 'Sales an identity bought or made',
      description: 'Newest first, each with its split.',
      parameters: [pathParam('did', DidKeySchema), ...queryParameters(IdentitySalesQuery)],
      responses: { 200: { description: 'A page of sales', content: json(ref('SalesPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/certificate',
    ledger: true,
    errors: [
      'malformed_asset_id',
      'malformed_did',
      'invalid_query',
      'asset_not_found',
      'edition_not_found',
      'licence_not_found',
      'right_not_held',
      'sequencer_unavailable',
    ],
    operation: {
      operationId: 'getRightsCertificate',
      tags: ['circulation'],
      summary: 'A rights certificate for a holder',
      description:
        'A W3C Verifiable Credential (eddsa-jcs-2022, issued by the operator) saying that the holder owns the work, ' +
        'holds one of its editions, or is a licensee, with the log entry that gave the right and its inclusion proof ' +
        'in the latest checkpoint as evidence; `cinnabar verify` checks it offline. As PDF or PNG: printable, with a ' +
        "QR code that opens the work's history. Only for a right the holder holds now.",
      parameters: [pathParam('id', AssetIdSchema), ...queryParameters(CertificateQuery)],
      responses: {
        200: {
          description: 'The credential, or its printable form',
          content: {
            'application/vc+json': { schema: { type: 'object' } },
            'application/pdf': { schema: { type: 'string', format: 'binary' } },
            'image/png': { schema: { type: 'string', format: 'binary' } },
          },
        },
      },
    },
  },
  {
    method: 'get',
    path: '/v1/supervision/freezes',
    ledger: true,
    errors: ['invalid_query'],
    operation: {
      operationId: 'listFreezes',
      tags: ['supervision'],
      summary: 'Every freeze',
      description:
        'Every supervision.freeze on the record, newest first, with its grounds, its author and its lifting.',
      parameters: queryParameters(HoldingsQuery),
      responses: { 200: { description: 'A page of freezes', content: json(ref('FreezesPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/supervision/freezes/{id}',
    ledger: true,
    errors: ['freeze_not_found'],
    operation: {
      operationId: 'getFreeze',
      tags: ['supervision'],
      summary: 'A freeze',
      parameters: [pathParam('id', TxIdSchema)],
      responses: { 200: { description: 'The freeze', content: json(ref('Freeze')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/assets/{id}/supervision',
    ledger: true,
    errors: ['malformed_asset_id', 'asset_not_found'],
    operation: {
      operationId: 'getAssetSupervision',
      tags: ['supervision'],
      summary: "A work's supervision record",
      description: 'Every freeze, takedown and dispute about the work or one of its editions, oldest first.',
      parameters: [pathParam('id', AssetIdSchema)],
      responses: { 200: { description: 'The record', content: json(ref('AssetSupervision')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/supervision/takedowns',
    ledger: true,
    errors: ['invalid_query'],
    operation: {
      operationId: 'listTakedowns',
      tags: ['supervision'],
      summary: 'Every takedown',
      description:
        'Every supervision.takedown on the record, newest first, with its grounds, its author and its restoring.',
      parameters: queryParameters(HoldingsQuery),
      responses: { 200: { description: 'A page of takedowns', content: json(ref('TakedownsPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/supervision/takedowns/{id}',
    ledger: true,
    errors: ['takedown_not_found'],
    operation: {
      operationId: 'getTakedown',
      tags: ['supervision'],
      summary: 'A takedown',
      parameters: [pathParam('id', TxIdSchema)],
      responses: { 200: { description: 'The takedown', content: json(ref('Takedown')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/supervision/disputes',
    ledger: true,
    errors: ['invalid_query'],
    operation: {
      operationId: 'listDisputes',
      tags: ['supervision'],
      summary: 'Every dispute',
      description:
        'Every dispute.open on the record, newest first, with its claim, the response and the resolution.',
      parameters: queryParameters(HoldingsQuery),
      responses: { 200: { description: 'A page of disputes', content: json(ref('DisputesPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/supervision/disputes/{id}',
    ledger: true,
    errors: ['dispute_not_found'],
    operation: {
      operationId: 'getDispute',
      tags: ['supervision'],
      summary: 'A dispute',
      parameters: [pathParam('id', TxIdSchema)],
      responses: { 200: { description: 'The dispute', content: json(ref('Dispute')) } },
    },
  },
  ...REPORT_ROUTES,
  {
    method: 'get',
    path: '/v1/spaces',
    ledger: true,
    errors: ['invalid_query'],
    operation: {
      operationId: 'listSpaces',
      tags: ['spaces'],
      summary: 'Every virtual exhibition space',
      description: 'Museums, exhibition halls, galleries and venues side by side, newest first.',
      parameters: queryParameters(HoldingsQuery),
      responses: { 200: { description: 'A page of spaces', content: json(ref('SpacesPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/spaces/{id}',
    ledger: true,
    errors: ['space_not_found'],
    operation: {
      operationId: 'getSpace',
      tags: ['spaces'],
      summary: 'A space: its rooms and placements',
      parameters: [pathParam('id', TxIdSchema)],
      responses: { 200: { description: 'The space', content: json(ref('Space')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/identities/{did}/spaces',
    ledger: true,
    errors: ['malformed_did', 'invalid_query'],
    operation: {
      operationId: 'listIdentitySpaces',
      tags: ['spaces'],
      summary: 'The spaces an identity curates',
      parameters: [pathParam('did', DidKeySchema), ...queryParameters(HoldingsQuery)],
      responses: { 200: { description: 'A page of spaces', content: json(ref('SpacesPage')) } },
    },
  },
  {
    method: 'get',
    path: '/v1/stats',
    ledger: true,
    errors: [],
    operation: {
      operationId: 'getStats',
      tags: ['ledger'],
      summary: 'How big the registry is',
      description:
        "The log's size and how many identities, works, editions, licences, listings, sales, spaces and " +
        'supervision acts its state holds, counted at the latest checkpoint.',
      responses: {
        200: {
          description: 'The counts',
          headers: { 'Cache-Control': header('`no-cache`') },
          content: json(ref('Stats')),
        },
      },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    errors: [],
    operation: {
      operationId: 'getOpenApi',
      tags: ['docs'],
      summary: 'This description, as OpenAPI 3.1',
      responses: {
        200: {
          description: 'The OpenAPI document',
          headers: { 'Cache-Control': header('Briefly cacheable') },
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
    },
  },
  {
    method: 'get',
    path: '/docs',
    errors: [],
    operation: {
      operationId: 'getDocs',
      tags: ['docs'],
      summary: 'This description, for people',
      description: 'An HTML page rendered from the OpenAPI document, without script.',
      responses: {
        200: {
          description: 'The page',
          headers: { 'Content-Security-Policy': header('No script; only the page’s own style') },
          content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } },
        },
      },
    },
  },
];

function transactionOneOf(): JsonObject {
  return {
    oneOf: TRANSACTION_TYPES.map((type) => ref(transactionSchemaName(type))),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(
        TRANSACTION_TYPES.map((type) => [type, `#/components/schemas/${transactionSchemaName(type)}`]),
      ),
    },
  };
}

/** The error responses of a route: one per status, its `code` limited to the route's codes. */
function errorResponses(route: RouteDoc): Record<string, JsonObject> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of [...route.errors, 'internal_error' as const]) {
    const { status } = PROBLEMS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonObject> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = route.errorHeaders?.[status];
    responses[String(status)] = {
      description: codes.map((code) => `\`${code}\`: ${PROBLEMS[code].title}`).join('; '),
      ...(headers ? { headers } : {}),
      content: {
        [PROBLEM_MEDIA_TYPE]: {
          schema: {
            allOf: [ref('Problem')],
            properties: { status: { const: status }, code: { enum: codes } },
          },
        },
      },
    };
  }
  return responses;
}

function problemSchema(): JsonObject {
  return {
    type: 'object',
    description:
      'An RFC 9457 problem. Match on `code`; `title` and `detail` are for people. Other members may be added.',
    required: ['type', 'title', 'status', 'code'],
    properties: {
      type: {
        type: 'string',
        format: 'uri',
        description: '`https://cinnabar.dev/problems/<code, with dashes>`',
      },
      title: { type: 'string', description: "The code's title" },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      code: { type: 'string', enum: Object.keys(PROBLEMS), description: 'Stable: match on this' },
      detail: { type: 'string', description: 'What exactly was wrong' },
      requestId: { type: 'string', description: 'Only on a 500: the id the node logged it under' },
      rule: { type: 'string', description: 'POST /v1/tx: the ledger rule that refused the transaction' },
      details: {
        type: 'object',
        description: 'POST /v1/tx: facts for programs, e.g. the earlier registration in a rights_conflict',
      },
      mediaType: { type: 'string', description: '`malformed_media`: the type the bytes were taken for' },
      errors: {
        type: 'array',
        description: '`malformed_media`: the first issues found',
        items: plainSchema(API_SCHEMAS.MediaInspection.properties.errors.items),
      },
    },
  };
}

function componentSchemas(): Record<string, JsonObject> {
  const schemas: Record<string, JsonObject> = {};
  for (const type of TRANSACTION_TYPES) {
    // The very schema the rules validate the body with (prepareTransaction), as JSON.
    schemas[bodySchemaName(type)] = plainSchema(BODY_SCHEMAS[type]);
  }
  for (const type of TRANSACTION_TYPES) {
    const envelope = plainSchema(transactionEnvelopeSchema(type));
    (envelope.properties as JsonObject).body = ref(bodySchemaName(type));
    schemas[transactionSchemaName(type)] = envelope;
  }
  for (const name of Object.keys(API_SCHEMAS) as ApiSchemaName[])
    schemas[name] = plainSchema(API_SCHEMAS[name]);
  schemas.Problem = problemSchema();
  return schemas;
}

/** The OpenAPI 3.1 document of the routes a node with these options serves. */
export function createOpenApiDocument(options: Partial<OpenApiOptions> = {}): OpenApiDocument {
  const { ledger } = { ...OPENAPI_DEFAULTS, ...options };
  const paths: OpenApiDocument['paths'] = {};
  for (const route of ROUTES) {
    if (route.ledger && !ledger) continue;
    const operation = structuredClone(route.operation);
    operation.responses = { ...(operation.responses as JsonObject), ...errorResponses(route) };
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }
  const usedTags = new Set(
    Object.values(paths).flatMap((item) => Object.values(item).flatMap((op) => op.tags as string[])),
  );
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    info: { title: 'Cinnabar', version: NODE_VERSION, description: DESCRIPTION },
    servers: [{ url: '/', description: 'This node' }],
    tags: TAGS.filter((tag) => usedTags.has(tag.name)),
    paths,
    components: {
      // Without the ledger, only what the log's routes refer to.
      schemas: ledger ? componentSchemas() : referencedSchemas(paths, componentSchemas()),
      securitySchemes: {
        operatorToken: {
          type: 'http',
          scheme: 'bearer',
          description: "The operator's append token, from the data directory's `append.token`",
        },
        ...(ledger
          ? {
              cinnabarUpload: {
                type: 'http',
                scheme: UPLOAD_AUTH_SCHEME,
                description: UPLOAD_AUTH_DESCRIPTION,
              },
              cinnabarRead: {
                type: 'http',
                scheme: READ_AUTH_SCHEME,
                description: READ_AUTH_DESCRIPTION,
              },
            }
          : {}),
      },
    },
  };
}

/** The component schemas `root` refers to, directly or through other components. */
function referencedSchemas(root: unknown, schemas: Record<string, JsonObject>): Record<string, JsonObject> {
  const found: Record<string, JsonObject> = {};
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      const name = key === '$ref' && typeof child === 'string' ? child.split('/').pop() : undefined;
      if (name !== undefined && schemas[name] && !found[name]) {
        found[name] = schemas[name];
        visit(schemas[name]);
      } else visit(child);
    }
  };
  visit(root);
  return found;
}
