/**
 * The rules of the ledger, in one place, as pure functions: whether a signed transaction is valid
 * against the state before it, and if so, what it writes. The node runs them before it appends;
 * anyone replaying the log runs the same ones and gets the same state.
 *
 * In two steps, so that a node can do the costly, state-free part anywhere (in parallel, before it
 * holds any lock) and fetch exactly the records the second step reads:
 *   prepareTransaction: the body's schema and every check that needs no state (including a
 *                       credential's own proof); says which keys the rules will read.
 *   applyTransaction:   the checks against the state, and the writes.
 * Neither checks the envelope's signature: see verifyTransaction (and checkEntry below).
 */
import { Value } from '@sinclair/typebox/value';
import { parseCid } from '../cid.js';
import { publicKeyFromDidKey, verificationMethodId } from '../did-key.js';
import { placeProblem } from '../grid/place.js';
import {
  decodeTransaction,
  type JsonObject,
  type SignedTransaction,
  transactionId,
  verifyTransaction,
} from '../tx/transaction.js';
import { verifyDocument } from '../vc/eddsa-jcs-2022.js';
import { fromFen, shareOf, toFen } from './money.js';
import {
  type AssetEventRecord,
  type AssetRecord,
  type AssetRevisionRecord,
  aliasKey,
  assetEventKey,
  assetKey,
  assetRevisionKey,
  type CredentialRecord,
  cidKey,
  credentialKey,
  type DisputeRecord,
  disputeKey,
  type EditionRecord,
  editionKey,
  type FreezeRecord,
  type Frozen,
  freezeKey,
  giftCountKey,
  type HeldCredential,
  type Holding,
  type IdentityRecord,
  identityKey,
  LEDGER_KEY,
  type LedgerRecord,
  type LedgerView,
  type LicenceRecord,
  type ListingRecord,
  type LogRef,
  licenceIndexKey,
  licenceKey,
  listingKey,
  type SaleRecord,
  type SpaceRecord,
  type StateRecord,
  type StateWrite,
  saleKey,
  spaceKey,
  type TakedownRecord,
  takedownKey,
  valuationKey,
} from './records.js';
import {
  type AssetAccept,
  type AssetDescription,
  type AssetMetadata,
  type AssetRegister,
  type AssetTransfer,
  type AssetUpdate,
  BODY_SCHEMAS,
  type CredentialIssue,
  type CredentialRevoke,
  type CustodyDeposit,
  type CustodyRelease,
  DEFAULT_CREATOR_ROYALTY_BASIS_POINTS,
  DEFAULT_DISPUTE_POLICY,
  DEFAULT_MARKET_POLICY,
  DEFAULT_PLATFORM_FEE_BASIS_POINTS,
  DESCRIPTION_FIELDS,
  type DisputeOpen,
  type DisputeResolve,
  type DisputeRespond,
  type EditionIssue,
  type FreezeTarget,
  type IdentityRegister,
  isTransactionType,
  isValidBody,
  type LedgerGenesis,
  type LicenceGrant,
  type LicenceRevoke,
  type LicenceTerms,
  type LicenceUse,
  type ListingCancel,
  type ListingCreate,
  type MarketPolicy,
  type PolicySet,
  type SaleSettle,
  type SpaceCreate,
  type SpaceUpdate,
  type SupervisionFreeze,
  type SupervisionRestore,
  type SupervisionTakedown,
  type SupervisionUnfreeze,
  type TransactionType,
  type ValuationAttest,
} from './schemas.js';

/** Every reason a transaction is refused. Stable: match on `code`. `rule` names the rule that refused it. */
export const REJECTION_CODES = [
  'malformed_transaction',
  'invalid_signature',
  'unknown_type',
  'invalid_body',
  'invalid_credential',
  'no_genesis',
  'genesis_exists',
  'bad_sequence',
  'unknown_identity',
  'identity_exists',
  'alias_taken',
  'not_authorized',
  'real_name_required',
  'credential_exists',
  'credential_not_found',
  'credential_revoked',
  'rights_conflict',
  'already_registered',
  'asset_not_found',
  'not_owner',
  'revision_conflict',
  'not_recipient',
  'no_pending_transfer',
  'holding_period',
  'gift_cap_reached',
  'licence_conflict',
  'licence_out_of_scope',
  'licence_limit',
  'licence_not_found',
  'licence_revoked',
  'in_custody',
  'not_in_custody',
  'resale_forbidden',
  'editions_exist',
  'edition_not_found',
  'listed',
  'already_listed',
  'listing_not_found',
  'listing_closed',
  'price_mismatch',
  'frozen',
  'already_frozen',
  'freeze_not_found',
  'already_taken_down',
  'takedown_not_found',
  'not_contestable',
  'already_disputed',
  'dispute_not_found',
  'dispute_closed',
  'already_responded',
  'space_not_found',
  'description_must_be_sealed',
  'description_must_be_public',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  ok: false;
  code: RejectionCode;
  rule: string;
  message: string;
  /** Machine-readable facts, e.g. the prior registration of a rights conflict. */
  details?: JsonObject;
}

/** A transaction whose body passed every state-free check, with the keys its rules will read. */
export interface PreparedTransaction {
  ok: true;
  tx: SignedTransaction;
  type: TransactionType;
  keys: string[];
}

/** What an accepted transaction did. */
export interface Acceptance {
  ok: true;
  writes: StateWrite[];
  /** The asset, credential, licence or identity the transaction made or changed. */
  subject: {
    asset?: string;
    edition?: number;
    credential?: string;
    licence?: string;
    listing?: string;
    sale?: string;
    freeze?: string;
    takedown?: string;
    dispute?: string;
    space?: string;
    did?: string;
  };
}

/** Where the transaction is being appended: its log index and id (hex SHA-256 of the entry). */
export interface ApplyContext {
  index: number;
  txId: string;
}

const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function reject(code: RejectionCode, rule: string, message: string, details?: JsonObject): Rejection {
  return details === undefined
    ? { ok: false, code, rule, message }
    : { ok: false, code, rule, message, details };
}

/** Schema and every check that needs no state. */
export function prepareTransaction(tx: SignedTransaction): PreparedTransaction | Rejection {
  const type = tx.type;
  if (!isTransactionType(type))
    return reject('unknown_type', 'type', `"${type}" is not a transaction type this ledger knows`);
  if (!isValidBody(type, tx.body)) {
    const schema = BODY_SCHEMAS[type];
    const first = Value.Errors(schema, tx.body).First();
    const where = first?.path ? `body${first.path.replaceAll('/', '.')}` : 'body';
    return reject(
      'invalid_body',
      `${type}.schema`,
      `${where}: ${first?.message ?? 'does not match the schema'}`,
    );
  }
  const keys = [LEDGER_KEY, identityKey(tx.actor)];
  const invalid = (message: string): Rejection => reject('invalid_body', `${type}.body`, message);
  switch (type) {
    case 'ledger.genesis':
      break;
    case 'identity.register': {
      const body = tx.body as IdentityRegister;
      if (body.alias !== undefined) {
        if (body.kind !== 'organization') return invalid('only an organization may have a did:web alias');
        keys.push(aliasKey(body.alias));
      }
      break;
    }
    case 'credential.issue': {
      const body = tx.body as CredentialIssue;
      const problem = credentialProblem(body, tx.actor);
      if (problem) return reject('invalid_credential', 'credential.issue.credential', problem);
      keys.push(credentialKey(body.credential.id), identityKey(body.credential.credentialSubject.id));
      break;
    }
    case 'credential.revoke': {
      const body = tx.body as CredentialRevoke;
      const problem = didProblem(body.subject);
      if (problem) return invalid(`subject: ${problem}`);
      keys.push(credentialKey(body.id), identityKey(body.subject));
      break;
    }
    case 'asset.register': {
      const body = tx.body as AssetRegister;
      try {
        parseCid(body.cid);
      } catch (error) {
        return invalid(`cid: ${(error as Error).message}`);
      }
      const problem = metadataProblem(body);
      if (problem) return invalid(problem);
      keys.push(cidKey(body.cid), ...(body.derivedFrom ?? []).map(assetKey));
      if (body.sealed) keys.push(cidKey(body.sealed));
      break;
    }
    case 'asset.update': {
      const body = tx.body as AssetUpdate;
      const problem = metadataProblem(body);
      if (problem) return invalid(problem);
      if (body.derivedFrom?.includes(body.asset)) return invalid('an asset cannot be derived from itself');
      keys.push(assetKey(body.asset), ...(body.derivedFrom ?? []).map(assetKey));
      if (body.sealed) keys.push(cidKey(body.sealed));
      break;
    }
    case 'policy.set': {
      const market = (tx.body as PolicySet).policy.market;
      if (market && royaltyOf(market) + platformFeeOf(market) > 10_000)
        return invalid('policy.market: the royalty and the platform fee together exceed the price');
      break;
    }
    case 'asset.transfer': {
      const body = tx.body as AssetTransfer;
      const problem = didProblem(body.to);
      if (problem) return invalid(`to: ${problem}`);
      if (body.to === tx.actor) return invalid('to: an owner cannot transfer an asset to themselves');
      // The gift count is read whatever the regime: the policy is state, unknown here.
      keys.push(...itemKeys(body), identityKey(body.to), giftCountKey(tx.actor, chinaDay(tx.time)));
      break;
    }
    case 'asset.accept': {
      keys.push(...itemKeys(tx.body as AssetAccept));
      break;
    }
    case 'edition.issue': {
      keys.push(assetKey((tx.body as EditionIssue).asset));
      break;
    }
    case 'listing.create': {
      const body = tx.body as ListingCreate;
      if (toFen(body.price) === 0n) return invalid('price: a listing asks more than zero');
      keys.push(...itemKeys(body));
      break;
    }
    case 'listing.cancel': {
      const body = tx.body as ListingCancel;
      keys.push(...itemKeys(body), listingKey(body.asset, body.listing));
      break;
    }
    case 'supervision.freeze': {
      const body = tx.body as SupervisionFreeze;
      const problem = targetProblem(body.target);
      if (problem) return invalid(problem);
      if (body.until !== undefined && !isRealDateTime(body.until))
        return invalid('until must be an XML Schema dateTimeStamp such as 2027-01-01T00:00:00Z');
      if (body.until !== undefined && Date.parse(body.until) <= Date.parse(tx.time))
        return invalid('until must be after the freeze');
      keys.push(...targetKeys(body.target));
      break;
    }
    case 'supervision.unfreeze': {
      const body = tx.body as SupervisionUnfreeze;
      const problem = targetProblem(body.target);
      if (problem) return invalid(problem);
      keys.push(...targetKeys(body.target), freezeKey(body.freeze));
      break;
    }
    case 'supervision.takedown': {
      keys.push(assetKey((tx.body as SupervisionTakedown).asset));
      break;
    }
    case 'supervision.restore': {
      const body = tx.body as SupervisionRestore;
      keys.push(assetKey(body.asset), takedownKey(body.takedown));
      break;
    }
    case 'dispute.open': {
      const body = tx.body as DisputeOpen;
      if (body.contested.index === 0)
        return invalid('contested: entry 0 is the genesis, not a registration or a transfer');
      keys.push(...itemKeys(body), assetEventKey(body.asset, body.contested.index));
      if (body.priorWork?.asset !== undefined) {
        if (body.priorWork.asset === body.asset)
          return invalid('priorWork.asset: a work is not its own prior work');
        keys.push(assetKey(body.priorWork.asset));
      }
      if (body.priorWork?.cid !== undefined)
        try {
          parseCid(body.priorWork.cid);
        } catch (error) {
          return invalid(`priorWork.cid: ${(error as Error).message}`);
        }
      break;
    }
    case 'dispute.respond': {
      keys.push(disputeKey((tx.body as DisputeRespond).dispute));
      break;
    }
    case 'dispute.resolve': {
      const body = tx.body as DisputeResolve;
      if (body.outcome === 'dismiss' && (body.restoreTo !== undefined || body.listing !== undefined))
        return invalid('restoreTo and listing belong to a correction, not a dismissal');
      if (body.restoreTo !== undefined) {
        const problem = didProblem(body.restoreTo);
        if (problem) return invalid(`restoreTo: ${problem}`);
        keys.push(identityKey(body.restoreTo));
      }
      keys.push(disputeKey(body.dispute), ...itemKeys(body));
      if (body.listing !== undefined) keys.push(listingKey(body.asset, body.listing));
      break;
    }
    case 'space.create':
    case 'space.update': {
      const body = tx.body as SpaceCreate | SpaceUpdate;
      const problem = spaceProblem(body);
      if (problem) return invalid(problem);
      if ('space' in body) keys.push(spaceKey(body.space));
      for (const placement of body.placements)
        keys.push(...itemKeys(placement), licenceIndexKey(placement.asset));
      break;
    }
    case 'sale.settle': {
      const body = tx.body as SaleSettle;
      const problem = didProblem(body.buyer);
      if (problem) return invalid(`buyer: ${problem}`);
      keys.push(...itemKeys(body), listingKey(body.asset, body.listing), identityKey(body.buyer));
      break;
    }
    case 'licence.grant': {
      const body = tx.body as LicenceGrant;
      const didIssue = didProblem(body.licensee);
      if (didIssue) return invalid(`licensee: ${didIssue}`);
      const problem = termsProblem(body.terms);
      if (problem) return invalid(problem);
      if (body.licensee === tx.actor) return invalid('licensee: a licence is granted to someone else');
      keys.push(assetKey(body.asset), identityKey(body.licensee), licenceIndexKey(body.asset));
      if (body.under !== undefined) keys.push(licenceKey(body.asset, body.under));
      break;
    }
    case 'licence.revoke': {
      const body = tx.body as LicenceRevoke;
      keys.push(assetKey(body.asset), licenceKey(body.asset, body.licence), licenceIndexKey(body.asset));
      break;
    }
    case 'valuation.attest': {
      const body = tx.body as ValuationAttest;
      if (!isRealDate(body.date)) return invalid(`date: ${body.date} is not a calendar date`);
      keys.push(assetKey(body.asset));
      break;
    }
    case 'custody.deposit': {
      const body = tx.body as CustodyDeposit;
      const problem = didProblem(body.custodian);
      if (problem) return invalid(`custodian: ${problem}`);
      if (body.custodian === tx.actor) return invalid('custodian: an owner cannot be its own custodian');
      keys.push(...itemKeys(body), identityKey(body.custodian));
      break;
    }
    case 'custody.release': {
      const body = tx.body as CustodyRelease;
      const problem = didProblem(body.to);
      if (problem) return invalid(`to: ${problem}`);
      keys.push(...itemKeys(body), identityKey(body.to));
      break;
    }
  }
  return { ok: true, tx, type, keys: [...new Set(keys)] };
}

