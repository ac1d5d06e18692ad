/**
 * JSON Schemas (TypeBox) of what the HTTP API answers, and of the signed transaction envelope it
 * takes, for the OpenAPI document (openapi.ts). The request bodies' own schemas are core's
 * BODY_SCHEMAS, which the ledger's rules validate with; these describe the rest. Responses are
 * open (no `additionalProperties: false`): a later version may add fields. The tests check that
 * every record type is exactly its schema's static type and that real responses match.
 */
import {
  AiLabelSchema,
  AssetIdSchema,
  AssetMetadataSchema,
  BODY_SCHEMAS,
  CidSchema,
  CredentialSchema,
  DetectionPolicySchema,
  DidKeySchema,
  DidWebSchema,
  FreezeTargetSchema,
  LicenceTermsSchema,
  MAX_EDITIONS,
  MAX_ENTRY_SIZE,
  MediaTypeSchema,
  PlacementSchema,
  PlaceSchema,
  PolicySchema,
  RECEIPT_FORMAT,
  RoleSchema,
  RoomSchema,
  SPACE_CATEGORIES,
  SupervisionFreezeBody,
  type TransactionType,
  TX_VERSION,
  TxIdSchema,
} from '@cinnabar/core';
import { type TObject, type TSchema, Type } from '@sinclair/typebox';

/** A count or log index. */
const WholeNumber = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Base64 = Type.String({
  pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$',
  description: 'Standard base64 (RFC 4648 §4), padded',
});
const Sha256Base64 = Type.String({
  pattern: '^[A-Za-z0-9+/]{43}=$',
  description: 'A SHA-256 hash, standard base64',
});
const SignedNote = Type.String({
  maxLength: 1_000_000,
  description: 'A signed checkpoint note (C2SP tlog-checkpoint, signed-note)',
});
const TlogProofText = Type.String({ description: 'The inclusion proof as a C2SP tlog-proof' });
/**
 * A decimal number in a path or query: no sign, no leading zeros, at most 2^53 - 1. The proof
 * routes check the same form (proof-routes.ts `whole`).
 */
export const DECIMAL_PATTERN = '^(0|[1-9][0-9]{0,15})$';
export const DecimalParamSchema = Type.String({ pattern: DECIMAL_PATTERN });

/**
 * A tile path under /log/tile/ (C2SP tlog-tiles): `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`,
 * <L> 0..63, <N> in 3-digit groups all but the last prefixed by "x" (no leading x000), <W> 1..255.
 * parseTilePath (core) is the authority; it also refuses an index above 2^53 - 1.
 */
export const TILE_PATH_PATTERN =
  '^(entries|0|[1-9]|[1-5][0-9]|6[0-3])/(x(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})/(x[0-9]{3}/){0,4})?[0-9]{3}(\\.p/([1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$';

/** RFC 3339 UTC with seconds or milliseconds: the one spelling a transaction's time may have. */
export const TX_TIME_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?Z$';

export const LogRefSchema = Type.Object(
  {
    index: WholeNumber,
    txId: TxIdSchema,
    time: Type.String({ description: "The transaction's own time, as its actor signed it" }),
  },
  { description: 'Where in the log a record was made or changed' },
);

export const LedgerRecordSchema = Type.Object(
  {
    kind: Type.Literal('ledger'),
    operator: DidKeySchema,
    name: Type.String(),
    policy: PolicySchema,
    genesis: LogRefSchema,
  },
  { description: 'The ledger itself: its operator, name and policy, set by the genesis transaction' },
);

const FrozenSchema = Type.Object(
  {
    freeze: TxIdSchema,
    until: Type.Optional(Type.String({ description: 'When the freeze ends by itself' })),
    since: LogRefSchema,
    by: Type.Optional(
      Type.Literal('dispute', { description: 'Frozen while a dispute is open: `freeze` is the dispute' }),
    ),
  },
  { description: 'Frozen by a regulator: the freeze (supervision.freeze) and its end, if it has one' },
);

export const IdentityRecordSchema = Type.Object({
  kind: Type.Literal('identity'),
  did: DidKeySchema,
  type: Type.Union([Type.Literal('person'), Type.Literal('organization')]),
  name: Type.String(),
  alias: Type.Optional(DidWebSchema),
  seq: Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: "The sequence number of the identity's last accepted transaction",
  }),
  roles: Type.Array(
    Type.Object({
      role: RoleSchema,
      credential: Type.String(),
      validFrom: Type.String(),
      validUntil: Type.Optional(Type.String()),
    }),
    {
      description: 'Roles held through unrevoked role credentials (the operator holds every role besides)',
    },
  ),
  realName: Type.Array(
    Type.Object({
      credential: Type.String(),
      validFrom: Type.String(),
      validUntil: Type.Optional(Type.String()),
    }),
    {
      description: 'Unrevoked real-name credentials about this identity',
    },
  ),
  registered: LogRefSchema,
  lastTx: LogRefSchema,
  frozen: Type.Optional(FrozenSchema),
});

