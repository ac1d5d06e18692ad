/**
 * Rights certificates: a W3C Verifiable Credential, issued by a node's operator, saying that an
 * identity holds a right in a work (owns it, holds one of its editions, or is its licensee), with
 * the log entry that gave the right as evidence: a receipt (the entry, its inclusion proof and the
 * signed checkpoint). Anyone verifies it offline: the credential's proof, the receipt against the
 * log's key, and that the entry itself gave this holder this right.
 *
 * What it proves is that the right was acquired at that entry; a later entry may have moved it on.
 * The log (or the node's current state) says whether it is still held.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64Decode } from '../base64.js';
import { didKeyFromPublicKey, verificationMethodId } from '../did-key.js';
import { CinnabarError } from '../errors.js';
import { sha256 } from '../hash.js';
import { canonicalBytes, type JsonValue } from '../jcs.js';
import { type Receipt, receiptProblem, verifyReceipt } from '../receipt.js';
import { decodeTransaction, type SignedTransaction } from '../tx/transaction.js';
import { signDocument, verifyDocument } from '../vc/eddsa-jcs-2022.js';
import { credentialIdFromRandom, VC_V2_CONTEXT } from './credentials.js';
import type { LicenceTerms } from './schemas.js';

export const RIGHTS_CREDENTIAL_TYPE = 'CinnabarRightsCredential';
export const LOG_RECEIPT_EVIDENCE_TYPE = 'CinnabarLogReceipt';

/** What the holder holds: the work, one edition of it, or a licence of it. */
export type RightKind = 'owner' | 'edition-holder' | 'licensee';

export interface RightsSubject {
  /** The holder's did:key. */
  id: string;
  right: RightKind;
  /** The work; no title where its description is sealed (sealed-description.ts). */
  asset: { id: string; title?: string; cid: string };
  /** For an edition holder: which edition, of how many. */
  edition?: { number: number; supply: number };
  /** For a licensee: the licence (its id is its licence.grant transaction's) and its terms. */
  licence?: { id: string; terms: LicenceTerms };
}

export interface RightsCredential {
  '@context': string[];
  id: string;
  type: ['VerifiableCredential', typeof RIGHTS_CREDENTIAL_TYPE];
  issuer: string;
  /** When the right was acquired: the time of the evidence's transaction. */
  validFrom: string;
  credentialSubject: RightsSubject;
  evidence: [{ type: [typeof LOG_RECEIPT_EVIDENCE_TYPE]; receipt: Receipt }];
  proof: Record<string, JsonValue>;
}

/**
 * Issue a rights credential. Deterministic: its id is derived from the subject and the receipt, so
 * the same right with the same checkpoint gives the same credential, byte for byte.
 */
export function issueRightsCredential(options: {
  /** The issuer's 32-byte Ed25519 seed (the node's operator). */
  issuerSeed: Uint8Array;
  subject: RightsSubject;
  receipt: Receipt;
}): RightsCredential {
  const { subject, receipt } = options;
  const issuer = didKeyFromPublicKey(ed25519.getPublicKey(options.issuerSeed));
  const tx = decodeTransaction(base64Decode(receipt.entry));
  const idRandom = sha256(
    canonicalBytes({ subject, txId: receipt.txId, checkpoint: receipt.checkpoint } as never),
  ).slice(0, 16);
  const unsigned = {
    '@context': [VC_V2_CONTEXT],
    id: credentialIdFromRandom(idRandom),
    type: ['VerifiableCredential', RIGHTS_CREDENTIAL_TYPE],
    issuer,
    validFrom: tx.time,
    credentialSubject: subject,
    evidence: [{ type: [LOG_RECEIPT_EVIDENCE_TYPE], receipt }],
  };
  return signDocument(unsigned as never, {
    privateKey: options.issuerSeed,
    verificationMethod: verificationMethodId(issuer),
    proofPurpose: 'assertionMethod',
  }) as unknown as RightsCredential;
}

