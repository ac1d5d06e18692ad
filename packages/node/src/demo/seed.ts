import { randomBytes } from 'node:crypto';
import {
  type AssetRegister,
  cidFromBytes,
  didKeyFromPublicKey,
  encodeTransaction,
  hexEncode,
  issueRealNameCredential,
  issueRoleCredential,
  type JsonObject,
  sealDescription,
  sha256,
  signTransaction,
  signUploadAuthorization,
  utf8Encode,
} from '@cinnabar/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { FastifyInstance } from 'fastify';
import { demoCollection, MUSEUM } from './catalogue.js';
import { DEMO_LOANS, demoSpaces } from './spaces.js';

export interface SeedResult {
  seeded: boolean;
  identities: number;
  assets: number;
  /** The virtual spaces seeded (their ids are the ids of their space.create transactions). */
  spaces?: string[];
}

/** An actor that signs its transactions in order. */
class Signer {
  readonly did: string;
  private seq: number;

  constructor(
    readonly seed: Uint8Array,
    seq = 0,
  ) {
    this.did = didKeyFromPublicKey(ed25519.getPublicKey(seed));
    this.seq = seq;
  }

  sign(type: string, body: JsonObject): Uint8Array {
    this.seq++;
    const tx = { v: 1 as const, type, actor: this.did, seq: this.seq, time: new Date().toISOString(), body };
    return encodeTransaction(signTransaction(tx, this.seed));
  }
}

/**
 * Seed a new ledger with the demo collection: demo identities (whose keys are derived from their
 * public names, so they are for demonstration only), a role and a real-name credential from the
 * operator, and procedurally made works, registered through the node's own HTTP API so that they
 * pass every check a client's would. Does nothing on a ledger that holds more than its genesis.
 */
export async function seedDemo(
  app: FastifyInstance,
  operator: { did: string; seed: Uint8Array },
): Promise<SeedResult> {
  const checkpoint = await app.inject('/log/checkpoint');
  const size = Number(checkpoint.body.split('\n')[1]);
  if (size !== 1) return { seeded: false, identities: 0, assets: 0 };

  const post = async (entry: Uint8Array) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/tx',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from(entry),
    });
    if (res.statusCode !== 201) throw new Error(`demo transaction refused: ${res.body}`);
    return res.json() as { txId: string; subject: { asset?: string } };
  };

  const { identities, works } = await demoCollection();
  const signers = identities.map((identity) => new Signer(identity.seed));
  for (const [i, identity] of identities.entries())
    await post(signers[i]!.sign('identity.register', { kind: identity.kind, name: identity.name }));

  // The operator's identity was registered by the genesis (seq 1).
  const op = new Signer(operator.seed, 1);
  const now = new Date().toISOString();
  const appraiser = issueRoleCredential({
    issuerSeed: operator.seed,
    subject: signers[0]!.did,
    idRandom: randomBytes(16),
    validFrom: now,
    role: 'appraiser',
  });
  await post(op.sign('credential.issue', { credential: appraiser as unknown as JsonObject }));
  const realName = issueRealNameCredential({
    issuerSeed: operator.seed,
    subject: signers[1]!.did,
    idRandom: randomBytes(16),
    validFrom: now,
    data: { name: identities[1]!.name, document: 'demo only' },
    method: 'other',
    salt: randomBytes(32),
  });
  await post(op.sign('credential.issue', { credential: realName.credential as unknown as JsonObject }));

  const assets: string[] = [];
  for (const work of works) {
    const signer = signers[work.creatorIndex]!;
    const cid = cidFromBytes(work.bytes);
    const mediaType = await upload(app, signer, work.bytes);
    const body: AssetRegister = {
      cid,
      size: work.bytes.length,
      mediaType,
      title: work.title,
      description: work.description,
      creators: work.creators,
      created: work.created,
      licence: work.licence,
      grade: work.grade,
      ...(work.place ? { place: work.place } : {}),
    };
    assets.push((await post(signer.sign('asset.register', body as unknown as JsonObject))).subject.asset!);
  }

  // Circulation: the first work in 20 numbered editions, two listed and one sold (with its split on
  // the record); the second work licensed for display; the third given to another identity.
  const [first, second, third] = works;
  const issuer = signers[first!.creatorIndex]!;
  const buyer = signers.find((s) => s !== issuer)!;
  await post(issuer.sign('edition.issue', { asset: assets[0]!, supply: 20 }));
  const listings: string[] = [];
  for (const edition of [1, 2])
    listings.push(
      (await post(issuer.sign('listing.create', { asset: assets[0]!, edition, price: '88.00' }))).txId,
    );
  await post(
    issuer.sign('sale.settle', {
      asset: assets[0]!,
      edition: 1,
      listing: listings[0]!,
      buyer: buyer.did,
      price: '88.00',
      paymentHash: hexEncode(randomBytes(32)),
    }),
  );
  const licensor = signers[second!.creatorIndex]!;
  await post(
    licensor.sign('licence.grant', {
      asset: assets[1]!,
      licensee: signers.find((s) => s !== licensor)!.did,
      terms: {
        uses: ['display'],
        territory: 'worldwide',
        start: now.slice(0, 10),
        exclusive: false,
        sublicensable: false,
        attribution: `${second!.creators[0]!.name}, ${second!.title}`,
        royaltyBasisPoints: 0,
        legalTextHash: hexEncode(sha256(utf8Encode('Demo licence: display only, with attribution.'))),
      },
    }),
  );
  const giver = signers[third!.creatorIndex]!;
  await post(giver.sign('asset.transfer', { asset: assets[2]!, to: signers.find((s) => s !== giver)!.did }));

  // Virtual spaces: works lent for display to their curators first, then the spaces (spaces.ts).
  for (const loan of DEMO_LOANS) {
    const work = works[loan.work]!;
    await post(
      signers[loan.from]!.sign('licence.grant', {
        asset: assets[loan.work]!,
        licensee: signers[loan.to]!.did,
        terms: {
          uses: ['display'],
          territory: 'worldwide',
          start: now.slice(0, 10),
          exclusive: false,
          sublicensable: false,
          attribution: `${work.creators[0]!.name}, ${work.title}`,
          royaltyBasisPoints: 0,
          legalTextHash: hexEncode(
            sha256(utf8Encode('Demo loan: display in a virtual space, with attribution.')),
          ),
        },
      }),
    );
  }
  const spaces: string[] = [];
  for (const space of demoSpaces(assets))
    spaces.push(
      (await post(signers[space.curator]!.sign('space.create', space.body as unknown as JsonObject))).txId,
    );

  // A sealed description (docs/sealed-descriptions.md): the operator starts sealing the descriptions
  // of core works (those registered before keep theirs public), and the museum registers a survey
  // dataset whose title, creators and place reach the log only as a sealed document's CID.
  const ledger = (await app.inject('/v1/ledger')).json() as { policy: JsonObject };
  await post(op.sign('policy.set', { policy: { ...ledger.policy, sealDescriptions: ['core'] } }));
  await registerSealedSurvey(app, signers[MUSEUM]!, post);
  return { seeded: true, identities: identities.length, assets: works.length + 1, spaces };
}