export const IdentityViewSchema = Type.Composite(
  [
    IdentityRecordSchema,
    Type.Object({ isOperator: Type.Boolean({ description: "Whether this is the ledger's operator" }) }),
  ],
  { description: 'A registered identity' },
);

export const CredentialRecordSchema = Type.Object(
  {
    kind: Type.Literal('credential'),
    id: Type.String({ description: 'urn:uuid:…' }),
    issuer: DidKeySchema,
    subject: DidKeySchema,
    credentialType: Type.Union([Type.Literal('role'), Type.Literal('real-name')]),
    role: Type.Optional(RoleSchema),
    credential: CredentialSchema,
    issued: LogRefSchema,
    revoked: Type.Optional(
      Type.Composite([LogRefSchema, Type.Object({ by: DidKeySchema, reason: Type.Optional(Type.String()) })]),
    ),
  },
  { description: 'A credential logged on the ledger, and its revocation if revoked' },
);

const ItemListingSchema = Type.Object(
  { id: TxIdSchema, price: Type.String({ description: 'CNY, a decimal string' }) },
  { description: 'Listed for sale: no transfer while the listing is open' },
);

/** What binds an edition besides its owner (a work's are spelled out in AssetRecordSchema). */
const HoldingStateProperties = {
  acquired: Type.Optional(Type.Composite([LogRefSchema], { description: 'When the current owner got it' })),
  pendingTransfer: Type.Optional(Type.Object({ to: DidKeySchema, offer: LogRefSchema })),
  custody: Type.Optional(
    Type.Object({ custodian: DidKeySchema, depositor: DidKeySchema, since: LogRefSchema }),
  ),
  listing: Type.Optional(ItemListingSchema),
  frozen: Type.Optional(FrozenSchema),
  dispute: Type.Optional(
    Type.String({ pattern: TxIdSchema.pattern, description: 'The dispute open against it' }),
  ),
};

export const AssetRecordSchema = Type.Object(
  {
    kind: Type.Literal('asset'),
    id: AssetIdSchema,
    cid: CidSchema,
    size: WholeNumber,
    mediaType: MediaTypeSchema,
    owner: DidKeySchema,
    registrant: DidKeySchema,
    revision: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'The current revision of the metadata; 0 is the registration',
    }),
    metadata: AssetMetadataSchema,
    registered: LogRefSchema,
    updated: LogRefSchema,
    acquired: Type.Optional(
      Type.Composite([LogRefSchema], {
        description: 'When the current owner got it; absent while its registrant holds it',
      }),
    ),
    pendingTransfer: Type.Optional(
      Type.Object(
        { to: DidKeySchema, offer: LogRefSchema },
        { description: 'A transfer offered and not yet accepted' },
      ),
    ),
    custody: Type.Optional(
      Type.Object(
        { custodian: DidKeySchema, depositor: DidKeySchema, since: LogRefSchema },
        { description: 'Held by a custodian (escrow): no transfer until released' },
      ),
    ),
    listing: Type.Optional(ItemListingSchema),
    frozen: Type.Optional(FrozenSchema),
    dispute: Type.Optional(
      Type.String({ pattern: TxIdSchema.pattern, description: 'The dispute open against it' }),
    ),
    takenDown: Type.Optional(
      Type.Object(
        { takedown: TxIdSchema, since: LogRefSchema },
        { description: 'Its content taken down by a regulator: nodes answer 451 for its bytes' },
      ),
    ),
    editions: Type.Optional(
      Type.Object(
        {
          supply: Type.Integer({ minimum: 1, maximum: MAX_EDITIONS }),
          issuer: DidKeySchema,
          issued: LogRefSchema,
        },
        { description: 'Numbered editions issued of the work; the supply never grows' },
      ),
    ),
  },
  { description: 'A registered asset' },
);

export const EditionRecordSchema = Type.Object(
  {
    kind: Type.Literal('edition'),
    asset: AssetIdSchema,
    number: Type.Integer({ minimum: 1, maximum: MAX_EDITIONS }),
    supply: Type.Integer({ minimum: 1, maximum: MAX_EDITIONS }),
    issuer: DidKeySchema,
    owner: DidKeySchema,
    issued: LogRefSchema,
    ...HoldingStateProperties,
  },
  { description: 'Edition `number` of `supply` of a work: held, transferred and sold on its own' },
);

export const ListingRecordSchema = Type.Object(
  {
    kind: Type.Literal('listing'),
    id: TxIdSchema,
    asset: AssetIdSchema,
    edition: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EDITIONS })),
    seller: DidKeySchema,
    price: Type.String({ description: 'CNY, a decimal string' }),
    status: Type.Union([Type.Literal('open'), Type.Literal('cancelled'), Type.Literal('sold')]),
    listed: LogRefSchema,
    closed: Type.Optional(
      Type.Composite([LogRefSchema], {
        description: 'When it was cancelled or sold (the sale is this entry)',
      }),
    ),
  },
  { description: 'An offer to sell a work or an edition; its id is the id of its listing.create' },
);

