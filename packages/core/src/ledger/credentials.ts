/**
 * Building the credentials the ledger takes: role credentials (from the operator) and real-name
 * credentials (from the operator or an identity authority). A real-name credential carries only a
 * salted commitment to the personal data; the holder keeps the data and the salt, and can later
 * show both to anyone who needs to check them against the log.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64Decode, base64Encode } from '../base64.js';
import { concatBytes, hexEncode } from '../bytes.js';
import { didKeyFromPublicKey, verificationMethodId } from '../did-key.js';
import { CinnabarError } from '../errors.js';
import { sha256 } from '../hash.js';
import { canonicalBytes, type JsonValue } from '../jcs.js';
import { signDocument } from '../vc/eddsa-jcs-2022.js';
import type { Credential, Role } from './schemas.js';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';

/** Personal data a real-name check establishes; it never goes on the log. */
export type PersonalData = { [name: string]: JsonValue };

export type RealNameMethod = 'resident-id-card' | 'passport' | 'business-licence' | 'other';

/** "sha256:" + hex SHA-256 of the salt followed by the data's RFC 8785 canonical JSON. */
export function realNameCommitment(data: PersonalData, salt: Uint8Array): string {
  if (salt.length < 16)
    throw new CinnabarError('malformed_credential', 'the salt must be at least 16 random bytes');
  return `sha256:${hexEncode(sha256(concatBytes(salt, canonicalBytes(data))))}`;
}

/** Whether the data and salt the holder shows match the commitment on the log. */
export function checkRealNameCommitment(commitment: string, data: PersonalData, salt: string): boolean {
  try {
    return realNameCommitment(data, base64Decode(salt)) === commitment;
  } catch {
    return false;
  }
}

/** A v4 UUID URN from 16 random bytes. */
export function credentialIdFromRandom(random: Uint8Array): string {
  if (random.length !== 16)
    throw new CinnabarError('malformed_credential', 'a credential id needs 16 random bytes');
  const b = Uint8Array.from(random);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = hexEncode(b);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface IssueOptions {
  /** The issuer's 32-byte Ed25519 seed; the issuer is its did:key. */
  issuerSeed: Uint8Array;
  subject: string;
  /** 16 random bytes for the credential's urn:uuid id. */
  idRandom: Uint8Array;
  validFrom: string;
  validUntil?: string;
}

function issue(
  options: IssueOptions,
  type: string,
  credentialSubject: { [name: string]: JsonValue },
): Credential {
  const issuer = didKeyFromPublicKey(ed25519.getPublicKey(options.issuerSeed));
  const unsigned = {
    '@context': [VC_V2_CONTEXT],
    id: credentialIdFromRandom(options.idRandom),
    type: ['VerifiableCredential', type],
    issuer,
    validFrom: options.validFrom,
    ...(options.validUntil === undefined ? {} : { validUntil: options.validUntil }),
    credentialSubject: { id: options.subject, ...credentialSubject },
  };
  return signDocument(unsigned, {
    privateKey: options.issuerSeed,
    verificationMethod: verificationMethodId(issuer),
    proofPurpose: 'assertionMethod',
  }) as unknown as Credential;
}

/** A role credential (the operator grants a role). */
export function issueRoleCredential(options: IssueOptions & { role: Role }): Credential {
  return issue(options, 'CinnabarRoleCredential', { role: options.role });
}

/**
 * A real-name credential. Returns the credential for the log, and the salt (base64) the holder
 * must keep with the data to open the commitment later.
 */
export function issueRealNameCredential(
  options: IssueOptions & { data: PersonalData; method: RealNameMethod; salt: Uint8Array },
): { credential: Credential; salt: string } {
  const commitment = realNameCommitment(options.data, options.salt);
  const credential = issue(options, 'CinnabarRealNameCredential', {
    realName: { commitment, method: options.method },
  });
  return { credential, salt: base64Encode(options.salt) };
}