/** The checks of verifyRightsCredential, in the order they run. */
export const RIGHTS_CHECKS = ['credential', 'proof', 'receipt', 'entry'] as const;
export type RightsCheckName = (typeof RIGHTS_CHECKS)[number];

export interface RightsVerification {
  ok: boolean;
  /** The checks that ran, in order, each with what it found; a failed one is the last. */
  checks: { name: RightsCheckName; ok: boolean; detail: string }[];
  failed?: RightsCheckName;
}

/** Whether a parsed JSON value is shaped as a rights credential (before any check of its proofs). */
export function isRightsCredential(value: unknown): value is RightsCredential {
  const v = value as Partial<RightsCredential> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(v.type) &&
    v.type[0] === 'VerifiableCredential' &&
    v.type[1] === RIGHTS_CREDENTIAL_TYPE
  );
}

/**
 * Verify a rights credential offline, in order, stopping at the first failure:
 *  credential  its form: the VC 2.0 context, the type, a did:key issuer, one receipt as evidence;
 *  proof       the issuer's eddsa-jcs-2022 Data Integrity proof;
 *  receipt     the evidence receipt (verifyReceipt: entry, signature, inclusion, checkpoint signed by
 *              `vkey` if given, else by the receipt's own key, which proves nothing about which log);
 *  entry       the transaction in the entry gave this holder this right in this work.
 */
export function verifyRightsCredential(vc: unknown, options: { vkey?: string } = {}): RightsVerification {
  const checks: RightsVerification['checks'] = [];
  const run = (name: RightsCheckName, step: () => string): boolean => {
    try {
      checks.push({ name, ok: true, detail: step() });
      return true;
    } catch (error) {
      checks.push({ name, ok: false, detail: error instanceof Error ? error.message : String(error) });
      return false;
    }
  };
  const done = (): RightsVerification => {
    const failed = checks.find((c) => !c.ok)?.name;
    return failed ? { ok: false, checks, failed } : { ok: true, checks };
  };
  const credential = vc as RightsCredential;
  let tx: SignedTransaction | undefined;
  if (
    !run('credential', () => {
      const problem = credentialProblem(vc);
      if (problem) throw new Error(problem);
      return `a ${RIGHTS_CREDENTIAL_TYPE} by ${credential.issuer}`;
    })
  )
    return done();
  if (
    !run('proof', () => {
      if (credential.proof?.verificationMethod !== verificationMethodId(credential.issuer))
        throw new Error("the proof's verificationMethod is not the issuer's own key");
      if (!verifyDocument(credential, { expectedProofPurpose: 'assertionMethod' }))
        throw new Error('the proof does not verify: the credential was changed, or not signed by its issuer');
      return `signed by ${credential.issuer} (eddsa-jcs-2022)`;
    })
  )
    return done();
  const receipt = credential.evidence[0].receipt;
  if (
    !run('receipt', () => {
      const verification = verifyReceipt(receipt, options.vkey === undefined ? {} : { vkey: options.vkey });
      if (!verification.ok) {
        const failed = verification.checks.at(-1);
        throw new Error(`the evidence receipt fails its ${failed?.name} check: ${failed?.detail}`);
      }
      const facts = verification.facts!;
      tx = decodeTransaction(base64Decode(receipt.entry));
      return `entry ${facts.index} of ${facts.origin}, in its checkpoint of ${facts.treeSize} entries, ${
        facts.pinned ? 'signed by the pinned key' : "signed by the receipt's own key (not pinned: use --vkey)"
      }`;
    })
  )
    return done();
  run('entry', () => {
    const problem = entryProblem(credential.credentialSubject, tx!, receipt.txId);
    if (problem) throw new Error(problem);
    if (tx!.time !== credential.validFrom)
      throw new Error(`validFrom is ${credential.validFrom}, but the entry was made at ${tx!.time}`);
    return `${tx!.type} at ${tx!.time} gave ${credential.credentialSubject.id} this right`;
  });
  return done();
}

