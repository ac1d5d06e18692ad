/**
 * The ledger's state: records under string keys, each written whole by the rules. The node keeps
 * them in a database table, a replaying auditor in a Map; both hold exactly the same JSON.
 */
import type {
  AssetMetadata,
  Credential,
  FreezeTarget,
  LicenceTerms,
  Placement,
  Policy,
  Role,
  Room,
  SpaceCreate,
  SupervisionFreeze,
} from './schemas.js';

/** Where in the log a record was made or last changed. */
export interface LogRef {
  index: number;
  txId: string;
  /** The transaction's own time (as its actor signed it). */
  time: string;
}

export interface LedgerRecord {
  kind: 'ledger';
  operator: string;
  name: string;
  policy: Policy;
  genesis: LogRef;
}

/** An unrevoked credential an identity holds, with its validity period (checked at each use). */
export interface HeldCredential {
  credential: string;
  validFrom: string;
  validUntil?: string;
}

export interface IdentityRecord {
  kind: 'identity';
  did: string;
  type: 'person' | 'organization';
  name: string;
  alias?: string;
  /** The sequence number of the identity's last accepted transaction. */
  seq: number;
  /** Roles held through unrevoked role credentials (the operator holds every role besides). */
  roles: ({ role: Role } & HeldCredential)[];
  /** Unrevoked real-name credentials about this identity, with the end of their validity. */
  realName: HeldCredential[];
  registered: LogRef;
  /** The identity's last accepted transaction. */
  lastTx: LogRef;
  /** Frozen by a regulator: it does not act while the freeze holds. */
  frozen?: Frozen;
}

export interface CredentialRecord {
  kind: 'credential';
  id: string;
  issuer: string;
  subject: string;
  credentialType: 'role' | 'real-name';
  role?: Role;
  credential: Credential;
  issued: LogRef;
  revoked?: LogRef & { by: string; reason?: string };
}

/** What every holdable item (a work, or one edition of it) carries: who holds it and what binds it. */
export interface Holding {
  owner: string;
  /** When the current owner got it; absent while its first holder has it (see registered or issued). */
  acquired?: LogRef;
  /** A transfer offered and not yet accepted (where the policy asks for acceptance). */
  pendingTransfer?: { to: string; offer: LogRef };
  /** Held by a custodian (escrow) since `since`: no transfer until released. */
  custody?: { custodian: string; depositor: string; since: LogRef };
  /** Offered for sale: no transfer while the listing is open. */
  listing?: { id: string; price: string };
  /** Frozen by a regulator (until `until`, if it says): nothing moves. */
  frozen?: Frozen;
  /** The id of the dispute open against the item (one at a time). */
  dispute?: string;
}

/**
 * A freeze in force on an item or identity: the freeze's id, and its end if it has one. An open
 * dispute freezes its item where the policy says so: then `freeze` is the dispute's id.
 */
export interface Frozen {
  freeze: string;
  until?: string;
  since: LogRef;
  by?: 'dispute';
}

/** A regulator's freeze; its id is the id of the supervision.freeze transaction. */
export interface FreezeRecord {
  kind: 'freeze';
  id: string;
  target: FreezeTarget;
  regulator: string;
  grounds: SupervisionFreeze['grounds'];
  until?: string;
  at: LogRef;
  lifted?: LogRef & { by: string; reason?: string };
}

/** A regulator's takedown of a work's content; its id is the id of the supervision.takedown transaction. */
export interface TakedownRecord {
  kind: 'takedown';
  id: string;
  asset: string;
  regulator: string;
  grounds: SupervisionFreeze['grounds'];
  at: LogRef;
  restored?: LogRef & { by: string; reason?: string };
}

/** A dispute over a registration or a transfer; its id is the id of the dispute.open transaction. */
export interface DisputeRecord {
  kind: 'dispute';
  id: string;
  asset: string;
  edition?: number;
  /** The contested entry, and what it was. */
  contested: { index: number; txId: string; type: 'registration' | 'transfer' };
  claimant: string;
  /** The other party: the registrant of a contested registration, the recipient of a contested transfer. */
  respondent: string;
  claim: string;
  evidence: string[];
  priorWork?: { asset?: string; cid?: string; description?: string };
  opened: LogRef;
  /** Whether opening it froze the item (the policy's disputes.freezeOnOpen, and not frozen already). */
  froze: boolean;
  response?: LogRef & { text: string; evidence: string[] };
  resolution?: LogRef & {
    arbitrator: string;
    outcome: 'dismissed' | 'corrected';
    reasoning: string;
    /** corrected: who holds the item now, and who held it before the correction. */
    restoredTo?: string;
    restoredFrom?: string;
  };
}