const SaleShareSchema = Type.Object({
  did: DidKeySchema,
  amount: Type.String({ description: 'CNY, a decimal string' }),
  basisPoints: Type.Integer({ minimum: 0, maximum: 10_000 }),
});

export const SaleRecordSchema = Type.Object(
  {
    kind: Type.Literal('sale'),
    id: TxIdSchema,
    asset: AssetIdSchema,
    edition: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EDITIONS })),
    listing: TxIdSchema,
    seller: DidKeySchema,
    buyer: DidKeySchema,
    settledBy: DidKeySchema,
    price: Type.String({ description: 'CNY, a decimal string' }),
    paymentHash: Type.String({ description: 'SHA-256 (hex) of the payment reference' }),
    split: Type.Object(
      {
        seller: Type.String({ description: 'CNY the seller keeps' }),
        creator: SaleShareSchema,
        platform: SaleShareSchema,
      },
      {
        description:
          "The price split by the policy's rules: seller, creator's royalty (resales), platform fee",
      },
    ),
    at: LogRefSchema,
  },
  { description: 'A settled sale; its id is the id of its sale.settle' },
);

export const AssetEditionsSchema = Type.Object({
  asset: AssetIdSchema,
  supply: Type.Integer({ minimum: 0, maximum: MAX_EDITIONS, description: '0: no editions issued' }),
  editions: Type.Array(EditionRecordSchema, { description: 'In order of their numbers' }),
  nextCursor: Type.Union([Type.String({ pattern: DECIMAL_PATTERN }), Type.Null()], {
    description: 'Pass as `cursor` for the next page; null on the last page',
  }),
});

export const AssetListingsSchema = Type.Object({
  asset: AssetIdSchema,
  listings: Type.Array(ListingRecordSchema, { description: 'Oldest first, at most 10,000' }),
  truncated: Type.Optional(Type.Literal(true, { description: 'There are more listings than listed' })),
});

export const AssetSalesSchema = Type.Object({
  asset: AssetIdSchema,
  sales: Type.Array(SaleRecordSchema, { description: 'Oldest first, at most 10,000' }),
  truncated: Type.Optional(Type.Literal(true, { description: 'There are more sales than listed' })),
});

/** A page of an identity's records, newest first. */
function partyPage(item: TSchema, description: string) {
  return Type.Object(
    {
      items: Type.Array(item, { description: 'Newest first' }),
      nextCursor: Type.Union([Type.String({ pattern: '^[A-Za-z0-9_-]{1,600}$' }), Type.Null()], {
        description: 'Pass as `cursor` for the next page; null on the last page',
      }),
    },
    { description },
  );
}

export const HoldingsPageSchema = partyPage(
  Type.Union([AssetRecordSchema, EditionRecordSchema]),
  'Works and editions an identity holds',
);

const MarkReason = Type.Union([Type.Literal('perceptual-hash'), Type.Literal('geometry')], {
  description: 'Why it looks like prior work: images that look alike, or the same geometry',
});

export const PriorWorkSchema = Type.Object({
  asset: AssetIdSchema,
  reason: MarkReason,
  distance: Type.Integer({
    minimum: 0,
    maximum: 64,
    description: 'Hamming distance of the perceptual hashes (0 for geometry)',
  }),
  registeredEarlier: Type.Boolean({ description: 'Whether the other asset was registered before this one' }),
  title: Type.Optional(Type.String()),
  owner: Type.Optional(DidKeySchema),
});

const AiLabelCategorySchema = Type.Union([Type.Literal('1'), Type.Literal('2'), Type.Literal('3')], {
  description: 'GB 45438-2025 Label: 1 generated by AI, 2 possibly, 3 suspected',
});

const FoundAiLabelText = Type.String({ maxLength: 256 });

/** An implicit AI label found in a file's metadata (media/ai-label.ts FoundAiLabel). */
export const FoundAiLabelSchema = Type.Object(
  {
    source: Type.Union(
      ['png-text', 'xmp', 'gltf-extras', 'c2pa'].map((s) =>
        Type.Literal(s as 'png-text' | 'xmp' | 'gltf-extras' | 'c2pa'),
      ),
    ),
    location: Type.String({
      description: 'Where in the file, e.g. `PNG tEXt "AIGC"` or `asset.extras.AIGC`',
    }),
    fields: Type.Object(
      {
        Label: Type.Optional(AiLabelCategorySchema),
        ContentProducer: Type.Optional(FoundAiLabelText),
        ProduceID: Type.Optional(FoundAiLabelText),
        ReservedCode1: Type.Optional(FoundAiLabelText),
        ContentPropagator: Type.Optional(FoundAiLabelText),
        PropagateID: Type.Optional(FoundAiLabelText),
        ReservedCode2: Type.Optional(FoundAiLabelText),
      },
      { description: 'The label fields the file gives, as written there (unchecked text)' },
    ),
    digitalSourceType: Type.Optional(
      Type.String({ description: 'C2PA or IPTC: the IPTC digital source type URI that made it an AI label' }),
    ),
  },
  { description: 'A GB 45438-2025 implicit label found in the file' },
);

