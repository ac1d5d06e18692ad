/**
 * Rights certificates: GET /v1/assets/{id}/certificate?holder=DID[&edition=N | &licence=ID]
 * [&format=json|pdf|png]. The node checks that the holder holds the right now, takes the entry
 * that gave it (with its inclusion proof in the latest checkpoint) as evidence, and issues a
 * credential signed by its operator key; the PDF and PNG print it with a QR code.
 */
import {
  type AssetRecord,
  assertIssuable,
  assetKey,
  type EditionRecord,
  editionKey,
  type IdentityRecord,
  identityKey,
  issueRightsCredential,
  LEDGER_KEY,
  type LedgerRecord,
  type LicenceRecord,
  type LogRef,
  licenceKey,
  makeReceipt,
  parseCheckpoint,
  type RightsCredential,
  type RightsSubject,
} from '@cinnabar/core';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import {
  type CertificateContent,
  renderCertificatePdf,
  renderCertificatePng,
} from '../certificate/render.js';
import type { LedgerReads } from '../storage/log-storage.js';
import { checkAssetId, checkDid, parseJson } from './ledger-routes.js';
import type { LogReader } from './log-reader.js';
import { ProblemError } from './problems.js';

export interface CertificateRoutesOptions {
  ledger: LedgerReads;
  reader: LogReader;
  vkey: string;
  /** The operator's Ed25519 seed: the node issues certificates as the operator. */
  issuerSeed: Uint8Array;
}

export const CertificateQuery = Type.Object(
  {
    holder: Type.String({
      pattern: '^did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}$',
      description: "The holder's did:key",
    }),
    edition: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,4}$', description: 'For an edition holder: the edition number' }),
    ),
    licence: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{64}$', description: 'For a licensee: the id of the licence' }),
    ),
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('pdf'), Type.Literal('png')], {
        description: 'json (the credential, default), pdf or png (printable, with a QR code)',
      }),
    ),
  },
  { additionalProperties: false },
);

const RIGHT_LABEL = {
  owner: 'Owner of the work',
  'edition-holder': 'Holder of an edition',
  licensee: 'Licensee',
};

export async function certificateRoutes(
  app: FastifyInstance,
  options: CertificateRoutesOptions,
): Promise<void> {
  const { ledger, reader } = options;
  const read = async <T>(key: string): Promise<T | undefined> =>
    parseJson<T>((await ledger.readState([key])).get(key));

  /** The right the holder holds now, and the entry that gave it. */
  const heldRight = async (
    asset: AssetRecord,
    holder: string,
    query: { edition?: string; licence?: string },
  ): Promise<{ subject: RightsSubject; since: LogRef }> => {
    // A sealed description stays sealed: the certificate names the work by its id and CID only.
    const { title } = asset.metadata;
    const work = { id: asset.id, ...(title !== undefined ? { title } : {}), cid: asset.cid };
    if (query.licence !== undefined) {
      const licence = await read<LicenceRecord>(licenceKey(asset.id, query.licence));
      if (!licence)
        throw new ProblemError('licence_not_found', `asset ${asset.id} has no licence ${query.licence}`);
      if (licence.licensee !== holder || licence.revoked)
        throw new ProblemError(
          'right_not_held',
          licence.revoked
            ? `licence ${licence.id} was revoked at entry ${licence.revoked.index}`
            : `licence ${licence.id} is ${licence.licensee}'s`,
        );
      return {
        subject: {
          id: holder,
          right: 'licensee',
          asset: work,
          licence: { id: licence.id, terms: licence.terms },
        },
        since: licence.granted,
      };
    }
    if (query.edition !== undefined) {
      const edition = await read<EditionRecord>(editionKey(asset.id, Number(query.edition)));
      if (!edition)
        throw new ProblemError('edition_not_found', `asset ${asset.id} has no edition ${query.edition}`);
      if (edition.owner !== holder)
        throw new ProblemError(
          'right_not_held',
          `edition ${edition.number} of ${asset.id} is held by ${edition.owner}`,
        );
      return {
        subject: {
          id: holder,
          right: 'edition-holder',
          asset: work,
          edition: { number: edition.number, supply: edition.supply },
        },
        since: edition.acquired ?? edition.issued,
      };
    }
    if (asset.owner !== holder)
      throw new ProblemError('right_not_held', `asset ${asset.id} is owned by ${asset.owner}`);
    return {
      subject: { id: holder, right: 'owner', asset: work },
      since: asset.acquired ?? asset.registered,
    };
  };

  app.get('/v1/assets/:id/certificate', async (request, reply) => {
    const { id } = request.params as { id: string };
    checkAssetId(id);
    const query = request.query as Record<string, string | undefined>;
    if (!Value.Check(CertificateQuery, query)) {
      const first = Value.Errors(CertificateQuery, query).First();
      throw new ProblemError(
        'invalid_query',
        `${first?.path.slice(1) || 'query'}: ${first?.message ?? 'malformed'}`,
      );
    }
    if (query.edition !== undefined && query.licence !== undefined)
      throw new ProblemError('invalid_query', 'name an edition or a licence, not both');
    const holder = query.holder!;
    checkDid(holder);
    const asset = await read<AssetRecord>(assetKey(id));
    if (!asset) throw new ProblemError('asset_not_found', `there is no asset ${id}`);
    const { subject, since } = await heldRight(asset, holder, query);

    const checkpoint = await reader.checkpoint();
    const [entry] = await reader.entries(since.index, 1);
    if (!entry || since.index >= checkpoint.size)
      throw new ProblemError('sequencer_unavailable', `entry ${since.index} is not published yet; try again`);
    const receipt = makeReceipt({
      index: since.index,
      entry,
      checkpoint: checkpoint.note,
      proof: await reader.inclusionProof(since.index, checkpoint.size),
      vkey: options.vkey,
      txId: since.txId,
    });
    const credential = issueRightsCredential({ issuerSeed: options.issuerSeed, subject, receipt });
    assertIssuable(credential);
    const format = query.format ?? 'json';
    if (format === 'json') return reply.type('application/vc+json').send(JSON.stringify(credential));

    const [ledgerRecord, holderRecord] = await Promise.all([
      read<LedgerRecord>(LEDGER_KEY),
      read<IdentityRecord>(identityKey(holder)),
    ]);
    const content = printedContent(credential, {
      holderName: holderRecord?.name ?? holder,
      issuerName: ledgerRecord?.name ?? credential.issuer,
      verifyUrl: new URL(`/v1/assets/${id}/history`, `${request.protocol}://${printableHost(request.host)}`)
        .href,
    });
    const name = `certificate-${id.slice(0, 12)}-${subject.right}`;
    if (format === 'pdf')
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${name}.pdf"`)
        .send(Buffer.from(renderCertificatePdf(content)));
    return reply
      .type('image/png')
      .header('content-disposition', `attachment; filename="${name}.png"`)
      .send(Buffer.from(renderCertificatePng(content)));
  });
}

