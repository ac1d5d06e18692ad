/**
 * Whether log entries back a licence record: the licence.grant (and, for a revoked licence, the
 * licence.revoke) each shown by a receipt, verified offline (the actor's signature, the inclusion
 * proof, the checkpoint signed by the log key), and saying exactly what the record says.
 *
 * What receipts cannot show: that a licence was not revoked later (only a reading of the whole log
 * can show an absence), and that the grantor owned the work when it granted (the node's rules
 * checked it; a replay of the log checks it again).
 */
import { base64Decode } from '../base64.js';
import { canonicalize } from '../jcs.js';
import { type Receipt, verifyReceipt } from '../receipt.js';
import { decodeTransaction } from '../tx/transaction.js';
import type { LicenceRecord, LogRef } from './records.js';
import type { LicenceGrant, LicenceRevoke } from './schemas.js';

export interface LicenceEvidence {
  licence: LicenceRecord;
  /** The receipt of the licence.grant entry. */
  grant: Receipt;
  /** The receipt of the licence.revoke entry, where the licence was revoked. */
  revoke?: Receipt;
}

export type LicenceEvidenceVerdict = { ok: true } | { ok: false; reason: string };

/** Check that the receipts are sound under `vkey` and back the licence record, field by field. */
export function checkLicenceEvidence(
  evidence: LicenceEvidence,
  options: { vkey: string },
): LicenceEvidenceVerdict {
  const { licence, grant, revoke } = evidence;
  const granted = entryOf(grant, options.vkey, 'licence.grant', licence.granted);
  if (!granted.ok) return { ok: false, reason: `the grant: ${granted.reason}` };
  const body = granted.body as LicenceGrant;
  if (granted.txId !== licence.id)
    return { ok: false, reason: `the grant entry is ${granted.txId}, not ${licence.id}` };
  const mismatch =
    granted.actor !== licence.grantor
      ? 'grantor'
      : body.asset !== licence.asset
        ? 'asset'
        : body.licensee !== licence.licensee
          ? 'licensee'
          : canonicalize(body.terms) !== canonicalize(licence.terms)
            ? 'terms'
            : body.under !== licence.under
              ? 'under'
              : undefined;
  if (mismatch) return { ok: false, reason: `the grant entry does not have the record's ${mismatch}` };

  if (licence.revoked === undefined) {
    if (revoke)
      return { ok: false, reason: 'a revocation was given for a licence whose record is not revoked' };
    return { ok: true };
  }
  if (!revoke)
    return {
      ok: false,
      reason: `the record says it was revoked at entry ${licence.revoked.index}; no receipt of that was given`,
    };
  const revoked = entryOf(revoke, options.vkey, 'licence.revoke', licence.revoked);
  if (!revoked.ok) return { ok: false, reason: `the revocation: ${revoked.reason}` };
  const revokeBody = revoked.body as LicenceRevoke;
  if (
    revokeBody.licence !== licence.id ||
    revokeBody.asset !== licence.asset ||
    revoked.actor !== licence.revoked.by
  )
    return { ok: false, reason: 'the revocation entry is not the one the record names' };
  return { ok: true };
}

/** A receipt's entry, verified, of `type`, at the index and time `at` says. */
function entryOf(
  receipt: Receipt,
  vkey: string,
  type: string,
  at: LogRef,
): { ok: true; txId: string; actor: string; body: unknown } | { ok: false; reason: string } {
  const verdict = verifyReceipt(receipt, { vkey });
  if (!verdict.ok) {
    const failed = verdict.checks.at(-1);
    return {
      ok: false,
      reason: `its receipt fails the ${verdict.failed} check${failed ? `: ${failed.detail}` : ''}`,
    };
  }
  // verifyReceipt decoded and checked this entry: its signature is the actor's.
  const tx = decodeTransaction(base64Decode(receipt.entry));
  if (tx.type !== type) return { ok: false, reason: `entry ${receipt.index} is a ${tx.type}, not a ${type}` };
  if (receipt.index !== at.index || receipt.txId !== at.txId || tx.time !== at.time)
    return {
      ok: false,
      reason: `entry ${receipt.index} is not the one at index ${at.index} the record names`,
    };
  return { ok: true, txId: receipt.txId, actor: tx.actor, body: tx.body };
}