export const AiLabelViewSchema = Type.Object(
  {
    status: Type.Union(
      (['agrees', 'found-not-declared', 'declared-not-found', 'differs', 'none', 'not-checked'] as const).map(
        (s) => Type.Literal(s),
      ),
      {
        description:
          'The declared label against the labels in the file: agrees, found-not-declared, declared-not-found, ' +
          'differs, none; not-checked when the file’s metadata was not read (its type, or uploaded before labels were read)',
      },
    ),
    mark: Type.Optional(
      Type.Literal('AI label in file, not declared', {
        description: 'Only when status is found-not-declared',
      }),
    ),
    explicit: Type.Optional(
      Type.Object(
        { Label: AiLabelCategorySchema, en: Type.String(), zh: Type.String() },
        {
          description:
            'The explicit label to show with the work wherever it appears: by the declared Label, or by the label found in the file',
        },
      ),
    ),
    declared: Type.Optional(AiLabelSchema),
    found: Type.Array(FoundAiLabelSchema),
  },
  { description: 'GB 45438-2025 AI label: declared, found in the file, and how they compare' },
);

export const AssetViewSchema = Type.Composite(
  [
    AssetRecordSchema,
    Type.Object({
      possiblePriorWork: Type.Array(PriorWorkSchema, {
        description: 'Registered assets that look or are shaped like this one',
      }),
      aiLabel: AiLabelViewSchema,
    }),
  ],
  { description: 'A registered asset, with the possible prior work the node noticed and its AI label' },
);

export const AssetListItemSchema = Type.Composite(
  [
    AssetRecordSchema,
    Type.Object({
      possiblePriorWork: Type.Optional(
        Type.Array(PriorWorkSchema, { description: 'Only when the list was asked by cid' }),
      ),
      aiLabel: Type.Optional(AiLabelViewSchema),
      revisionAt: Type.Optional(
        Type.Object(
          { revision: WholeNumber, metadata: AssetMetadataSchema },
          {
            description:
              'Only when the list was asked with at: the revision valid on that day, and its metadata',
          },
        ),
      ),
    }),
  ],
  { description: 'A registered asset' },
);

export const AssetPageSchema = Type.Object(
  {
    items: Type.Array(AssetListItemSchema, { description: 'Newest registration first' }),
    nextCursor: Type.Union([Type.String({ pattern: DECIMAL_PATTERN }), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  },
  { description: 'A page of assets' },
);

export const AssetRevisionRecordSchema = Type.Object(
  {
    kind: Type.Literal('asset-revision'),
    asset: AssetIdSchema,
    revision: WholeNumber,
    actor: DidKeySchema,
    metadata: AssetMetadataSchema,
    at: LogRefSchema,
  },
  { description: "One revision of an asset's metadata; revision 0 is the registration" },
);

export const AssetEventRecordSchema = Type.Object(
  {
    kind: Type.Literal('asset-event'),
    asset: AssetIdSchema,
    edition: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_EDITIONS, description: 'Absent: the work itself' }),
    ),
    event: Type.Union([
      Type.Literal('transfer-offered'),
      Type.Literal('transferred'),
      Type.Literal('custody-deposited'),
      Type.Literal('custody-released'),
      Type.Literal('sold'),
      Type.Literal('restored'),
    ]),
    from: DidKeySchema,
    to: DidKeySchema,
    at: LogRefSchema,
    offer: Type.Optional(Type.Composite([LogRefSchema], { description: 'The offer this transfer accepted' })),
  },
  { description: 'A transfer offered, or a change of hands' },
);

export const AssetHistorySchema = Type.Object({
  asset: AssetIdSchema,
  registered: Type.Composite([LogRefSchema, Type.Object({ by: DidKeySchema })], {
    description: 'The registration, and by whom',
  }),
  events: Type.Array(AssetEventRecordSchema, { description: 'Oldest first, at most 10,000' }),
  truncated: Type.Optional(Type.Literal(true, { description: 'There are more events than listed' })),
});

export const LicenceRecordSchema = Type.Object(
  {
    kind: Type.Literal('licence'),
    id: TxIdSchema,
    asset: AssetIdSchema,
    grantor: DidKeySchema,
    licensee: DidKeySchema,
    terms: LicenceTermsSchema,
    under: Type.Optional(TxIdSchema),
    granted: LogRefSchema,
    revoked: Type.Optional(
      Type.Composite([LogRefSchema, Type.Object({ by: DidKeySchema, reason: Type.Optional(Type.String()) })]),
    ),
  },
  { description: 'A licence of a work; its id is the id of its licence.grant' },
);