/** Why a space's plan is impossible, if it is: rooms that overlap, doors off their walls, works outside their rooms. */
function spaceProblem(body: SpaceCreate | SpaceUpdate): string | undefined {
  if (body.place !== undefined) {
    const problem = placeProblem(body.place);
    if (problem) return `place: ${problem}`;
  }
  const rooms = new Map<string, SpaceCreate['rooms'][number]>();
  for (const [i, room] of body.rooms.entries()) {
    if (rooms.has(room.id)) return `rooms[${i}]: room id ${room.id} appears twice`;
    for (const other of rooms.values())
      if (
        room.x < other.x + other.width &&
        other.x < room.x + room.width &&
        room.z < other.z + other.depth &&
        other.z < room.z + room.depth
      )
        return `rooms[${i}]: room ${room.id} overlaps room ${other.id}`;
    for (const [j, door] of (room.doors ?? []).entries()) {
      const length = door.wall === 'north' || door.wall === 'south' ? room.width : room.depth;
      if (door.offset - door.width / 2 < 0 || door.offset + door.width / 2 > length)
        return `rooms[${i}].doors[${j}]: the door does not fit the ${door.wall} wall (${length} m)`;
    }
    rooms.set(room.id, room);
  }
  const shown = new Set<string>();
  for (const [i, placement] of body.placements.entries()) {
    const room = rooms.get(placement.room);
    if (!room) return `placements[${i}]: there is no room ${placement.room}`;
    if (placement.x > room.width || placement.z > room.depth || placement.y > room.height)
      return `placements[${i}]: (${placement.x}, ${placement.y}, ${placement.z}) is outside room ${room.id} (${room.width} x ${room.height} x ${room.depth} m)`;
    const item = `${placement.asset}#${placement.edition ?? ''}`;
    if (shown.has(item)) return `placements[${i}]: the same work is placed twice`;
    shown.add(item);
  }
  return undefined;
}

/** Why a freeze's target is malformed, if it is. */
function targetProblem(target: FreezeTarget): string | undefined {
  if ('did' in target) {
    const problem = didProblem(target.did);
    return problem === undefined ? undefined : `target.did: ${problem}`;
  }
  return undefined;
}

function targetKeys(target: FreezeTarget): string[] {
  return 'did' in target ? [identityKey(target.did)] : itemKeys(target);
}

/** Whether a freeze holds at `time` (the transaction's). */
function frozenAt(frozen: Frozen | undefined, time: string): frozen is Frozen {
  return frozen !== undefined && (frozen.until === undefined || Date.parse(time) < Date.parse(frozen.until));
}

function frozenRefusal(what: string, frozen: Frozen, rule = 'supervision.freeze'): Rejection {
  if (frozen.by === 'dispute')
    return reject(
      'frozen',
      'dispute.open.freeze',
      `${what} is frozen while dispute ${frozen.freeze} (entry ${frozen.since.index}) is open`,
      { dispute: frozen.freeze },
    );
  return reject(
    'frozen',
    rule,
    `${what} is frozen by freeze ${frozen.freeze} (entry ${frozen.since.index})${frozen.until ? ` until ${frozen.until}` : ''}`,
    { freeze: frozen.freeze },
  );
}

/** The keys of an item: its work, and the edition if it is one. */
function itemKeys(body: { asset: string; edition?: number }): string[] {
  return body.edition === undefined
    ? [assetKey(body.asset)]
    : [assetKey(body.asset), editionKey(body.asset, body.edition)];
}

function royaltyOf(market: MarketPolicy): number {
  return market.creatorRoyaltyBasisPoints ?? DEFAULT_CREATOR_ROYALTY_BASIS_POINTS;
}

function platformFeeOf(market: MarketPolicy): number {
  return market.platformFeeBasisPoints ?? DEFAULT_PLATFORM_FEE_BASIS_POINTS;
}

function termsProblem(terms: LicenceTerms): string | undefined {
  if (!isRealDate(terms.start)) return `terms.start: ${terms.start} is not a calendar date`;
  if (terms.end !== undefined) {
    if (!isRealDate(terms.end)) return `terms.end: ${terms.end} is not a calendar date`;
    if (terms.end < terms.start) return `terms.end: ${terms.end} is before the start, ${terms.start}`;
  }
  return undefined;
}