/** Upload `bytes` through the node's API as `signer`; the media type the node found. */
async function upload(app: FastifyInstance, signer: Signer, bytes: Uint8Array): Promise<string> {
  const res = await app.inject({
    method: 'PUT',
    url: '/v1/blobs',
    headers: {
      authorization: signUploadAuthorization({
        did: signer.did,
        seed: signer.seed,
        cid: cidFromBytes(bytes),
        size: bytes.length,
      }),
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
    },
    payload: Buffer.from(bytes),
  });
  if (res.statusCode >= 300) throw new Error(`demo upload refused: ${res.body}`);
  return (res.json() as { mediaType: string }).mediaType;
}

/** The demo's sealed work: a small survey dataset graded core, its description sealed. */
async function registerSealedSurvey(
  app: FastifyInstance,
  signer: Signer,
  post: (entry: Uint8Array) => Promise<{ txId: string; subject: { asset?: string } }>,
): Promise<void> {
  // Strain gauges on a gate's timber frame: the kind of survey whose whereabouts are themselves sensitive.
  const readings = Array.from({ length: 24 }, (_, i) => ({
    gauge: `G${String(i + 1).padStart(2, '0')}`,
    beam: ['east', 'west', 'north', 'south'][i % 4],
    height: Number((3 + (i % 6) * 1.5).toFixed(1)),
    microstrain: Math.round(120 + 40 * Math.sin(i)),
  }));
  const bytes = utf8Encode(`${JSON.stringify({ survey: 'timber frame strain', readings }, null, 2)}\n`);
  const mediaType = await upload(app, signer, bytes);
  const sealed = sealDescription({
    title: 'Strain survey of a gate’s timber frame',
    description:
      'Twenty-four strain gauges on the beams of a Ming-dynasty gate tower, read during restoration. Graded core: the positions of the sensors are not for the public. A demo dataset.',
    creators: [{ name: 'Capital Museum Digital Studio', role: 'survey' }],
    created: new Date().toISOString().slice(0, 7),
    place: { point: { lat: 39.8997, lng: 116.3913 }, level: 8, name: 'Gate tower, Beijing' },
  });
  await upload(app, signer, sealed.bytes);
  const body: AssetRegister = {
    cid: cidFromBytes(bytes),
    size: bytes.length,
    mediaType,
    licence: 'LicenseRef-Cinnabar-All-Rights-Reserved',
    grade: 'core',
    sealed: sealed.cid,
  };
  await post(signer.sign('asset.register', body as unknown as JsonObject));
}