export const AssetLicencesSchema = Type.Object({
  asset: AssetIdSchema,
  licences: Type.Array(LicenceRecordSchema, {
    description:
      'Every licence of the work, revoked and lapsed ones too, in order of their ids; at most 10,000',
  }),
  truncated: Type.Optional(Type.Literal(true, { description: 'There are more licences than listed' })),
});

export const ValuationRecordSchema = Type.Object(
  {
    kind: Type.Literal('valuation'),
    id: TxIdSchema,
    asset: AssetIdSchema,
    appraiser: DidKeySchema,
    method: Type.Union([Type.Literal('cost'), Type.Literal('market'), Type.Literal('income')]),
    amount: Type.String({ description: 'CNY, a decimal string' }),
    date: Type.String(),
    reportHash: Type.String({ description: 'SHA-256 (hex) of the appraisal report' }),
    at: LogRefSchema,
  },
  { description: "An appraiser's attested value of a work" },
);

export const AssetValuationsSchema = Type.Object({
  asset: AssetIdSchema,
  valuations: Type.Array(ValuationRecordSchema, { description: 'Oldest first, at most 10,000' }),
  truncated: Type.Optional(Type.Literal(true, { description: 'There are more valuations than listed' })),
});

export const FreezeRecordSchema = Type.Object(
  {
    kind: Type.Literal('freeze'),
    id: TxIdSchema,
    target: FreezeTargetSchema,
    regulator: DidKeySchema,
    grounds: SupervisionFreezeBody.properties.grounds,
    until: Type.Optional(Type.String()),
    at: LogRefSchema,
    lifted: Type.Optional(
      Type.Composite([LogRefSchema, Type.Object({ by: DidKeySchema, reason: Type.Optional(Type.String()) })]),
    ),
  },
  { description: "A regulator's freeze, its grounds, and its lifting if it was lifted" },
);

export const FreezesPageSchema = partyPage(FreezeRecordSchema, 'Freezes, newest first');

const LiftedSchema = Type.Composite([
  LogRefSchema,
  Type.Object({ by: DidKeySchema, reason: Type.Optional(Type.String()) }),
]);

export const TakedownRecordSchema = Type.Object(
  {
    kind: Type.Literal('takedown'),
    id: TxIdSchema,
    asset: AssetIdSchema,
    regulator: DidKeySchema,
    grounds: SupervisionFreezeBody.properties.grounds,
    at: LogRefSchema,
    restored: Type.Optional(LiftedSchema),
  },
  { description: "A regulator's takedown of a work's content, its grounds, and its restoring if restored" },
);

export const TakedownsPageSchema = partyPage(TakedownRecordSchema, 'Takedowns, newest first');

const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const DisputeRecordSchema = Type.Object(
  {
    kind: Type.Literal('dispute'),
    id: TxIdSchema,
    asset: AssetIdSchema,
    edition: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EDITIONS })),
    contested: Type.Object({
      index: WholeNumber,
      txId: TxIdSchema,
      type: Type.Union([Type.Literal('registration'), Type.Literal('transfer')]),
    }),
    claimant: DidKeySchema,
    respondent: DidKeySchema,
    claim: Type.String(),
    evidence: Type.Array(Sha256Hex, { description: 'SHA-256 (hex) of each piece of evidence' }),
    priorWork: Type.Optional(
      Type.Object({
        asset: Type.Optional(AssetIdSchema),
        cid: Type.Optional(CidSchema),
        description: Type.Optional(Type.String()),
      }),
    ),
    opened: LogRefSchema,
    froze: Type.Boolean({ description: 'Whether opening it froze the item (the policy says)' }),
    response: Type.Optional(
      Type.Composite([LogRefSchema, Type.Object({ text: Type.String(), evidence: Type.Array(Sha256Hex) })]),
    ),
    resolution: Type.Optional(
      Type.Composite([
        LogRefSchema,
        Type.Object({
          arbitrator: DidKeySchema,
          outcome: Type.Union([Type.Literal('dismissed'), Type.Literal('corrected')]),
          reasoning: Type.String(),
          restoredTo: Type.Optional(DidKeySchema),
          restoredFrom: Type.Optional(DidKeySchema),
        }),
      ]),
    ),
  },
  { description: 'A dispute over a registration or a transfer: claim, response and resolution' },
);

export const DisputesPageSchema = partyPage(DisputeRecordSchema, 'Disputes, newest first');

export const AssetSupervisionSchema = Type.Object(
  {
    asset: AssetIdSchema,
    freezes: Type.Array(FreezeRecordSchema, { description: 'Oldest first, at most 1,000' }),
    takedowns: Type.Array(TakedownRecordSchema, { description: 'Oldest first, at most 1,000' }),
    disputes: Type.Array(DisputeRecordSchema, { description: 'Oldest first, at most 1,000' }),
    truncated: Type.Optional(Type.Literal(true, { description: 'There are more than listed' })),
  },
  { description: 'Every freeze, takedown and dispute about a work or one of its editions' },
);