function credentialProblem(value: unknown): string | undefined {
  if (!isRightsCredential(value)) return `not a ${RIGHTS_CREDENTIAL_TYPE}`;
  const vc = value;
  if (!Array.isArray(vc['@context']) || vc['@context'][0] !== VC_V2_CONTEXT)
    return `@context must begin with ${VC_V2_CONTEXT}`;
  if (typeof vc.issuer !== 'string' || !vc.issuer.startsWith('did:key:'))
    return 'the issuer must be a did:key';
  const subject = vc.credentialSubject as Partial<RightsSubject> | undefined;
  if (typeof subject?.id !== 'string' || typeof subject.asset?.id !== 'string')
    return 'credentialSubject must name the holder (id) and the asset';
  if (!['owner', 'edition-holder', 'licensee'].includes(subject.right as string))
    return 'credentialSubject.right must be owner, edition-holder or licensee';
  if (
    !Array.isArray(vc.evidence) ||
    vc.evidence.length !== 1 ||
    vc.evidence[0]?.type?.[0] !== LOG_RECEIPT_EVIDENCE_TYPE
  )
    return `evidence must be one ${LOG_RECEIPT_EVIDENCE_TYPE}`;
  const problem = receiptProblem(vc.evidence[0].receipt);
  return problem === undefined ? undefined : `evidence receipt: ${problem}`;
}

/** Why the transaction does not give `subject` its right, or undefined if it does. */
function entryProblem(subject: RightsSubject, tx: SignedTransaction, txId: string): string | undefined {
  const body = tx.body as {
    asset?: string;
    edition?: number;
    to?: string;
    buyer?: string;
    licensee?: string;
  };
  const holder = subject.id;
  const asset = subject.asset.id;
  if (subject.right === 'licensee') {
    if (tx.type !== 'licence.grant' || txId !== subject.licence?.id)
      return `the entry is not the grant of licence ${subject.licence?.id}`;
    if (body.asset !== asset || body.licensee !== holder) return `the grant is not of ${asset} to ${holder}`;
    const terms = (tx.body as { terms: LicenceTerms }).terms;
    if (!sameJson(terms, subject.licence.terms))
      return 'the terms are not the ones the licence was granted with';
    return undefined;
  }
  const edition = subject.right === 'edition-holder' ? subject.edition?.number : undefined;
  if (subject.right === 'edition-holder' && edition === undefined)
    return 'an edition holder names the edition';
  if (tx.type === 'asset.register' && edition === undefined)
    return txId === asset && tx.actor === holder
      ? undefined
      : `the entry is not ${holder}'s registration of ${asset}`;
  if (tx.type === 'edition.issue' && edition !== undefined) {
    const supply = (tx.body as { supply: number }).supply;
    return body.asset === asset && tx.actor === holder && edition <= supply
      ? undefined
      : `the entry is not ${holder}'s issue of edition ${edition} of ${asset}`;
  }
  if (body.asset !== asset || body.edition !== edition)
    return `the entry is about ${body.asset ?? 'no asset'}${body.edition ? ` edition ${body.edition}` : ''}, not this item`;
  const receiver: Record<string, string | undefined> = {
    'asset.transfer': body.to,
    'asset.accept': tx.actor,
    'custody.release': body.to,
    'sale.settle': body.buyer,
  };
  if (!(tx.type in receiver)) return `a ${tx.type} gives no one this item`;
  return receiver[tx.type] === holder
    ? undefined
    : `the ${tx.type} gives the item to ${receiver[tx.type]}, not ${holder}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    const x = canonicalBytes(a as never);
    const y = canonicalBytes(b as never);
    return x.length === y.length && x.every((byte, i) => byte === y[i]);
  } catch {
    return false;
  }
}

/** For the node: refuse to issue what would not verify. */
export function assertIssuable(credential: RightsCredential): void {
  const verification = verifyRightsCredential(credential);
  if (!verification.ok) {
    const failed = verification.checks.at(-1)!;
    throw new CinnabarError('malformed_credential', `cannot issue: ${failed.name}: ${failed.detail}`);
  }
}