/**
 * The Host the request named, if it is a plain host[:port]; else localhost. The QR code points at
 * the node the holder asked, and a forged Host header must not smuggle anything else into it.
 */
function printableHost(host: string): string {
  return /^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$/.test(host)
    ? host
    : 'localhost';
}

/** What the printed certificate shows, from the credential it prints. */
export function printedContent(
  credential: RightsCredential,
  names: { holderName: string; issuerName: string; verifyUrl: string },
): CertificateContent {
  const subject = credential.credentialSubject;
  const receipt = credential.evidence[0].receipt;
  const checkpoint = parseCheckpoint(receipt.checkpoint.slice(0, receipt.checkpoint.indexOf('\n\n') + 1));
  const rights = [RIGHT_LABEL[subject.right]];
  if (subject.edition) rights.push(`Edition ${subject.edition.number} of ${subject.edition.supply}`);
  if (subject.licence) {
    const t = subject.licence.terms;
    rights.push(
      `Uses: ${t.uses.join(', ')}`,
      `Territory: ${t.territory === 'worldwide' ? 'worldwide' : t.territory.join(', ')}`,
      `From ${t.start}${t.end ? ` until ${t.end}` : ', no end'}; ${t.exclusive ? 'exclusive' : 'not exclusive'}${t.sublicensable ? ', sublicensable' : ''}`,
    );
    if (t.attribution) rights.push(`Attribution: ${t.attribution}`);
  }
  rights.push(`Held since ${credential.validFrom}`);
  return {
    kind: subject.right,
    assetId: subject.asset.id,
    assetTitle: subject.asset.title ?? 'A work whose description is sealed',
    holder: { did: subject.id, name: names.holderName },
    issuer: { did: credential.issuer, name: names.issuerName },
    rights,
    evidence: {
      origin: checkpoint.origin,
      entryIndex: receipt.index,
      txId: receipt.txId,
      treeSize: checkpoint.size,
      rootHash: Buffer.from(checkpoint.rootHash).toString('hex'),
    },
    credentialId: credential.id,
    issuedAt: credential.validFrom,
    verifyUrl: names.verifyUrl,
  };
}