export const SpaceRecordSchema = Type.Object(
  {
    kind: Type.Literal('space'),
    id: TxIdSchema,
    curator: DidKeySchema,
    revision: WholeNumber,
    name: Type.String(),
    description: Type.Optional(Type.String()),
    category: Type.Union(SPACE_CATEGORIES.map((c) => Type.Literal(c))),
    place: Type.Optional(PlaceSchema),
    rooms: Type.Array(RoomSchema),
    placements: Type.Array(PlacementSchema),
    created: LogRefSchema,
    updated: LogRefSchema,
  },
  {
    description:
      "A virtual exhibition space: its rooms and each work's placement (space.create, space.update)",
  },
);

export const SpacesPageSchema = partyPage(SpaceRecordSchema, 'Spaces, newest first');

const StatCount = (description: string) => Type.Integer({ minimum: 0, description });

export const StatsSchema = Type.Object(
  {
    size: Type.Integer({
      minimum: 0,
      description: 'The tree size of the checkpoint the counts were taken at',
    }),
    counts: Type.Object({
      identities: StatCount('Registered identities'),
      credentials: StatCount('Credentials issued (role and real-name), revoked ones too'),
      works: StatCount('Registered works'),
      editions: StatCount('Numbered editions issued'),
      licences: StatCount('Licences granted, revoked ones too'),
      listings: StatCount('Listings, open or closed'),
      sales: StatCount('Settled sales'),
      spaces: StatCount('Virtual exhibition spaces'),
      freezes: StatCount('Freezes, lifted ones too'),
      takedowns: StatCount('Takedowns, restored ones too'),
      disputes: StatCount('Disputes, resolved ones too'),
    }),
  },
  { description: "How big the registry is: the log's size and the records in its state" },
);

export const LicencesPageSchema = partyPage(LicenceRecordSchema, 'Licences an identity holds or granted');
export const ListingsPageSchema = partyPage(ListingRecordSchema, 'Listings');
export const SalesPageSchema = partyPage(SaleRecordSchema, 'Sales an identity made or bought');

export const AssetRevisionsSchema = Type.Object({
  asset: AssetIdSchema,
  revisions: Type.Array(AssetRevisionRecordSchema, { description: 'Oldest first' }),
});

export const ReceiptSchema = Type.Object(
  {
    format: Type.Literal(RECEIPT_FORMAT),
    txId: TxIdSchema,
    index: WholeNumber,
    entry: Base64,
    checkpoint: SignedNote,
    proof: Type.Array(Sha256Base64, { description: 'RFC 9162 inclusion proof, leaf first' }),
    tlogProof: TlogProofText,
    vkey: Type.String({ description: "The log's verifier key as the node served it: NOT a trust anchor" }),
  },
  {
    description:
      'Everything needed to check offline that the transaction is entry `index` of the log (`cinnabar verify`)',
  },
);

export const TxAcceptedSchema = Type.Object(
  {
    txId: TxIdSchema,
    index: WholeNumber,
    type: Type.String({ description: "The transaction's type" }),
    actor: DidKeySchema,
    subject: Type.Object(
      {
        asset: Type.Optional(AssetIdSchema),
        edition: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EDITIONS })),
        credential: Type.Optional(Type.String()),
        licence: Type.Optional(TxIdSchema),
        listing: Type.Optional(TxIdSchema),
        sale: Type.Optional(TxIdSchema),
        freeze: Type.Optional(TxIdSchema),
        takedown: Type.Optional(TxIdSchema),
        dispute: Type.Optional(TxIdSchema),
        space: Type.Optional(TxIdSchema),
        did: Type.Optional(DidKeySchema),
      },
      {
        description:
          'The asset (and edition), credential, licence, listing, sale, freeze, takedown, dispute, space or identity it made or changed',
      },
    ),
    possiblePriorWork: Type.Optional(
      Type.Array(
        Type.Object({
          asset: AssetIdSchema,
          reason: MarkReason,
          distance: Type.Integer({ minimum: 0, maximum: 64 }),
        }),
        { description: 'Registered assets that look or are shaped like this one' },
      ),
    ),
    receipt: ReceiptSchema,
  },
  { description: 'The transaction was sequenced: its place in the log and its receipt' },
);

export const AppendedEntrySchema = Type.Object({ index: WholeNumber });

export const EntryWithProofSchema = Type.Object(
  {
    index: WholeNumber,
    entry: Base64,
    leafHash: Sha256Base64,
    size: Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: "The latest checkpoint's tree size",
    }),
    proof: Type.Array(Sha256Base64, { description: 'RFC 9162 inclusion proof in that tree, leaf first' }),
    checkpoint: SignedNote,
    tlogProof: TlogProofText,
  },
  { description: 'A log entry with its inclusion proof in the latest checkpoint' },
);