/** A virtual exhibition space; its id is the id of the space.create transaction. */
export interface SpaceRecord {
  kind: 'space';
  id: string;
  curator: string;
  revision: number;
  name: string;
  description?: string;
  category: SpaceCreate['category'];
  place?: SpaceCreate['place'];
  rooms: Room[];
  placements: Placement[];
  created: LogRef;
  updated: LogRef;
}

export interface AssetRecord extends Holding {
  kind: 'asset';
  id: string;
  cid: string;
  size: number;
  mediaType: string;
  registrant: string;
  revision: number;
  metadata: AssetMetadata;
  registered: LogRef;
  updated: LogRef;
  /** Numbered editions issued of the work (edition.issue, once): the supply never grows. */
  editions?: { supply: number; issuer: string; issued: LogRef };
  /** Its content taken down by a regulator: nodes do not serve its bytes. */
  takenDown?: { takedown: string; since: LogRef };
}

/** Edition `number` of `supply` of a work: an item held, transferred, deposited and sold on its own. */
export interface EditionRecord extends Holding {
  kind: 'edition';
  asset: string;
  number: number;
  supply: number;
  issuer: string;
  issued: LogRef;
}

/** An offer to sell a work or an edition; its id is the id of the listing.create transaction. */
export interface ListingRecord {
  kind: 'listing';
  id: string;
  asset: string;
  edition?: number;
  seller: string;
  /** CNY, a decimal string. */
  price: string;
  status: 'open' | 'cancelled' | 'sold';
  listed: LogRef;
  /** When it was cancelled or sold; for a sale, the sale's id is closed.txId. */
  closed?: LogRef;
}

/** A share of a sale's price. */
export interface SaleShare {
  did: string;
  /** CNY, a decimal string. */
  amount: string;
  basisPoints: number;
}

/** A settled sale and its split, computed by the rules; its id is the id of the sale.settle transaction. */
export interface SaleRecord {
  kind: 'sale';
  id: string;
  asset: string;
  edition?: number;
  listing: string;
  seller: string;
  buyer: string;
  /** Who confirmed the payment: the seller, or the custodian holding the item. */
  settledBy: string;
  price: string;
  paymentHash: string;
  /** The price split: what the seller keeps, the creator's royalty (resales only), the platform's fee. */
  split: { seller: string; creator: SaleShare; platform: SaleShare };
  at: LogRef;
}

/** An appraiser's attested value of a work; its id is the id of the valuation.attest transaction. */
export interface ValuationRecord {
  kind: 'valuation';
  id: string;
  asset: string;
  appraiser: string;
  method: 'cost' | 'market' | 'income';
  /** CNY, a decimal string. */
  amount: string;
  date: string;
  reportHash: string;
  at: LogRef;
}

/** A change of hands, or an offer of one: an asset's ownership history, never changed. */
export interface AssetEventRecord {
  kind: 'asset-event';
  asset: string;
  /** The edition the event is about; absent: the work itself. */
  edition?: number;
  /** transferred, sold, restored and custody-released (to someone other than the owner) change the owner. */
  event:
    | 'transfer-offered'
    | 'transferred'
    | 'custody-deposited'
    | 'custody-released'
    | 'sold'
    /** An arbitrator's correction (dispute.resolve): the item restored to the rightful party. */
    | 'restored';
  from: string;
  to: string;
  at: LogRef;
  /** For a transfer that needed acceptance: the offer it accepted. */
  offer?: LogRef;
}

/** A licence granted on a work; its id is the id of the licence.grant transaction. */
export interface LicenceRecord {
  kind: 'licence';
  id: string;
  asset: string;
  grantor: string;
  licensee: string;
  terms: LicenceTerms;
  /** For a sublicence: the licence it was granted under. */
  under?: string;
  granted: LogRef;
  revoked?: LogRef & { by: string; reason?: string };
}

/**
 * The licences of a work that are in force or yet to begin (revoked and lapsed ones are dropped):
 * what a new grant is checked against for overlaps, in one record the rules can name up front.
 */
export interface LicenceIndexRecord {
  kind: 'licence-index';
  asset: string;
  licences: { id: string; licensee: string; terms: LicenceTerms }[];
}

/** How many transfers an identity offered on one day (China Standard Time): the daily gift cap. */
export interface GiftCountRecord {
  kind: 'gift-count';
  did: string;
  day: string;
  count: number;
}

/** One revision of an asset's metadata; revision 0 is the registration. They are never changed. */
export interface AssetRevisionRecord {
  kind: 'asset-revision';
  asset: string;
  revision: number;
  actor: string;
  metadata: AssetMetadata;
  at: LogRef;
}