function didProblem(did: string): string | undefined {
  try {
    publicKeyFromDidKey(did);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A calendar date that exists (no February 30th), YYYY[-MM[-DD]], years 0000 to 9999. */
function isRealDate(date: string): boolean {
  const [year, month = 1, day = 1] = date.split('-').map(Number);
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(year!, month - 1, day);
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** An XML Schema dateTimeStamp whose date and time exist (Date.parse rolls Feb 30 over to March). */
function isRealDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m || Number.isNaN(Date.parse(text))) return false;
  const [hour, minute, second] = text.slice(11, 19).split(':').map(Number);
  return isRealDate(text.slice(0, 10)) && hour! < 24 && minute! < 60 && second! < 60;
}

/**
 * What is wrong with a body's metadata that the state cannot change, or undefined: the form (a
 * public description or a sealed one, not both) and the description's dates, place and creators.
 */
function metadataProblem(metadata: AssetMetadata & { cid?: string }): string | undefined {
  if (metadata.sealed !== undefined) {
    const inTheClear = DESCRIPTION_FIELDS.filter((field) => metadata[field] !== undefined);
    if (inTheClear.length > 0)
      return `${inTheClear.join(', ')}: a body with a sealed description leaves the description's fields to the sealed document`;
    try {
      parseCid(metadata.sealed);
    } catch (error) {
      return `sealed: ${(error as Error).message}`;
    }
    if (metadata.sealed === metadata.cid)
      return 'sealed: the sealed description cannot be the content itself';
    return undefined;
  }
  if (metadata.title === undefined || metadata.creators === undefined)
    return `${metadata.title === undefined ? 'title' : 'creators'}: required, unless the description is sealed (sealed)`;
  return descriptionProblem({ ...metadata, title: metadata.title, creators: metadata.creators });
}

/** What is wrong with a description (public, or in a sealed document) beyond its schema, or undefined. */
export function descriptionProblem(description: AssetDescription): string | undefined {
  for (const [name, date] of [
    ['created', description.created],
    ['timeSpan.start', description.timeSpan?.start],
    ['timeSpan.end', description.timeSpan?.end],
  ] as const) {
    if (date !== undefined && !isRealDate(date)) return `${name}: ${date} is not a calendar date`;
  }
  const span = description.timeSpan;
  // Dates of different precision compare by their common prefix: 2020 does not end before 2020-05.
  if (span?.end !== undefined && span.end < span.start && !span.start.startsWith(span.end))
    return 'timeSpan: end is before start';
  if (description.place) {
    const problem = placeProblem(description.place);
    if (problem) return problem;
  }
  for (const [i, creator] of description.creators.entries()) {
    if (creator.did?.startsWith('did:key:')) {
      const problem = didProblem(creator.did);
      if (problem) return `creators.${i}.did: ${problem}`;
    }
  }
  return undefined;
}

/**
 * Why the policy refuses this form of description for the work's grade (sealed where the policy
 * seals the grade's descriptions, public elsewhere), or a sealed document already naming another
 * work or content; undefined if neither.
 */
function sealingRejection(
  ledger: LedgerRecord,
  state: Scratch,
  metadata: AssetMetadata,
  asset: string,
): Rejection | undefined {
  const sealedGrades: readonly string[] = ledger.policy.sealDescriptions ?? [];
  const mustSeal = sealedGrades.includes(metadata.grade);
  if (mustSeal && metadata.sealed === undefined)
    return reject(
      'description_must_be_sealed',
      'policy.seal-descriptions',
      `the policy seals the descriptions of ${metadata.grade} works: put the title, creators and the rest in a sealed document and name it in sealed`,
      { grade: metadata.grade },
    );
  if (!mustSeal && metadata.sealed !== undefined)
    return reject(
      'description_must_be_public',
      'policy.seal-descriptions',
      `the policy does not seal the descriptions of ${metadata.grade} works: give the title, creators and the rest in the body`,
      { grade: metadata.grade },
    );
  if (metadata.sealed === undefined) return undefined;
  const prior = state.get(cidKey(metadata.sealed), 'cid');
  if (prior && (prior.asset !== asset || prior.part !== 'sealed-description'))
    return reject(
      'rights_conflict',
      'asset.sealed.unique',
      `the bytes of ${metadata.sealed} were registered by ${prior.registrant} for asset ${prior.asset} at entry ${prior.registered.index}`,
      { asset: prior.asset, registrant: prior.registrant, index: prior.registered.index },
    );
  return undefined;
}

/** Record that a sealed document belongs to the work (once: a revision may keep the last one's). */
function putSealedDescription(
  state: Scratch,
  sealed: string | undefined,
  asset: string,
  actor: string,
  at: LogRef,
): void {
  if (sealed === undefined || state.get(cidKey(sealed), 'cid')) return;
  state.put(cidKey(sealed), {
    kind: 'cid',
    cid: sealed,
    asset,
    registrant: actor,
    registered: at,
    part: 'sealed-description',
  });
}

/** Everything about a credential that can be checked without the state, or undefined if sound. */
function credentialProblem(body: CredentialIssue, actor: string): string | undefined {
  const vc = body.credential;
  if (vc['@context'].length !== 1 || vc['@context'][0] !== VC_CONTEXT)
    return `@context must be ["${VC_CONTEXT}"]`;
  if (vc.issuer !== actor) return 'the issuer must be the actor who logs the credential';
  if (vc.type[0] !== 'VerifiableCredential' || vc.type[1] === 'VerifiableCredential')
    return 'type must be ["VerifiableCredential", "CinnabarRoleCredential" or "CinnabarRealNameCredential"]';
  const subject = vc.credentialSubject;
  const isRole = vc.type[1] === 'CinnabarRoleCredential';
  if (isRole !== 'role' in subject)
    return isRole ? 'a role credential names a role' : 'a real-name credential carries a realName commitment';
  const subjectProblem = didProblem(subject.id);
  if (subjectProblem) return `credentialSubject.id: ${subjectProblem}`;
  for (const field of ['validFrom', 'validUntil'] as const) {
    const value = vc[field];
    if (value !== undefined && !isRealDateTime(value))
      return `${field} must be an XML Schema dateTimeStamp such as 2026-11-21T06:00:00Z`;
  }
  if (vc.validUntil !== undefined && Date.parse(vc.validUntil) <= Date.parse(vc.validFrom))
    return 'validUntil must be after validFrom';
  if (vc.proof.verificationMethod !== verificationMethodId(vc.issuer))
    return "the proof's verificationMethod must be the issuer's own key";
  try {
    if (!verifyDocument(vc, { expectedProofPurpose: 'assertionMethod' }))
      return 'the proof does not verify: the credential was changed or not signed by its issuer';
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

type RecordOf<K extends StateRecord['kind']> = Extract<StateRecord, { kind: K }>;

/**
 * A deep copy of a state record. Records are JSON data (they are stored as JSON): plain objects,
 * arrays and scalars, so a walk copies them several times faster than structuredClone.
 */
function cloneRecord<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneRecord) as T;
  const copy: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const name of Object.keys(source)) {
    const member = source[name];
    // An own data property, as JSON.parse makes it; assignment would set the prototype instead.
    if (name === '__proto__')
      Object.defineProperty(copy, name, {
        value: cloneRecord(member),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[name] = cloneRecord(member);
  }
  return copy as T;
}

/**
 * Holds the records one transaction reads and writes: reads go to the view once, writes stay
 * here until the transaction is accepted. Records from the view are copied, never changed.
 */
class Scratch {
  private readonly written = new Map<string, StateRecord>();
  constructor(private readonly view: LedgerView) {}

  get<K extends StateRecord['kind']>(key: string, kind: K): RecordOf<K> | undefined {
    const record = this.written.get(key) ?? this.view.get(key);
    if (record === undefined) return undefined;
    if (record.kind !== kind) throw new Error(`state key ${key} holds a ${record.kind}, not a ${kind}`);
    return record as RecordOf<K>;
  }

  /** A copy to change and put back. */
  edit<K extends StateRecord['kind']>(key: string, kind: K): RecordOf<K> | undefined {
    const record = this.get(key, kind);
    return record === undefined ? undefined : cloneRecord(record);
  }

  put(key: string, record: StateRecord): void {
    this.written.set(key, record);
  }

  writes(): StateWrite[] {
    return [...this.written].map(([key, record]) => ({ key, record }));
  }
}

/**
 * Check a prepared transaction against the state and compute its writes. `view` must answer for
 * every key in `prepared.keys`; the rules read no others.
 */
export function applyTransaction(
  view: LedgerView,
  prepared: PreparedTransaction,
  context: ApplyContext,
): Acceptance | Rejection {
  const { tx, type } = prepared;
  const state = new Scratch(view);
  const at: LogRef = { index: context.index, txId: context.txId, time: tx.time };
  const ledger = state.get(LEDGER_KEY, 'ledger');
  const actor = state.edit(identityKey(tx.actor), 'identity');

  if (type !== 'ledger.genesis' && !ledger)
    return reject('no_genesis', 'ledger.genesis.first', 'the ledger has no genesis transaction yet');
  if (!actor && type !== 'ledger.genesis' && type !== 'identity.register')
    return reject(
      'unknown_identity',
      'identity.registered',
      `${tx.actor} must register (identity.register) first`,
    );
  const expectedSeq = (actor?.seq ?? 0) + 1;
  if (tx.seq !== expectedSeq)
    return reject(
      'bad_sequence',
      'sequence',
      tx.seq < expectedSeq
        ? `seq ${tx.seq} of ${tx.actor} was already used; the next is ${expectedSeq}`
        : `seq ${tx.seq} skips ahead; the next for ${tx.actor} is ${expectedSeq}`,
      { expected: expectedSeq },
    );

  if (type === 'ledger.genesis') {
    if (ledger)
      return reject(
        'genesis_exists',
        'ledger.genesis.once',
        `the ledger began at entry ${ledger.genesis.index}`,
      );
    const body = tx.body as LedgerGenesis;
    state.put(LEDGER_KEY, {
      kind: 'ledger',
      operator: tx.actor,
      name: body.name,
      policy: body.policy,
      genesis: at,
    });
    state.put(identityKey(tx.actor), newIdentity(tx.actor, 'organization', body.name, undefined, at));
    return { ok: true, writes: state.writes(), subject: { did: tx.actor } };
  }
  if (!ledger)
    return reject('no_genesis', 'ledger.genesis.first', 'the ledger has no genesis transaction yet');
  if (type === 'identity.register') {
    const body = tx.body as IdentityRegister;
    if (actor)
      return reject('identity_exists', 'identity.register.once', `${tx.actor} is already registered`);
    if (body.alias !== undefined) {
      const alias = state.get(aliasKey(body.alias), 'alias');
      if (alias)
        return reject('alias_taken', 'identity.alias.unique', `${body.alias} is the alias of ${alias.did}`);
      state.put(aliasKey(body.alias), { kind: 'alias', alias: body.alias, did: tx.actor });
    }
    state.put(identityKey(tx.actor), newIdentity(tx.actor, body.kind, body.name, body.alias, at));
    return { ok: true, writes: state.writes(), subject: { did: tx.actor } };
  }

  if (!actor) return reject('unknown_identity', 'identity.registered', `${tx.actor} is not registered`);
  if (frozenAt(actor.frozen, tx.time))
    return frozenRefusal(tx.actor, actor.frozen, 'supervision.freeze.identity');
  actor.seq = tx.seq;
  actor.lastTx = at;
  state.put(identityKey(tx.actor), actor);
  const isOperator = tx.actor === ledger.operator;

  switch (type) {
    case 'credential.issue': {
      const vc = (tx.body as CredentialIssue).credential;
      const subject = vc.credentialSubject;
      const isRole = 'role' in subject;
      if (isRole && !isOperator)
        return reject(
          'not_authorized',
          'credential.role.operator',
          'only the operator issues role credentials',
        );
      if (!isRole && !isOperator && !holdsRole(actor, 'identity-authority', tx.time))
        return reject(
          'not_authorized',
          'credential.real-name.authority',
          'real-name credentials are issued by the operator or an identity authority',
        );
      if (!isRole && subject.id === tx.actor)
        return reject(
          'not_authorized',
          'credential.real-name.not-self',
          'no one certifies their own real name',
        );
      if (vc.validUntil !== undefined && Date.parse(vc.validUntil) <= Date.parse(tx.time))
        return reject(
          'invalid_credential',
          'credential.issue.not-expired',
          `the credential expired at ${vc.validUntil}, before it was logged`,
        );
      if (state.get(credentialKey(vc.id), 'credential'))
        return reject('credential_exists', 'credential.id.unique', `${vc.id} was already issued`);
      const holder = state.edit(identityKey(subject.id), 'identity');
      if (!holder)
        return reject(
          'unknown_identity',
          'credential.subject.registered',
          `the subject ${subject.id} is not registered`,
        );
      const record: CredentialRecord = {
        kind: 'credential',
        id: vc.id,
        issuer: vc.issuer,
        subject: subject.id,
        credentialType: isRole ? 'role' : 'real-name',
        credential: vc,
        issued: at,
      };
      const held: HeldCredential =
        vc.validUntil === undefined
          ? { credential: vc.id, validFrom: vc.validFrom }
          : { credential: vc.id, validFrom: vc.validFrom, validUntil: vc.validUntil };
      if ('role' in subject) {
        record.role = subject.role;
        holder.roles.push({ role: subject.role, ...held });
      } else {
        holder.realName.push(held);
      }
      state.put(credentialKey(vc.id), record);
      state.put(identityKey(subject.id), holder);
      return { ok: true, writes: state.writes(), subject: { credential: vc.id, did: subject.id } };
    }

    case 'credential.revoke': {
      const body = tx.body as CredentialRevoke;
      const record = state.edit(credentialKey(body.id), 'credential');
      if (!record || record.subject !== body.subject)
        return reject(
          'credential_not_found',
          'credential.revoke.exists',
          `no credential ${body.id} about ${body.subject}`,
        );
      if (record.revoked)
        return reject(
          'credential_revoked',
          'credential.revoke.once',
          `${body.id} was revoked at entry ${record.revoked.index}`,
        );
      if (tx.actor !== record.issuer && !isOperator)
        return reject(
          'not_authorized',
          'credential.revoke.issuer',
          'only the issuer or the operator revokes a credential',
        );
      record.revoked =
        body.reason === undefined ? { ...at, by: tx.actor } : { ...at, by: tx.actor, reason: body.reason };
      const holder = state.edit(identityKey(body.subject), 'identity');
      if (holder) {
        holder.roles = holder.roles.filter((r) => r.credential !== body.id);
        holder.realName = holder.realName.filter((r) => r.credential !== body.id);
        state.put(identityKey(body.subject), holder);
      }
      state.put(credentialKey(body.id), record);
      return { ok: true, writes: state.writes(), subject: { credential: body.id, did: body.subject } };
    }

    case 'asset.register': {
      const body = tx.body as AssetRegister;
      if (ledger.policy.realNameToRegister && !hasRealName(actor, tx.time))
        return reject(
          'real_name_required',
          'policy.real-name-to-register',
          'the policy requires a valid real-name credential before registering',
        );
      const prior = state.get(cidKey(body.cid), 'cid');
      if (prior) {
        const details = { asset: prior.asset, registrant: prior.registrant, index: prior.registered.index };
        return prior.registrant === tx.actor
          ? reject(
              'already_registered',
              'asset.cid.unique',
              `you registered these bytes as asset ${prior.asset}`,
              details,
            )
          : reject(
              'rights_conflict',
              'asset.cid.unique',
              `these bytes were registered by ${prior.registrant} as asset ${prior.asset} at entry ${prior.registered.index}`,
              details,
            );
      }
      const missing = missingAsset(state, body.derivedFrom);
      if (missing) return missing;
      const sealing = sealingRejection(ledger, state, body, context.txId);
      if (sealing) return sealing;
      const { cid, size, mediaType, ...metadata } = body;
      const asset: AssetRecord = {
        kind: 'asset',
        id: context.txId,
        cid,
        size,
        mediaType,
        owner: tx.actor,
        registrant: tx.actor,
        revision: 0,
        metadata,
        registered: at,
        updated: at,
      };
      state.put(assetKey(asset.id), asset);
      state.put(assetRevisionKey(asset.id, 0), revision(asset.id, 0, tx.actor, metadata, at));
      state.put(cidKey(cid), { kind: 'cid', cid, asset: asset.id, registrant: tx.actor, registered: at });
      putSealedDescription(state, metadata.sealed, asset.id, tx.actor, at);
      return { ok: true, writes: state.writes(), subject: { asset: asset.id } };
    }

    case 'asset.update': {
      const { asset: id, revision: next, ...metadata } = tx.body as AssetUpdate;
      const asset = state.edit(assetKey(id), 'asset');
      if (!asset) return reject('asset_not_found', 'asset.exists', `there is no asset ${id}`);
      if (asset.owner !== tx.actor)
        return reject(
          'not_owner',
          'asset.update.owner',
          `only the owner, ${asset.owner}, revises asset ${id}`,
        );
      if (next !== asset.revision + 1)
        return reject(
          'revision_conflict',
          'asset.update.revision',
          `asset ${id} is at revision ${asset.revision}; an update makes revision ${asset.revision + 1}`,
          { current: asset.revision },
        );
      const missing = missingAsset(state, metadata.derivedFrom);
      if (missing) return missing;
      const sealing = sealingRejection(ledger, state, metadata, id);
      if (sealing) return sealing;
      putSealedDescription(state, metadata.sealed, id, tx.actor, at);
      asset.metadata = metadata;
      asset.revision = next;
      asset.updated = at;
      state.put(assetKey(id), asset);
      state.put(assetRevisionKey(id, next), revision(id, next, tx.actor, metadata, at));
      return { ok: true, writes: state.writes(), subject: { asset: id } };
    }

    case 'policy.set': {
      if (!isOperator)
        return reject(
          'not_authorized',
          'policy.set.operator',
          `only the operator, ${ledger.operator}, sets the policy`,
        );
      const ledgerRecord = state.edit(LEDGER_KEY, 'ledger')!;
      ledgerRecord.policy = (tx.body as PolicySet).policy;
      state.put(LEDGER_KEY, ledgerRecord);
      return { ok: true, writes: state.writes(), subject: {} };
    }

    case 'asset.transfer': {
      const body = tx.body as AssetTransfer;
      const market = ledger.policy.market ?? DEFAULT_MARKET_POLICY;
      const item = ownedItem(state, body, tx.actor, 'asset.transfer.owner', 'transfers');
      if (!item.ok) return item;
      const held = item.record;
      const locked = lockRefusal(item, tx.time);
      if (locked) return locked;
      const recipient = state.get(identityKey(body.to), 'identity');
      if (!recipient)
        return reject(
          'unknown_identity',
          'asset.transfer.recipient',
          `${body.to} is not a registered identity`,
        );
      if (market.regime === 'cn-collectibles') {
        const refused = collectiblesTransferRefusal(market, item, actor, recipient, tx.time);
        if (refused) return refused;
        const day = chinaDay(tx.time);
        const gifts = state.get(giftCountKey(tx.actor, day), 'gift-count');
        const count = gifts?.count ?? 0;
        if (count >= market.dailyGiftCap)
          return reject(
            'gift_cap_reached',
            'policy.cn-collectibles.daily-gift-cap',
            `${tx.actor} has offered ${count} transfers on ${day} (China Standard Time); the policy allows ${market.dailyGiftCap} a day`,
            { day, count, cap: market.dailyGiftCap },
          );
        state.put(giftCountKey(tx.actor, day), { kind: 'gift-count', did: tx.actor, day, count: count + 1 });
      }
      if (market.transferNeedsAcceptance) {
        // A new offer replaces a pending one: an offer nobody accepts never locks the owner out.
        held.pendingTransfer = { to: body.to, offer: at };
        state.put(item.key, held);
        putEvent(state, item, 'transfer-offered', tx.actor, body.to, at);
      } else moveOwnership(state, item, body.to, at);
      return { ok: true, writes: state.writes(), subject: itemSubject(item, body.to) };
    }

    case 'asset.accept': {
      const body = tx.body as AssetAccept;
      const item = loadItem(state, body.asset, body.edition);
      if (!item.ok) return item;
      const pending = item.record.pendingTransfer;
      if (!pending || pending.offer.txId !== body.transfer)
        return reject(
          'no_pending_transfer',
          'asset.accept.pending',
          pending
            ? `the pending transfer of ${item.label} is ${pending.offer.txId}, not ${body.transfer}`
            : `${item.label} has no pending transfer`,
          pending ? { pending: pending.offer.txId } : undefined,
        );
      if (pending.to !== tx.actor)
        return reject('not_recipient', 'asset.accept.recipient', `the transfer was offered to ${pending.to}`);
      const frozenItem = freezeOf(item, tx.time);
      if (frozenItem) return frozenItem;
      const market = ledger.policy.market ?? DEFAULT_MARKET_POLICY;
      if (market.regime === 'cn-collectibles' && !hasRealName(actor, tx.time))
        return reject(
          'real_name_required',
          'policy.cn-collectibles.real-name',
          'under the cn-collectibles policy a recipient needs a valid real-name credential',
        );
      moveOwnership(state, item, tx.actor, at, pending.offer);
      return { ok: true, writes: state.writes(), subject: itemSubject(item, tx.actor) };
    }

    case 'edition.issue': {
      const body = tx.body as EditionIssue;
      const work = state.edit(assetKey(body.asset), 'asset');
      if (!work) return reject('asset_not_found', 'asset.exists', `there is no asset ${body.asset}`);
      if (work.owner !== tx.actor)
        return reject(
          'not_owner',
          'edition.issue.owner',
          `only the owner, ${work.owner}, issues editions of asset ${work.id}`,
        );
      if (work.editions)
        return reject(
          'editions_exist',
          'edition.issue.once',
          `asset ${work.id} has ${work.editions.supply} editions since entry ${work.editions.issued.index}; the supply never grows`,
          { supply: work.editions.supply },
        );
      if (frozenAt(work.frozen, tx.time)) return frozenRefusal(`asset ${work.id}`, work.frozen);
      if (work.custody)
        return reject(
          'in_custody',
          'custody.locked',
          `asset ${work.id} is held by ${work.custody.custodian}`,
          {
            custodian: work.custody.custodian,
          },
        );
      const market = ledger.policy.market ?? DEFAULT_MARKET_POLICY;
      if (market.regime === 'cn-collectibles' && !hasRealName(actor, tx.time))
        return reject(
          'real_name_required',
          'policy.cn-collectibles.real-name',
          'under the cn-collectibles policy an issuer needs a valid real-name credential',
        );
      work.editions = { supply: body.supply, issuer: tx.actor, issued: at };
      state.put(assetKey(work.id), work);
      for (let n = 1; n <= body.supply; n++) {
        const edition: EditionRecord = {
          kind: 'edition',
          asset: work.id,
          number: n,
          supply: body.supply,
          issuer: tx.actor,
          owner: tx.actor,
          issued: at,
        };
        state.put(editionKey(work.id, n), edition);
      }
      return { ok: true, writes: state.writes(), subject: { asset: work.id } };
    }

    case 'listing.create': {
      const body = tx.body as ListingCreate;
      const item = ownedItem(state, body, tx.actor, 'listing.create.owner', 'sells');
      if (!item.ok) return item;
      const held = item.record;
      const frozenItem = freezeOf(item, tx.time);
      if (frozenItem) return frozenItem;
      if (held.listing)
        return reject(
          'already_listed',
          'listing.once',
          `${item.label} is listed (${held.listing.id}); cancel that listing first`,
          { listing: held.listing.id },
        );
      const market = ledger.policy.market ?? DEFAULT_MARKET_POLICY;
      if (market.regime === 'cn-collectibles') {
        if (held.owner !== item.issuer)
          return reject(
            'resale_forbidden',
            'policy.cn-collectibles.no-resale',
            `under the cn-collectibles policy only the issuer, ${item.issuer}, sells ${item.label}; ${held.owner} may give it away`,
          );
        if (!hasRealName(actor, tx.time))
          return reject(
            'real_name_required',
            'policy.cn-collectibles.real-name',
            'under the cn-collectibles policy a seller needs a valid real-name credential',
          );
      }
      // An offer still pending lapses: a listed item goes to its buyer.
      delete held.pendingTransfer;
      held.listing = { id: context.txId, price: body.price };
      state.put(item.key, held);
      const listing: ListingRecord = {
        kind: 'listing',
        id: context.txId,
        asset: item.work.id,
        ...(item.edition === undefined ? {} : { edition: item.edition }),
        seller: tx.actor,
        price: body.price,
        status: 'open',
        listed: at,
      };
      state.put(listingKey(item.work.id, listing.id), listing);
      return { ok: true, writes: state.writes(), subject: { ...itemSubject(item), listing: listing.id } };
    }

    case 'listing.cancel': {
      const body = tx.body as ListingCancel;
      const found = openListing(state, body);
      if (!found.ok) return found;
      const { item, listing } = found;
      if (listing.seller !== tx.actor)
        return reject(
          'not_owner',
          'listing.cancel.seller',
          `only the seller, ${listing.seller}, cancels listing ${listing.id}`,
        );
      listing.status = 'cancelled';
      listing.closed = at;
      delete item.record.listing;
      state.put(listingKey(listing.asset, listing.id), listing);
      state.put(item.key, item.record);
      return { ok: true, writes: state.writes(), subject: { ...itemSubject(item), listing: listing.id } };
    }

    case 'sale.settle': {
      const body = tx.body as SaleSettle;
      const found = openListing(state, body);
      if (!found.ok) return found;
      const { item, listing } = found;
      const held = item.record;
      const frozenItem = freezeOf(item, tx.time);
      if (frozenItem) return frozenItem;
      const settler = held.custody?.custodian ?? listing.seller;
      if (tx.actor !== settler)
        return reject(
          'not_authorized',
          'sale.settle.settler',
          held.custody
            ? `${item.label} is held by ${settler}, who settles its sale`
            : `only the seller, ${settler}, settles the sale of ${item.label}`,
        );
      if (toFen(body.price) !== toFen(listing.price))
        return reject(
          'price_mismatch',
          'sale.settle.price',
          `listing ${listing.id} asks ${listing.price} CNY, not ${body.price}`,
          { price: listing.price },
        );
      if (body.buyer === listing.seller)
        return reject('not_authorized', 'sale.settle.buyer', 'a seller does not buy its own listing');
      const buyer = state.get(identityKey(body.buyer), 'identity');
      if (!buyer)
        return reject('unknown_identity', 'sale.settle.buyer', `${body.buyer} is not a registered identity`);
      const market = ledger.policy.market ?? DEFAULT_MARKET_POLICY;
      if (market.regime === 'cn-collectibles' && !hasRealName(buyer, tx.time))
        return reject(
          'real_name_required',
          'policy.cn-collectibles.real-name',
          `under the cn-collectibles policy the buyer, ${body.buyer}, needs a valid real-name credential`,
        );
      const sale: SaleRecord = {
        kind: 'sale',
        id: context.txId,
        asset: item.work.id,
        ...(item.edition === undefined ? {} : { edition: item.edition }),
        listing: listing.id,
        seller: listing.seller,
        buyer: body.buyer,
        settledBy: tx.actor,
        price: listing.price,
        paymentHash: body.paymentHash,
        split: saleSplit(listing.price, listing.seller, item.work.registrant, ledger.operator, market),
        at,
      };
      listing.status = 'sold';
      listing.closed = at;
      state.put(listingKey(listing.asset, listing.id), listing);
      state.put(saleKey(sale.asset, sale.id), sale);
      delete held.custody;
      moveOwnership(state, item, body.buyer, at, undefined, 'sold');
      return {
        ok: true,
        writes: state.writes(),
        subject: { ...itemSubject(item, body.buyer), listing: listing.id, sale: sale.id },
      };
    }

    case 'licence.grant': {
      const body = tx.body as LicenceGrant;
      const asset = state.get(assetKey(body.asset), 'asset');
      if (!asset) return reject('asset_not_found', 'asset.exists', `there is no asset ${body.asset}`);
      if (frozenAt(asset.frozen, tx.time)) return frozenRefusal(`asset ${asset.id}`, asset.frozen);
      const day = tx.time.slice(0, 10);
      let parent: LicenceRecord | undefined;
      if (body.under === undefined) {
        if (asset.owner !== tx.actor)
          return reject(
            'not_owner',
            'licence.grant.owner',
            `only the owner, ${asset.owner}, licenses asset ${asset.id}; a licensee sublicenses with "under"`,
          );
      } else {
        parent = state.get(licenceKey(asset.id, body.under), 'licence');
        if (!parent || parent.asset !== asset.id)
          return reject(
            'licence_not_found',
            'licence.exists',
            `there is no licence ${body.under} of asset ${asset.id}`,
          );
        if (parent.licensee !== tx.actor)
          return reject(
            'not_authorized',
            'licence.grant.sublicence',
            `licence ${parent.id} is ${parent.licensee}'s`,
          );
        if (parent.revoked)
          return reject(
            'licence_revoked',
            'licence.grant.sublicence',
            `licence ${parent.id} was revoked at entry ${parent.revoked.index}`,
          );
        const outside = scopeProblem(body.terms, parent.terms);
        if (outside)
          return reject(
            'licence_out_of_scope',
            'licence.grant.sublicence.scope',
            `a sublicence of ${parent.id} ${outside}`,
          );
      }
      if (!state.get(identityKey(body.licensee), 'identity'))
        return reject(
          'unknown_identity',
          'licence.grant.licensee',
          `${body.licensee} is not a registered identity`,
        );
      const index = state.edit(licenceIndexKey(asset.id), 'licence-index') ?? {
        kind: 'licence-index',
        asset: asset.id,
        licences: [],
      };
      // Lapsed licences (ended before today) no longer count.
      index.licences = index.licences.filter((l) => l.terms.end === undefined || l.terms.end >= day);
      for (const other of index.licences) {
        if (other.id === parent?.id) continue; // a sublicence lies within its own licence
        if ((body.terms.exclusive || other.terms.exclusive) && termsOverlap(body.terms, other.terms))
          return reject(
            'licence_conflict',
            'licence.exclusive',
            `licence ${other.id} to ${other.licensee} overlaps these terms and ${other.terms.exclusive ? 'is' : 'this one would be'} exclusive`,
            { licence: other.id, licensee: other.licensee },
          );
      }
      if (index.licences.length >= MAX_LICENCES_PER_ASSET)
        return reject(
          'licence_limit',
          'licence.limit',
          `asset ${asset.id} has ${index.licences.length} licences in force or to come; the most is ${MAX_LICENCES_PER_ASSET}`,
        );
      const licence: LicenceRecord = {
        kind: 'licence',
        id: context.txId,
        asset: asset.id,
        grantor: tx.actor,
        licensee: body.licensee,
        terms: body.terms,
        ...(body.under === undefined ? {} : { under: body.under }),
        granted: at,
      };
      index.licences.push({ id: licence.id, licensee: licence.licensee, terms: licence.terms });
      state.put(licenceKey(asset.id, licence.id), licence);
      state.put(licenceIndexKey(asset.id), index);
      return {
        ok: true,
        writes: state.writes(),
        subject: { asset: asset.id, licence: licence.id, did: body.licensee },
      };
    }

    case 'licence.revoke': {
      const body = tx.body as LicenceRevoke;
      const licence = state.edit(licenceKey(body.asset, body.licence), 'licence');
      if (!licence || licence.asset !== body.asset)
        return reject(
          'licence_not_found',
          'licence.exists',
          `there is no licence ${body.licence} of asset ${body.asset}`,
        );
      if (licence.revoked)
        return reject(
          'licence_revoked',
          'licence.revoke.once',
          `licence ${licence.id} was revoked at entry ${licence.revoked.index}`,
        );
      const asset = state.get(assetKey(body.asset), 'asset');
      if (tx.actor !== licence.grantor && tx.actor !== asset?.owner)
        return reject(
          'not_authorized',
          'licence.revoke.grantor',
          `only the grantor, ${licence.grantor}, or the owner of the work revokes licence ${licence.id}`,
        );
      licence.revoked = {
        ...at,
        by: tx.actor,
        ...(body.reason === undefined ? {} : { reason: body.reason }),
      };
      state.put(licenceKey(body.asset, licence.id), licence);
      const index = state.edit(licenceIndexKey(body.asset), 'licence-index');
      if (index) {
        index.licences = index.licences.filter((l) => l.id !== licence.id);
        state.put(licenceIndexKey(body.asset), index);
      }
      return {
        ok: true,
        writes: state.writes(),
        subject: { asset: body.asset, licence: licence.id, did: licence.licensee },
      };
    }

    case 'valuation.attest': {
      const body = tx.body as ValuationAttest;
      const asset = state.get(assetKey(body.asset), 'asset');
      if (!asset) return reject('asset_not_found', 'asset.exists', `there is no asset ${body.asset}`);
      if (!holdsRole(actor, 'appraiser', tx.time))
        return reject(
          'not_authorized',
          'valuation.appraiser',
          'only an identity holding the appraiser role attests values',
        );
      const { asset: _, ...attested } = body;
      state.put(valuationKey(asset.id, context.txId), {
        kind: 'valuation',
        id: context.txId,
        asset: asset.id,
        appraiser: tx.actor,
        ...attested,
        at,
      });
      return { ok: true, writes: state.writes(), subject: { asset: asset.id } };
    }

    case 'supervision.freeze':
    case 'supervision.unfreeze': {
      if (!isOperator && !holdsRole(actor, 'regulator', tx.time))
        return reject(
          'not_authorized',
          `${type}.regulator`,
          'only an identity holding the regulator role freezes and unfreezes',
        );
      const body = tx.body as SupervisionFreeze | SupervisionUnfreeze;
      let holder: { key: string; record: StateRecord & { frozen?: Frozen }; label: string };
      if ('did' in body.target) {
        if (body.target.did === tx.actor)
          return reject('not_authorized', `${type}.target`, 'a regulator does not freeze or unfreeze itself');
        const key = identityKey(body.target.did);
        const identity = state.edit(key, 'identity');
        if (!identity)
          return reject(
            'unknown_identity',
            `${type}.target`,
            `${body.target.did} is not a registered identity`,
          );
        holder = { key, record: identity, label: body.target.did };
      } else {
        const item = loadItem(state, body.target.asset, body.target.edition);
        if (!item.ok) return item;
        holder = { key: item.key, record: item.record, label: item.label };
      }
      if (type === 'supervision.freeze') {
        const freeze = body as SupervisionFreeze;
        // A regulator's freeze takes the place of a dispute's: it outlives the dispute's resolution.
        if (frozenAt(holder.record.frozen, tx.time) && holder.record.frozen.by !== 'dispute')
          return reject(
            'already_frozen',
            'supervision.freeze.once',
            `${holder.label} is already frozen by freeze ${holder.record.frozen.freeze}`,
            { freeze: holder.record.frozen.freeze },
          );
        holder.record.frozen = {
          freeze: context.txId,
          since: at,
          ...(freeze.until === undefined ? {} : { until: freeze.until }),
        };
        state.put(holder.key, holder.record);
        const record: FreezeRecord = {
          kind: 'freeze',
          id: context.txId,
          target: freeze.target,
          regulator: tx.actor,
          grounds: freeze.grounds,
          ...(freeze.until === undefined ? {} : { until: freeze.until }),
          at,
        };
        state.put(freezeKey(record.id), record);
        return {
          ok: true,
          writes: state.writes(),
          subject: { ...targetSubject(freeze.target), freeze: record.id },
        };
      }
      const unfreeze = body as SupervisionUnfreeze;
      const record = state.edit(freezeKey(unfreeze.freeze), 'freeze');
      if (!record || holder.record.frozen?.freeze !== unfreeze.freeze)
        return reject(
          'freeze_not_found',
          'supervision.unfreeze.freeze',
          `${holder.label} is not held by freeze ${unfreeze.freeze}${holder.record.frozen ? ` (its freeze is ${holder.record.frozen.freeze})` : ''}`,
        );
      delete holder.record.frozen;
      state.put(holder.key, holder.record);
      record.lifted = {
        ...at,
        by: tx.actor,
        ...(unfreeze.reason === undefined ? {} : { reason: unfreeze.reason }),
      };
      state.put(freezeKey(record.id), record);
      return {
        ok: true,
        writes: state.writes(),
        subject: { ...targetSubject(unfreeze.target), freeze: record.id },
      };
    }

    case 'supervision.takedown':
    case 'supervision.restore': {
      if (!isOperator && !holdsRole(actor, 'regulator', tx.time))
        return reject(
          'not_authorized',
          `${type}.regulator`,
          'only an identity holding the regulator role takes content down or restores it',
        );
      const body = tx.body as SupervisionTakedown | SupervisionRestore;
      const asset = state.edit(assetKey(body.asset), 'asset');
      if (!asset) return reject('asset_not_found', 'asset.exists', `there is no asset ${body.asset}`);
      if (type === 'supervision.takedown') {
        if (asset.takenDown)
          return reject(
            'already_taken_down',
            'supervision.takedown.once',
            `the content of asset ${asset.id} was taken down by takedown ${asset.takenDown.takedown} (entry ${asset.takenDown.since.index})`,
            { takedown: asset.takenDown.takedown },
          );
        asset.takenDown = { takedown: context.txId, since: at };
        const record: TakedownRecord = {
          kind: 'takedown',
          id: context.txId,
          asset: asset.id,
          regulator: tx.actor,
          grounds: (body as SupervisionTakedown).grounds,
          at,
        };
        state.put(assetKey(asset.id), asset);
        state.put(takedownKey(record.id), record);
        return { ok: true, writes: state.writes(), subject: { asset: asset.id, takedown: record.id } };
      }
      const restore = body as SupervisionRestore;
      const record = state.edit(takedownKey(restore.takedown), 'takedown');
      if (!record || asset.takenDown?.takedown !== restore.takedown)
        return reject(
          'takedown_not_found',
          'supervision.restore.takedown',
          `the content of asset ${asset.id} is not held down by takedown ${restore.takedown}${asset.takenDown ? ` (its takedown is ${asset.takenDown.takedown})` : ''}`,
        );
      delete asset.takenDown;
      record.restored = {
        ...at,
        by: tx.actor,
        ...(restore.reason === undefined ? {} : { reason: restore.reason }),
      };
      state.put(assetKey(asset.id), asset);
      state.put(takedownKey(record.id), record);
      return { ok: true, writes: state.writes(), subject: { asset: asset.id, takedown: record.id } };
    }

    case 'dispute.open': {
      const body = tx.body as DisputeOpen;
      const item = loadItem(state, body.asset, body.edition);
      if (!item.ok) return item;
      const contested = contestedEntry(state, item, body.contested);
      if (!contested.ok) return contested;
      if (contested.respondent === tx.actor)
        return reject(
          'not_authorized',
          'dispute.open.party',
          `${tx.actor} is the other party of entry ${body.contested.index}; it does not dispute itself`,
        );
      if (item.record.dispute)
        return reject(
          'already_disputed',
          'dispute.open.one',
          `${item.label} is the subject of open dispute ${item.record.dispute}; one is decided at a time`,
          { dispute: item.record.dispute },
        );
      if (body.priorWork?.asset !== undefined && !state.get(assetKey(body.priorWork.asset), 'asset'))
        return reject(
          'asset_not_found',
          'dispute.open.prior-work',
          `priorWork names ${body.priorWork.asset}, which is not a registered asset`,
        );
      const disputes = ledger.policy.disputes ?? DEFAULT_DISPUTE_POLICY;
      const froze = disputes.freezeOnOpen && !freezeOf(item, tx.time);
      item.record.dispute = context.txId;
      if (froze) item.record.frozen = { freeze: context.txId, since: at, by: 'dispute' };
      state.put(item.key, item.record);
      const record: DisputeRecord = {
        kind: 'dispute',
        id: context.txId,
        asset: item.work.id,
        ...(item.edition === undefined ? {} : { edition: item.edition }),
        contested: { index: body.contested.index, txId: body.contested.txId, type: contested.type },
        claimant: tx.actor,
        respondent: contested.respondent,
        claim: body.claim,
        evidence: body.evidence,
        ...(body.priorWork === undefined ? {} : { priorWork: body.priorWork }),
        opened: at,
        froze,
      };
      state.put(disputeKey(record.id), record);
      return { ok: true, writes: state.writes(), subject: { ...itemSubject(item), dispute: record.id } };
    }

    case 'dispute.respond': {
      const body = tx.body as DisputeRespond;
      const dispute = state.edit(disputeKey(body.dispute), 'dispute');
      if (!dispute)
        return reject('dispute_not_found', 'dispute.exists', `there is no dispute ${body.dispute}`);
      if (dispute.respondent !== tx.actor)
        return reject(
          'not_authorized',
          'dispute.respond.party',
          `only the other party, ${dispute.respondent}, responds to dispute ${dispute.id}`,
        );
      if (dispute.resolution)
        return reject(
          'dispute_closed',
          'dispute.open',
          `dispute ${dispute.id} was resolved at entry ${dispute.resolution.index}`,
        );
      if (dispute.response)
        return reject(
          'already_responded',
          'dispute.respond.once',
          `${tx.actor} responded to dispute ${dispute.id} at entry ${dispute.response.index}`,
        );
      dispute.response = { ...at, text: body.text, evidence: body.evidence };
      state.put(disputeKey(dispute.id), dispute);
      return { ok: true, writes: state.writes(), subject: disputeSubject(dispute) };
    }

    case 'dispute.resolve': {
      if (!isOperator && !holdsRole(actor, 'arbitrator', tx.time))
        return reject(
          'not_authorized',
          'dispute.resolve.arbitrator',
          'only an identity holding the arbitrator role resolves disputes',
        );
      const body = tx.body as DisputeResolve;
      const dispute = state.edit(disputeKey(body.dispute), 'dispute');
      if (!dispute || dispute.asset !== body.asset || dispute.edition !== body.edition)
        return reject(
          'dispute_not_found',
          'dispute.exists',
          dispute
            ? `dispute ${dispute.id} is about ${dispute.edition === undefined ? '' : `edition ${dispute.edition} of `}asset ${dispute.asset}`
            : `there is no dispute ${body.dispute}`,
        );
      if (dispute.resolution)
        return reject(
          'dispute_closed',
          'dispute.open',
          `dispute ${dispute.id} was resolved at entry ${dispute.resolution.index}`,
        );
      if (tx.actor === dispute.claimant || tx.actor === dispute.respondent)
        return reject(
          'not_authorized',
          'dispute.resolve.impartial',
          `${tx.actor} is a party to dispute ${dispute.id}; another arbitrator decides it`,
        );
      const item = loadItem(state, body.asset, body.edition);
      if (!item.ok) return item;
      if (item.record.frozen?.by === 'dispute' && item.record.frozen.freeze === dispute.id)
        delete item.record.frozen;
      if (item.record.dispute === dispute.id) delete item.record.dispute;
      const resolved = { ...at, arbitrator: tx.actor, reasoning: body.reasoning };
      if (body.outcome === 'dismiss') {
        dispute.resolution = { ...resolved, outcome: 'dismissed' };
        state.put(item.key, item.record);
        state.put(disputeKey(dispute.id), dispute);
        return { ok: true, writes: state.writes(), subject: disputeSubject(dispute) };
      }
      const to = body.restoreTo ?? dispute.claimant;
      if (body.restoreTo !== undefined && !state.get(identityKey(body.restoreTo), 'identity'))
        return reject(
          'unknown_identity',
          'dispute.resolve.restoreTo',
          `${body.restoreTo} is not a registered identity`,
        );
      // A regulator's freeze binds an arbitrator too: it is lifted first, on the record.
      const refused = freezeOf(item, tx.time);
      if (refused) return refused;
      const { listing } = item.record;
      if (listing) {
        if (body.listing !== listing.id)
          return reject(
            'listed',
            'dispute.resolve.listing',
            `${item.label} is listed (${listing.id}); name the listing to close it with the correction`,
            { listing: listing.id },
          );
        const open = state.edit(listingKey(item.work.id, listing.id), 'listing');
        if (open) {
          open.status = 'cancelled';
          open.closed = at;
          state.put(listingKey(item.work.id, listing.id), open);
        }
      } else if (body.listing !== undefined)
        return reject('listing_not_found', 'dispute.resolve.listing', `${item.label} is not listed`);
      // The correction ends a custodian's hold: the custodian held for the wrong party.
      delete item.record.custody;
      const from = item.record.owner;
      if (from === to) state.put(item.key, item.record);
      else moveOwnership(state, item, to, at, undefined, 'restored');
      dispute.resolution = { ...resolved, outcome: 'corrected', restoredTo: to, restoredFrom: from };
      state.put(disputeKey(dispute.id), dispute);
      return { ok: true, writes: state.writes(), subject: { ...disputeSubject(dispute), did: to } };
    }

    case 'space.create':
    case 'space.update': {
      const body = tx.body as SpaceCreate | SpaceUpdate;
      let previous: SpaceRecord | undefined;
      if ('space' in body) {
        previous = state.get(spaceKey(body.space), 'space');
        if (!previous) return reject('space_not_found', 'space.exists', `there is no space ${body.space}`);
        if (previous.curator !== tx.actor)
          return reject(
            'not_authorized',
            'space.update.curator',
            `only its curator, ${previous.curator}, revises space ${previous.id}`,
          );
        if (body.revision !== previous.revision + 1)
          return reject(
            'revision_conflict',
            'space.update.revision',
            `space ${previous.id} is at revision ${previous.revision}; an update makes revision ${previous.revision + 1}`,
            { revision: previous.revision },
          );
      }
      const day = tx.time.slice(0, 10);
      for (const placement of body.placements) {
        const item = loadItem(state, placement.asset, placement.edition);
        if (!item.ok) return item;
        if (item.record.owner === tx.actor) continue;
        const licences = state.get(licenceIndexKey(placement.asset), 'licence-index')?.licences ?? [];
        const displays = licences.some(
          ({ licensee, terms }) =>
            licensee === tx.actor &&
            terms.uses.includes('display') &&
            terms.start <= day &&
            (terms.end === undefined || day <= terms.end),
        );
        if (!displays)
          return reject(
            'not_authorized',
            'space.placement.rights',
            `${tx.actor} neither holds ${item.label} nor a display licence for it in force today`,
            { asset: placement.asset },
          );
      }
      const id = previous?.id ?? context.txId;
      const record: SpaceRecord = {
        kind: 'space',
        id,
        curator: tx.actor,
        revision: previous ? previous.revision + 1 : 0,
        name: body.name,
        ...(body.description === undefined ? {} : { description: body.description }),
        category: body.category,
        ...(body.place === undefined ? {} : { place: body.place }),
        rooms: body.rooms,
        placements: body.placements,
        created: previous?.created ?? at,
        updated: at,
      };
      state.put(spaceKey(id), record);
      return { ok: true, writes: state.writes(), subject: { space: id } };
    }

    case 'custody.deposit': {
      const body = tx.body as CustodyDeposit;
      const item = ownedItem(state, body, tx.actor, 'custody.deposit.owner', 'deposits');
      if (!item.ok) return item;
      const held = item.record;
      const frozenItem = freezeOf(item, tx.time);
      if (frozenItem) return frozenItem;
      if (held.custody)
        return reject(
          'in_custody',
          'custody.once',
          `${item.label} is already held by ${held.custody.custodian}`,
          {
            custodian: held.custody.custodian,
          },
        );
      const custodian = state.get(identityKey(body.custodian), 'identity');
      if (!custodian || (body.custodian !== ledger.operator && !holdsRole(custodian, 'custodian', tx.time)))
        return reject(
          'not_authorized',
          'custody.deposit.custodian',
          `${body.custodian} does not hold the custodian role`,
        );
      // An offer still pending lapses: nothing changes hands while the work is held.
      delete held.pendingTransfer;
      held.custody = { custodian: body.custodian, depositor: tx.actor, since: at };
      state.put(item.key, held);
      putEvent(state, item, 'custody-deposited', tx.actor, body.custodian, at);
      return { ok: true, writes: state.writes(), subject: itemSubject(item, body.custodian) };
    }

    case 'custody.release': {
      const body = tx.body as CustodyRelease;
      const item = loadItem(state, body.asset, body.edition);
      if (!item.ok) return item;
      const held = item.record;
      const custody = held.custody;
      if (!custody)
        return reject('not_in_custody', 'custody.release.held', `${item.label} is not in custody`);
      if (custody.custodian !== tx.actor)
        return reject(
          'not_authorized',
          'custody.release.custodian',
          `${item.label} is held by ${custody.custodian}`,
        );
      if (body.to === tx.actor)
        return reject(
          'not_authorized',
          'custody.release.self',
          'a custodian does not release a work to itself',
        );
      const recipient = state.get(identityKey(body.to), 'identity');
      if (!recipient)
        return reject(
          'unknown_identity',
          'custody.release.recipient',
          `${body.to} is not a registered identity`,
        );
      const market = ledger.policy.market ?? DEFAULT_MARKET_POLICY;
      const changesHands = body.to !== held.owner;
      const frozenItem = changesHands ? freezeOf(item, tx.time) : undefined;
      if (frozenItem) return frozenItem;
      if (changesHands && held.listing)
        return reject(
          'listed',
          'listing.locked',
          `${item.label} is listed (${held.listing.id}): it goes to a buyer through sale.settle`,
          { listing: held.listing.id },
        );
      if (changesHands && market.regime === 'cn-collectibles') {
        // A release to a buyer is a sale: the 2022 rules allow the issuer's first sale, no resale.
        if (held.owner !== item.issuer)
          return reject(
            'resale_forbidden',
            'policy.cn-collectibles.no-resale',
            `under the cn-collectibles policy only the issuer, ${item.issuer}, sells ${item.label}; ${held.owner} may give it away`,
          );
        if (!hasRealName(recipient, tx.time))
          return reject(
            'real_name_required',
            'policy.cn-collectibles.real-name',
            `under the cn-collectibles policy the buyer, ${body.to}, needs a valid real-name credential`,
          );
      }
      delete held.custody;
      if (changesHands) {
        held.owner = body.to;
        held.acquired = at;
      }
      state.put(item.key, held);
      putEvent(state, item, 'custody-released', tx.actor, body.to, at);
      return { ok: true, writes: state.writes(), subject: itemSubject(item, body.to) };
    }
  }
  return reject('unknown_type', 'type', `"${type}" has no rules`);
}

/** Most licences one work may have in force or to come. */
export const MAX_LICENCES_PER_ASSET = 1000;

function territoriesOverlap(a: LicenceTerms['territory'], b: LicenceTerms['territory']): boolean {
  if (a === 'worldwide' || b === 'worldwide') return true;
  return a.some((code) => b.includes(code));
}

/** Whether two licences' terms cover some use, in some place, on some day, in common. */
export function termsOverlap(a: LicenceTerms, b: LicenceTerms): boolean {
  return (
    a.uses.some((use) => b.uses.includes(use)) &&
    territoriesOverlap(a.territory, b.territory) &&
    (a.end === undefined || a.end >= b.start) &&
    (b.end === undefined || b.end >= a.start)
  );
}

/** Why `inner` is not within `outer` (what a sublicence may be), or undefined if it is. */
function scopeProblem(inner: LicenceTerms, outer: LicenceTerms): string | undefined {
  if (!outer.sublicensable) return 'cannot be granted: that licence is not sublicensable';
  const extra = inner.uses.filter((use) => !outer.uses.includes(use));
  if (extra.length > 0) return `cannot allow ${extra.join(', ')}`;
  if (outer.territory !== 'worldwide') {
    const outside =
      inner.territory === 'worldwide'
        ? ['worldwide']
        : inner.territory.filter((c) => !outer.territory.includes(c));
    if (outside.length > 0) return `cannot reach ${outside.join(', ')}`;
  }
  if (inner.start < outer.start) return `cannot begin before ${outer.start}`;
  if (outer.end !== undefined && (inner.end === undefined || inner.end > outer.end))
    return `cannot run past ${outer.end}`;
  if (inner.exclusive && !outer.exclusive) return 'cannot be exclusive under a licence that is not';
  return undefined;
}

/**
 * Whether `licence` lets its licensee make `use` of the work at `time` (and, if given, in
 * `territory`, an ISO 3166-1 alpha-2 code), by its own record: granted, not revoked by then, and
 * within its terms. A sublicence holds only while the licence it was granted under does: check
 * that one too (`under`).
 */
export function licencePermits(
  licence: LicenceRecord,
  use: LicenceUse,
  time: string,
  territory?: string,
): { ok: true } | { ok: false; reason: string } {
  const at = Date.parse(time);
  if (Number.isNaN(at)) return { ok: false, reason: `${time} is not a time` };
  const day = new Date(at).toISOString().slice(0, 10);
  if (Date.parse(licence.granted.time) > at)
    return { ok: false, reason: `it was granted later, at ${licence.granted.time}` };
  if (licence.revoked && Date.parse(licence.revoked.time) <= at)
    return {
      ok: false,
      reason: `it was revoked at ${licence.revoked.time} (entry ${licence.revoked.index})`,
    };
  const { terms } = licence;
  if (!terms.uses.includes(use))
    return { ok: false, reason: `it allows ${terms.uses.join(', ')}, not ${use}` };
  if (day < terms.start) return { ok: false, reason: `it begins on ${terms.start}` };
  if (terms.end !== undefined && day > terms.end) return { ok: false, reason: `it ended on ${terms.end}` };
  if (territory !== undefined && terms.territory !== 'worldwide' && !terms.territory.includes(territory))
    return { ok: false, reason: `it holds in ${terms.territory.join(', ')}, not ${territory}` };
  return { ok: true };
}

/**
 * The day of `time` in China Standard Time (UTC+8), YYYY-MM-DD: the day of the daily gift cap.
 * `time` is a transaction's (isUtcTime: UTC, "Z"), so its first 13 characters fix the day.
 */
export function chinaDay(time: string): string {
  // Entries come in runs within the same hour: the last answer is kept.
  const hour = time.slice(0, 13);
  if (hour !== lastChinaDay.hour)
    lastChinaDay = { hour, day: new Date(Date.parse(time) + 8 * 3_600_000).toISOString().slice(0, 10) };
  return lastChinaDay.day;
}

let lastChinaDay = { hour: '', day: '' };

const DAY_MS = 86_400_000;

/** The cn-collectibles checks on a transfer offer: real names on both sides, the holding period. */
function collectiblesTransferRefusal(
  market: MarketPolicy,
  item: Item,
  owner: IdentityRecord,
  recipient: IdentityRecord,
  time: string,
): Rejection | undefined {
  for (const [who, identity] of [
    ['the owner', owner],
    ['the recipient', recipient],
  ] as const) {
    if (!hasRealName(identity, time))
      return reject(
        'real_name_required',
        'policy.cn-collectibles.real-name',
        `under the cn-collectibles policy ${who}, ${identity.did}, needs a valid real-name credential`,
      );
  }
  const acquired = (item.record.acquired ?? item.firstHeld).time;
  const until = new Date(Date.parse(acquired) + market.holdingPeriodDays * DAY_MS).toISOString();
  if (Date.parse(time) < Date.parse(until))
    return reject(
      'holding_period',
      'policy.cn-collectibles.holding-period',
      `${item.label} was acquired at ${acquired}; the policy allows giving it away after ${market.holdingPeriodDays} days, from ${until}`,
      { acquired, until },
    );
  return undefined;
}

/** A work, or one edition of it: what transfers, custody, listings and sales act on. */
interface Item {
  ok: true;
  key: string;
  /** A copy to change and put back. */
  record: AssetRecord | EditionRecord;
  /** The work (for an edition, the work it is an edition of), as stored. */
  work: AssetRecord;
  edition?: number;
  /** "asset <id>" or "edition <n> of asset <id>", for messages. */
  label: string;
  /** Its first holder: the work's registrant, or the editions' issuer. */
  issuer: string;
  /** When its first holder got it. */
  firstHeld: LogRef;
}

/** The refusal if the item, or the work it is an edition of, is frozen at `time`. */
function freezeOf(item: Item, time: string): Rejection | undefined {
  if (frozenAt(item.record.frozen, time)) return frozenRefusal(item.label, item.record.frozen);
  if (item.edition !== undefined && frozenAt(item.work.frozen, time))
    return frozenRefusal(`asset ${item.work.id}, of which this is an edition,`, item.work.frozen);
  return undefined;
}

function loadItem(state: Scratch, asset: string, edition: number | undefined): Item | Rejection {
  const work = state.get(assetKey(asset), 'asset');
  if (!work) return reject('asset_not_found', 'asset.exists', `there is no asset ${asset}`);
  if (edition === undefined)
    return {
      ok: true,
      key: assetKey(asset),
      record: cloneRecord(work),
      work,
      label: `asset ${asset}`,
      issuer: work.registrant,
      firstHeld: work.registered,
    };
  const key = editionKey(asset, edition);
  const record = state.edit(key, 'edition');
  if (!record)
    return reject(
      'edition_not_found',
      'edition.exists',
      work.editions
        ? `asset ${asset} has ${work.editions.supply} editions; there is no edition ${edition}`
        : `asset ${asset} has no editions`,
    );
  return {
    ok: true,
    key,
    record,
    work,
    edition,
    label: `edition ${edition} of asset ${asset}`,
    issuer: record.issuer,
    firstHeld: record.issued,
  };
}

/** The item the body names, if the actor owns it; `verb` says what only the owner does, for the refusal. */
function ownedItem(
  state: Scratch,
  body: { asset: string; edition?: number },
  actor: string,
  rule: string,
  verb: string,
): Item | Rejection {
  const item = loadItem(state, body.asset, body.edition);
  if (item.ok && item.record.owner !== actor)
    return reject('not_owner', rule, `only the owner, ${item.record.owner}, ${verb} ${item.label}`);
  return item;
}

/** Why the item cannot be given away now (frozen, held by a custodian, or listed), if it cannot. */
function lockRefusal(item: Item, time: string): Rejection | undefined {
  const { custody, listing } = item.record;
  const refused = freezeOf(item, time);
  if (refused) return refused;
  if (custody)
    return reject(
      'in_custody',
      'custody.locked',
      `${item.label} is held by ${custody.custodian} since entry ${custody.since.index}; it moves only when released`,
      { custodian: custody.custodian },
    );
  if (listing)
    return reject(
      'listed',
      'listing.locked',
      `${item.label} is listed (${listing.id}); cancel the listing to give it away`,
      { listing: listing.id },
    );
  return undefined;
}

/** The listing a listing.cancel or sale.settle names, open and on the item the body names. */
function openListing(
  state: Scratch,
  body: { asset: string; edition?: number; listing: string },
): { ok: true; item: Item; listing: ListingRecord } | Rejection {
  const item = loadItem(state, body.asset, body.edition);
  if (!item.ok) return item;
  const listing = state.edit(listingKey(body.asset, body.listing), 'listing');
  if (!listing || listing.edition !== body.edition)
    return reject(
      'listing_not_found',
      'listing.exists',
      `there is no listing ${body.listing} of ${item.label}`,
    );
  if (listing.status !== 'open')
    return reject(
      'listing_closed',
      'listing.open',
      `listing ${listing.id} was ${listing.status} at entry ${listing.closed!.index}`,
      { status: listing.status, at: listing.closed!.txId },
    );
  return { ok: true, item, listing };
}

/**
 * How a sale's price is split: the platform's fee on every sale, the creator's royalty on every
 * resale (a sale by anyone but the work's registrant), the rest to the seller. Rounded down in
 * fen, so the shares always add up to the price.
 */
export function saleSplit(
  price: string,
  seller: string,
  creator: string,
  platform: string,
  market: MarketPolicy,
): SaleRecord['split'] {
  const fen = toFen(price);
  const royaltyBasisPoints = seller === creator ? 0 : royaltyOf(market);
  const feeBasisPoints = platformFeeOf(market);
  const royalty = shareOf(fen, royaltyBasisPoints);
  const fee = shareOf(fen, feeBasisPoints);
  return {
    seller: fromFen(fen - royalty - fee),
    creator: { did: creator, amount: fromFen(royalty), basisPoints: royaltyBasisPoints },
    platform: { did: platform, amount: fromFen(fee), basisPoints: feeBasisPoints },
  };
}

/** The item changes hands: a new owner from `at`, any pending offer gone, the event recorded. */
function moveOwnership(
  state: Scratch,
  item: Item,
  to: string,
  at: LogRef,
  offer?: LogRef,
  kind: 'transferred' | 'sold' | 'restored' = 'transferred',
): void {
  const held: Holding = item.record;
  const from = held.owner;
  held.owner = to;
  held.acquired = at;
  delete held.pendingTransfer;
  delete held.listing;
  state.put(item.key, item.record);
  putEvent(state, item, kind, from, to, at, offer);
}

function putEvent(
  state: Scratch,
  item: Item,
  kind: AssetEventRecord['event'],
  from: string,
  to: string,
  at: LogRef,
  offer?: LogRef,
): void {
  const record: AssetEventRecord = {
    kind: 'asset-event',
    asset: item.work.id,
    ...(item.edition === undefined ? {} : { edition: item.edition }),
    event: kind,
    from,
    to,
    at,
    ...(offer === undefined ? {} : { offer }),
  };
  state.put(assetEventKey(item.work.id, at.index), record);
}

function disputeSubject(dispute: DisputeRecord): Acceptance['subject'] {
  return {
    asset: dispute.asset,
    ...(dispute.edition === undefined ? {} : { edition: dispute.edition }),
    dispute: dispute.id,
  };
}

/**
 * What a dispute contests: the work's registration (then the registrant answers), or an entry that
 * gave the item to someone (a transfer, a sale, a custodian's release to another: the recipient answers).
 */
function contestedEntry(
  state: Scratch,
  item: Item,
  entry: { index: number; txId: string },
): { ok: true; type: DisputeRecord['contested']['type']; respondent: string } | Rejection {
  const registered = item.work.registered;
  if (entry.index === registered.index && entry.txId === registered.txId) {
    if (item.edition !== undefined)
      return reject(
        'not_contestable',
        'dispute.open.contested',
        `entry ${entry.index} registered the work; a registration is disputed on the work, not on edition ${item.edition}`,
      );
    return { ok: true, type: 'registration', respondent: item.work.registrant };
  }
  const event = state.get(assetEventKey(item.work.id, entry.index), 'asset-event');
  const movesIt =
    event !== undefined &&
    event.at.txId === entry.txId &&
    event.edition === item.edition &&
    event.from !== event.to &&
    (event.event === 'transferred' || event.event === 'sold' || event.event === 'custody-released');
  if (!movesIt)
    return reject(
      'not_contestable',
      'dispute.open.contested',
      `entry ${entry.index} (${entry.txId}) is neither the registration of asset ${item.work.id} nor a transfer of ${item.label}`,
    );
  return { ok: true, type: 'transfer', respondent: event.to };
}

function targetSubject(target: FreezeTarget): Acceptance['subject'] {
  return 'did' in target
    ? { did: target.did }
    : { asset: target.asset, ...(target.edition === undefined ? {} : { edition: target.edition }) };
}

function itemSubject(item: Item, did?: string): Acceptance['subject'] {
  return {
    asset: item.work.id,
    ...(item.edition === undefined ? {} : { edition: item.edition }),
    ...(did === undefined ? {} : { did }),
  };
}

function newIdentity(
  did: string,
  type: IdentityRecord['type'],
  name: string,
  alias: string | undefined,
  at: LogRef,
): IdentityRecord {
  return {
    kind: 'identity',
    did,
    type,
    name,
    ...(alias === undefined ? {} : { alias }),
    seq: 1,
    roles: [],
    realName: [],
    registered: at,
    lastTx: at,
  };
}

function revision(
  asset: string,
  n: number,
  actor: string,
  metadata: AssetMetadata,
  at: LogRef,
): AssetRevisionRecord {
  return { kind: 'asset-revision', asset, revision: n, actor, metadata, at };
}

/** Whether a held credential is valid at `time` (a transaction's own time: replay needs no clock). */
function validAt(held: HeldCredential, time: string): boolean {
  const now = Date.parse(time);
  return (
    Date.parse(held.validFrom) <= now && (held.validUntil === undefined || Date.parse(held.validUntil) > now)
  );
}

function holdsRole(identity: IdentityRecord, role: string, time: string): boolean {
  return identity.roles.some((r) => r.role === role && validAt(r, time));
}

/** Whether the identity holds a real-name credential valid at `time` (the transaction's). */
function hasRealName(identity: IdentityRecord, time: string): boolean {
  return identity.realName.some((c) => validAt(c, time));
}

function missingAsset(state: Scratch, ids: readonly string[] | undefined): Rejection | undefined {
  for (const id of ids ?? []) {
    if (!state.get(assetKey(id), 'asset'))
      return reject(
        'asset_not_found',
        'asset.derived-from.exists',
        `derivedFrom names ${id}, which is not an asset`,
      );
  }
  return undefined;
}

/** An entry decoded and its signature checked, or why it is not a valid transaction. */
export function checkEntry(entry: Uint8Array): { ok: true; tx: SignedTransaction; txId: string } | Rejection {
  let tx: SignedTransaction;
  try {
    tx = decodeTransaction(entry);
  } catch (error) {
    return reject('malformed_transaction', 'envelope', (error as Error).message);
  }
  if (!verifyTransaction(tx))
    return reject(
      'invalid_signature',
      'envelope.signature',
      `the signature is not ${tx.actor}'s over this transaction`,
    );
  return { ok: true, tx, txId: transactionId(entry) };
}