export const InclusionProofSchema = Type.Object({
  index: WholeNumber,
  size: WholeNumber,
  proof: Type.Array(Sha256Base64, { description: 'RFC 9162 §2.1.3 inclusion proof, leaf first' }),
});

export const ConsistencyProofSchema = Type.Object({
  from: WholeNumber,
  to: WholeNumber,
  proof: Type.Array(Sha256Base64, { description: 'RFC 9162 §2.1.4 consistency proof' }),
});

const InspectionIssueSchema = Type.Object({
  code: Type.String({ description: "The validator's issue code, or one of the node's" }),
  message: Type.String(),
  pointer: Type.Optional(Type.String({ description: 'JSON pointer into the glTF' })),
  offset: Type.Optional(WholeNumber),
});

const Vec3 = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });

export const MediaInspectionSchema = Type.Object(
  {
    mediaType: Type.String({ description: 'The media type the bytes are, by their content' }),
    kind: Type.Union(['model', 'image', 'video', 'audio', 'other'].map((k) => Type.Literal(k))),
    ok: Type.Boolean(),
    errors: Type.Array(InspectionIssueSchema),
    warnings: Type.Array(InspectionIssueSchema),
    model: Type.Optional(
      Type.Object({
        meshes: WholeNumber,
        primitives: WholeNumber,
        triangles: WholeNumber,
        vertices: WholeNumber,
        materials: WholeNumber,
        textures: WholeNumber,
        bounds: Type.Union([Type.Object({ min: Vec3, max: Vec3 }), Type.Null()]),
        geometryHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      }),
    ),
    image: Type.Optional(
      Type.Object({
        width: WholeNumber,
        height: WholeNumber,
        perceptualHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$' })),
      }),
    ),
    aiLabel: Type.Optional(
      Type.Object(
        {
          found: Type.Array(FoundAiLabelSchema),
          issues: Type.Array(Type.Object({ code: Type.String(), message: Type.String() }), {
            description:
              'Metadata that could not be read (a bad chunk CRC, malformed JSON, a broken manifest)',
          }),
        },
        {
          description:
            'GB 45438-2025 implicit AI labels in the file’s metadata (PNG, JPEG, glTF and GLB only)',
        },
      ),
    ),
  },
  { description: 'What the node found when it inspected the bytes' },
);

export const BlobStoredSchema = Type.Object(
  { cid: CidSchema, size: WholeNumber, mediaType: Type.String(), inspection: MediaInspectionSchema },
  { description: 'The blob is stored (201) or was already (200)' },
);

/** The signed envelope of one transaction type, with its body's schema (transaction.ts). */
export function transactionEnvelopeSchema<T extends TransactionType>(type: T) {
  return Type.Object(
    {
      v: Type.Literal(TX_VERSION),
      type: Type.Literal(type),
      actor: DidKeySchema,
      seq: Type.Integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description: "The actor's sequence number: 1 for its first transaction, then one more each time",
      }),
      time: Type.String({
        pattern: TX_TIME_PATTERN,
        description: 'When the actor made it: RFC 3339 UTC, seconds or milliseconds',
      }),
      body: BODY_SCHEMAS[type],
      sig: Type.String({
        pattern: '^[A-Za-z0-9+/]{86}==$',
        description: 'Ed25519 signature, standard base64, over "cinnabar/tx/v1\\n" || JCS(the rest)',
      }),
    },
    {
      additionalProperties: false,
      description: `A signed ${type} transaction, sent as its RFC 8785 canonical JSON (at most ${MAX_ENTRY_SIZE} bytes)`,
    },
  );
}

const DecimalText = (description: string) => Type.String({ pattern: '^(0|[1-9][0-9]*)$', description });

export const ActivityReportSchema = Type.Object(
  {
    from: Type.Union([Type.String(), Type.Null()], {
      description: 'The first instant counted (null: the start)',
    }),
    to: Type.Union([Type.String(), Type.Null()], {
      description: 'The first instant not counted (null: no end)',
    }),
    bucket: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
    by: Type.Union([Type.Literal('regime'), Type.Literal('mediaType'), Type.Literal('grade'), Type.Null()]),
    rows: Type.Array(
      Type.Object({
        period: Type.String({ description: 'YYYY-MM-DD (a day, or the Monday a week starts on) or YYYY-MM' }),
        group: Type.Optional(
          Type.Union([Type.String(), Type.Null()], {
            description: 'With `by`: the regime, media type or grade',
          }),
        ),
        registrations: WholeNumber,
        transfers: WholeNumber,
        sales: WholeNumber,
        salesFen: DecimalText('The sum of the sale prices in fen'),
        salesYuan: Type.String({ pattern: '^(0|[1-9][0-9]*)\\.[0-9]{2}$', description: 'The same in yuan' }),
        licences: WholeNumber,
      }),
    ),
  },
  { description: 'Registrations, transfers, sales and licences per period, oldest first' },
);