/**
 * Which asset registered these bytes (rights confirmation: one registration per CID): its content,
 * or the sealed document of its description (`part`).
 */
export interface CidRecord {
  kind: 'cid';
  cid: string;
  asset: string;
  registrant: string;
  registered: LogRef;
  /** The bytes are the work's sealed description (sealed-description.ts), not its content. */
  part?: 'sealed-description';
}

/** Which identity claims a did:web alias (one identity per alias). */
export interface AliasRecord {
  kind: 'alias';
  alias: string;
  did: string;
}

export type StateRecord =
  | LedgerRecord
  | IdentityRecord
  | CredentialRecord
  | AssetRecord
  | AssetRevisionRecord
  | CidRecord
  | AliasRecord
  | AssetEventRecord
  | GiftCountRecord
  | LicenceRecord
  | LicenceIndexRecord
  | ValuationRecord
  | EditionRecord
  | ListingRecord
  | SaleRecord
  | FreezeRecord
  | TakedownRecord
  | DisputeRecord
  | SpaceRecord;

export const LEDGER_KEY = 'ledger';
export const identityKey = (did: string): string => `identity/${did}`;
export const credentialKey = (id: string): string => `credential/${id}`;
export const assetKey = (id: string): string => `asset/${id}`;
/** Zero-padded so that a key-ordered scan lists revisions in order. */
export const assetRevisionKey = (id: string, revision: number): string =>
  `asset/${id}/revision/${String(revision).padStart(16, '0')}`;
/** Zero-padded log index: a key-ordered scan lists an asset's history in order. */
export const assetEventKey = (id: string, index: number): string =>
  `asset/${id}/event/${String(index).padStart(16, '0')}`;
/** Under its work: a key-ordered scan of asset/<id>/licence/ lists every licence of the work. */
export const licenceKey = (asset: string, id: string): string => `asset/${asset}/licence/${id}`;
export const valuationKey = (asset: string, id: string): string => `asset/${asset}/valuation/${id}`;
/** Zero-padded: a key-ordered scan of asset/<id>/edition/ lists editions by number. */
export const editionKey = (asset: string, n: number): string =>
  `asset/${asset}/edition/${String(n).padStart(16, '0')}`;
export const listingKey = (asset: string, id: string): string => `asset/${asset}/listing/${id}`;
export const saleKey = (asset: string, id: string): string => `asset/${asset}/sale/${id}`;
export const licenceIndexKey = (asset: string): string => `asset/${asset}/licences`;
export const giftCountKey = (did: string, day: string): string => `gifts/${did}/${day}`;
export const cidKey = (cid: string): string => `cid/${cid}`;
export const freezeKey = (id: string): string => `freeze/${id}`;
export const takedownKey = (id: string): string => `takedown/${id}`;
export const disputeKey = (id: string): string => `dispute/${id}`;
export const spaceKey = (id: string): string => `space/${id}`;
export const aliasKey = (alias: string): string => `alias/${alias}`;

/** The key a record is stored under. */
export function recordKey(record: StateRecord): string {
  switch (record.kind) {
    case 'ledger':
      return LEDGER_KEY;
    case 'identity':
      return identityKey(record.did);
    case 'credential':
      return credentialKey(record.id);
    case 'asset':
      return assetKey(record.id);
    case 'asset-revision':
      return assetRevisionKey(record.asset, record.revision);
    case 'asset-event':
      return assetEventKey(record.asset, record.at.index);
    case 'gift-count':
      return giftCountKey(record.did, record.day);
    case 'licence':
      return licenceKey(record.asset, record.id);
    case 'licence-index':
      return licenceIndexKey(record.asset);
    case 'valuation':
      return valuationKey(record.asset, record.id);
    case 'edition':
      return editionKey(record.asset, record.number);
    case 'listing':
      return listingKey(record.asset, record.id);
    case 'sale':
      return saleKey(record.asset, record.id);
    case 'freeze':
      return freezeKey(record.id);
    case 'takedown':
      return takedownKey(record.id);
    case 'dispute':
      return disputeKey(record.id);
    case 'space':
      return spaceKey(record.id);
    case 'cid':
      return cidKey(record.cid);
    case 'alias':
      return aliasKey(record.alias);
  }
}

/** One write of a transaction's effect: the record's whole new value under its key. */
export interface StateWrite {
  key: string;
  record: StateRecord;
}

/** Read access to the state as it stands before a transaction. */
export interface LedgerView {
  get(key: string): StateRecord | undefined;
}
