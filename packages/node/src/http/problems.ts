/**
 * The catalogue of stable error codes the HTTP API returns, as RFC 9457 problem+json bodies.
 * docs/errors.md documents each one; a test keeps the two in step.
 */
export const PROBLEMS = {
  bad_request: { status: 400, title: 'The request is malformed' },
  malformed_tile_path: { status: 400, title: 'The tile path is not a valid C2SP tlog-tiles path' },
  unauthorized: { status: 401, title: 'This request needs valid credentials' },
  not_found: { status: 404, title: 'No such resource' },
  uri_too_long: { status: 414, title: 'A path segment is longer than any this API has' },
  tile_not_found: { status: 404, title: 'The log has no such tile yet' },
  entry_not_found: { status: 404, title: 'The log has no entry at this index yet' },
  invalid_proof_request: { status: 400, title: 'The proof asked for does not fit the log' },
  entry_too_large: { status: 413, title: 'The entry is larger than 65,535 bytes' },
  unsupported_media_type: { status: 415, title: 'The request body has the wrong media type' },
  // Blobs (PUT/GET /v1/blobs): see blob-routes.ts.
  length_required: { status: 411, title: 'The upload needs a Content-Length' },
  blob_too_large: { status: 413, title: 'The blob is larger than this node accepts' },
  malformed_upload_authorization: { status: 400, title: 'The Cinnabar-Upload authorization is malformed' },
  bad_upload_signature: { status: 401, title: 'The upload authorization does not verify' },
  unknown_identity: { status: 403, title: 'The actor (or the subject) is not a registered identity' },
  blob_mismatch: { status: 400, title: 'The bytes are not the ones the authorization names' },
  upload_timeout: { status: 408, title: 'The upload was too slow' },
  malformed_media: { status: 422, title: 'The file is not well-formed media' },
  malformed_cid: { status: 400, title: 'The CID is not a raw sha2-256 CIDv1 in base32' },
  blob_not_found: { status: 404, title: 'This node stores no blob with this CID' },
  inspection_not_found: { status: 404, title: 'This blob has no stored inspection' },
  range_not_satisfiable: { status: 416, title: 'The range is outside the blob' },
  // Graded content (GB/T 43697-2024; content-access.ts, docs/data-grades.md).
  read_authorization_required: {
    status: 401,
    title: 'Graded content is read with a signed Cinnabar-Read request',
  },
  malformed_read_authorization: { status: 401, title: 'The Cinnabar-Read authorization is malformed' },
  bad_read_signature: { status: 401, title: 'The read authorization does not verify for this request' },
  read_not_allowed: { status: 403, title: 'This identity may not read this graded content' },
  // Transactions (POST /v1/tx): the envelope, then the ledger's rules (packages/core/src/ledger/rules.ts).
  malformed_transaction: { status: 400, title: 'The transaction envelope is malformed' },
  non_canonical_json: { status: 400, title: 'The transaction is not in RFC 8785 canonical form' },
  invalid_signature: { status: 400, title: "The signature is not the actor's over this transaction" },
  transaction_time_skew: { status: 400, title: "The transaction's time is too far from the node's clock" },
  unknown_type: { status: 400, title: 'The ledger knows no transaction of this type' },
  invalid_body: { status: 400, title: "The transaction's body does not match its type's schema" },
  invalid_credential: { status: 400, title: 'The credential is malformed or its proof does not verify' },
  no_genesis: { status: 409, title: 'The ledger has no genesis transaction yet' },
  genesis_exists: { status: 409, title: 'The ledger already has its genesis transaction' },
  bad_sequence: { status: 409, title: "The sequence number is not the actor's next one" },
  identity_exists: { status: 409, title: 'This identity is already registered' },
  alias_taken: { status: 409, title: 'Another identity has this did:web alias' },
  credential_exists: { status: 409, title: 'A credential with this id was already issued' },
  credential_revoked: { status: 409, title: 'The credential is already revoked' },
  rights_conflict: { status: 409, title: 'These bytes are already registered by someone else' },
  already_registered: { status: 409, title: 'You already registered these bytes' },
  revision_conflict: { status: 409, title: 'The asset is not at the revision this update follows' },
  not_authorized: { status: 403, title: 'The actor does not hold the role this needs' },
  real_name_required: { status: 403, title: 'The policy requires a real-name credential for this' },
  not_owner: { status: 403, title: 'Only the owner may do this' },
  not_recipient: { status: 403, title: 'Only the identity the transfer was offered to may accept it' },
  no_pending_transfer: { status: 409, title: 'The asset has no such transfer waiting to be accepted' },
  holding_period: { status: 403, title: 'The policy does not allow giving this work away yet' },
  gift_cap_reached: { status: 429, title: "The actor has reached the policy's daily number of gifts" },
  licence_conflict: { status: 409, title: 'An exclusive licence would overlap another licence of the work' },
  licence_out_of_scope: {
    status: 403,
    title: 'A sublicence must lie within the licence it is granted under',
  },
  licence_limit: { status: 409, title: 'The work has as many licences in force as it may have' },
  licence_not_found: { status: 404, title: 'No such licence of this work' },
  licence_revoked: { status: 409, title: 'The licence is revoked' },
  in_custody: { status: 409, title: 'The work is held by a custodian until released' },
  not_in_custody: { status: 409, title: 'The work is not in custody' },
  resale_forbidden: { status: 403, title: 'The policy allows only the issuer to sell the work' },
  editions_exist: { status: 409, title: 'The work already has its editions; the supply never grows' },
  edition_not_found: { status: 404, title: 'No such edition of this work' },
  listed: { status: 409, title: 'The item is listed for sale: cancel the listing, or sell it' },
  already_listed: { status: 409, title: 'The item already has an open listing' },
  listing_not_found: { status: 404, title: 'No such listing of this item' },
  listing_closed: { status: 409, title: 'The listing was already sold or cancelled' },
  price_mismatch: { status: 409, title: "The price is not the listing's" },
  right_not_held: { status: 404, title: 'The holder does not hold this right now' },
  frozen: { status: 423, title: 'A regulator has frozen the item or the identity' },
  already_frozen: { status: 409, title: 'It is already frozen' },
  freeze_not_found: { status: 404, title: 'No such freeze holds it' },
  taken_down: { status: 451, title: 'A regulator took this content down; the record and its hash stay' },
  already_taken_down: { status: 409, title: "The work's content is already taken down" },
  takedown_not_found: { status: 404, title: 'No such takedown holds the content down' },
  not_contestable: { status: 409, title: 'The entry is not the registration or a transfer of the item' },
  already_disputed: { status: 409, title: 'The item is already the subject of an open dispute' },
  dispute_not_found: { status: 404, title: 'No such dispute of this item' },
  dispute_closed: { status: 409, title: 'The dispute was already resolved' },
  already_responded: { status: 409, title: 'The other party already responded to the dispute' },
  space_not_found: { status: 404, title: 'No such space' },
  description_must_be_sealed: {
    status: 403,
    title: "The policy seals the descriptions of this grade's works",
  },
  description_must_be_public: {
    status: 403,
    title: "The policy does not seal the descriptions of this grade's works",
  },
  credential_not_found: { status: 404, title: 'No such credential' },
  asset_not_found: { status: 404, title: 'No such asset' },
  blob_required: { status: 422, title: 'Upload the bytes (PUT /v1/blobs) before registering them' },
  blob_size_mismatch: {
    status: 422,
    title: 'The registration states another size than the stored bytes have',
  },
  media_type_mismatch: {
    status: 422,
    title: 'The registration states another media type than the bytes have',
  },
  sealed_description_required: {
    status: 422,
    title: 'Upload the sealed description (PUT /v1/blobs) before naming it',
  },
  malformed_sealed_description: {
    status: 422,
    title: 'The sealed description named is not a valid sealed document',
  },
  // Reads of the ledger state.
  identity_not_found: { status: 404, title: 'No such identity' },
  malformed_did: { status: 400, title: 'The DID is not an Ed25519 did:key' },
  malformed_asset_id: { status: 400, title: 'An asset id is 64 lower-case hex digits' },
  invalid_query: { status: 400, title: 'A query parameter is malformed' },
  invalid_report_range: {
    status: 400,
    title: 'The report’s from and to are not an interval on the calendar',
  },
  internal_error: { status: 500, title: 'Internal error' },
  not_sequencer: { status: 503, title: 'This node does not sequence appends' },
  sequencer_unavailable: { status: 503, title: 'The log cannot take appends right now' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  instance?: string;
  requestId?: string;
  /** Extension members (RFC 9457 §3.2), e.g. the rule that refused a transaction. */
  [extension: string]: unknown;
}

/** An error that becomes a problem+json response with its stable code. */
export class ProblemError extends Error {
  readonly extensions: Record<string, unknown> | undefined;

  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    options?: { cause?: unknown; extensions?: Record<string, unknown> },
  ) {
    super(detail ?? PROBLEMS[code].title, options);
    this.name = 'ProblemError';
    this.extensions = options?.extensions;
  }

  get status(): number {
    return PROBLEMS[this.code].status;
  }
}

export function problemBody(
  code: ProblemCode,
  detail?: string,
  requestId?: string,
  extensions?: Record<string, unknown>,
): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return {
    ...extensions,
    type: `https://cinnabar.dev/problems/${code.replaceAll('_', '-')}`,
    title,
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    ...(requestId === undefined ? {} : { requestId }),
  };
}