export const HoldersReportSchema = Type.Object(
  {
    holders: Type.Array(Type.Object({ rank: WholeNumber, owner: DidKeySchema, items: WholeNumber }), {
      description: 'Most items (works and editions) first; ties by DID',
    }),
  },
  { description: 'The largest holders' },
);

export const AlertsReportSchema = Type.Object(
  {
    thresholds: DetectionPolicySchema,
    alerts: Type.Array(
      Type.Object({
        rule: Type.Union(
          ['washTrading', 'rapidFlip', 'sharedRealName', 'duplicateBurst'].map((r) => Type.Literal(r)),
        ),
        subject: Type.Union([
          Type.Object({ asset: AssetIdSchema, edition: Type.Optional(WholeNumber) }),
          Type.Object({ identities: Type.Array(DidKeySchema), commitment: Type.String() }),
          Type.Object({ assets: Type.Array(AssetIdSchema) }),
        ]),
        evidence: Type.Array(Type.Object({ index: WholeNumber, txId: Type.Optional(TxIdSchema) }), {
          description: 'The log entries the alert rests on, oldest first',
        }),
        summary: Type.String(),
      }),
    ),
    truncated: Type.Boolean({ description: 'More alerts were found than returned (see limit)' }),
  },
  { description: 'Suspicious patterns, oldest evidence first' },
);

/** GET /v1/assets/{id}/access-log: reads of a graded work's content (GB/T 43697-2024), newest first. */
export const AccessLogPageSchema = Type.Object(
  {
    asset: AssetIdSchema,
    items: Type.Array(
      Type.Object({
        id: Type.Integer({ minimum: 1, description: 'Increasing; the cursor of the next page' }),
        time: Type.String({ format: 'date-time', description: 'When the node decided (UTC)' }),
        did: DidKeySchema,
        cid: CidSchema,
        target: Type.String({ description: 'The method and path read, e.g. `GET /v1/blobs/bafkrei…`' }),
        range: Type.Union([Type.String({ maxLength: 100 }), Type.Null()], {
          description: 'The Range header sent (cut to 100 characters); null: the whole',
        }),
        outcome: Type.Union([Type.Literal('allowed'), Type.Literal('refused')]),
        basis: Type.Union(
          [
            Type.Literal('owner'),
            Type.Literal('edition-owner'),
            Type.Literal('licensee'),
            Type.Literal('operator'),
            Type.Literal('regulator'),
            Type.Null(),
          ],
          { description: 'Why it was allowed; null when refused' },
        ),
      }),
      { description: 'Newest first' },
    ),
    nextCursor: Type.Union([Type.String({ pattern: '^[1-9][0-9]{0,15}$' }), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  },
  { description: "A graded work's access log" },
);

/** Response schemas by their name under components/schemas. */
export const API_SCHEMAS = {
  LogRef: LogRefSchema,
  LedgerRecord: LedgerRecordSchema,
  Identity: IdentityViewSchema,
  CredentialRecord: CredentialRecordSchema,
  Asset: AssetViewSchema,
  AssetPage: AssetPageSchema,
  AssetRevisions: AssetRevisionsSchema,
  AssetHistory: AssetHistorySchema,
  AssetLicences: AssetLicencesSchema,
  AssetValuations: AssetValuationsSchema,
  Licence: LicenceRecordSchema,
  Edition: EditionRecordSchema,
  Listing: ListingRecordSchema,
  Sale: SaleRecordSchema,
  AssetEditions: AssetEditionsSchema,
  AssetListings: AssetListingsSchema,
  AssetSales: AssetSalesSchema,
  HoldingsPage: HoldingsPageSchema,
  LicencesPage: LicencesPageSchema,
  ListingsPage: ListingsPageSchema,
  SalesPage: SalesPageSchema,
  Freeze: FreezeRecordSchema,
  FreezesPage: FreezesPageSchema,
  ActivityReport: ActivityReportSchema,
  HoldersReport: HoldersReportSchema,
  AlertsReport: AlertsReportSchema,
  Takedown: TakedownRecordSchema,
  TakedownsPage: TakedownsPageSchema,
  Dispute: DisputeRecordSchema,
  DisputesPage: DisputesPageSchema,
  AssetSupervision: AssetSupervisionSchema,
  Space: SpaceRecordSchema,
  SpacesPage: SpacesPageSchema,
  Stats: StatsSchema,
  Receipt: ReceiptSchema,
  TxAccepted: TxAcceptedSchema,
  AppendedEntry: AppendedEntrySchema,
  EntryWithProof: EntryWithProofSchema,
  InclusionProof: InclusionProofSchema,
  ConsistencyProof: ConsistencyProofSchema,
  MediaInspection: MediaInspectionSchema,
  BlobStored: BlobStoredSchema,
  AccessLogPage: AccessLogPageSchema,
} as const satisfies Record<string, TObject>;

export type ApiSchemaName = keyof typeof API_SCHEMAS;

/** A schema as plain JSON: TypeBox's symbol keys dropped (as JSON.stringify drops them). */
export function plainSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
