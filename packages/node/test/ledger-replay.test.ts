// The node's ledger state is exactly what a replay of its log gives. A seeded random workload goes
// through a real node's HTTP API, on SQLite and on PostgreSQL: identities, role and real-name
// credentials issued and revoked by the operator (its key is in the data directory), assets
// uploaded and registered, updated, conflicting, refused, bursts of concurrent submissions, and
// raw operator appends (garbage, stale transactions, and valid signed transactions, which take
// effect as the rules say even though no client submitted them). Then the log is read back over
// HTTP, checked against the signed checkpoint, replayed into core's MemoryLedger, and its digest
// compared with the digest of the records the node stored; again after a restart, and again after
// more writes by the restarted node.
//
// CINNABAR_LEDGER_REPLAY_SEED and CINNABAR_LEDGER_REPLAY_STEPS explore other workloads.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  decodeEntryBundle,
  decodeTransaction,
  entryBundlePath,
  leafHash,
  MemoryLedger,
  merkleRoot,
  openCheckpoint,
  type ReplayOutcome,
  ROLES,
  type StateRecord,
  TILE_WIDTH,
  transactionId,
  utf8Encode,
  verifierFromKey,
} from '@cinnabar/core';
import type { LightMyRequestResponse } from 'fastify';
import { loadDataDir, type RunningNode, startNode } from '../src/index.js';
import { BACKENDS, type BackendFixture, createBackend } from './support/backends.js';
import {
  type Accepted,
  assetBody,
  gridGlb,
  LedgerClient,
  nowTime,
  type Problem,
  picturePng,
  storedRecords,
  storedStateDigest,
  TestActor,
} from './support/ledger-fixture.js';
import { prng } from './support/prng.js';

const SEED = Number(process.env.CINNABAR_LEDGER_REPLAY_SEED ?? 0xc1bba);
const STEPS = Number(process.env.CINNABAR_LEDGER_REPLAY_STEPS ?? 240);

// ---------------------------------------------------------------------------------------------
// Reading the log back, as any auditor would

/** Every entry of the log, read over HTTP as tlog-tiles entry bundles and checked against the checkpoint. */
async function readLog(node: RunningNode): Promise<Uint8Array[]> {
  const res = await fetch(`${node.logUrl}checkpoint`);
  assert.equal(res.status, 200);
  const { checkpoint } = openCheckpoint(await res.text(), verifierFromKey(node.vkey), node.origin);
  const entries: Uint8Array[] = [];
  for (let bundle = 0; bundle * TILE_WIDTH < checkpoint.size; bundle++) {
    const width = Math.min(TILE_WIDTH, checkpoint.size - bundle * TILE_WIDTH);
    const tile = await fetch(`${node.logUrl}${entryBundlePath(bundle, width)}`);
    assert.equal(tile.status, 200, `bundle ${bundle}`);
    entries.push(...decodeEntryBundle(new Uint8Array(await tile.arrayBuffer()), width));
  }
  // The entries are the ones the signed checkpoint commits to.
  assert.deepEqual(merkleRoot(entries.map(leafHash)), checkpoint.rootHash);
  return entries;
}

function replay(entries: readonly Uint8Array[]): { ledger: MemoryLedger; outcomes: ReplayOutcome[] } {
  const ledger = new MemoryLedger();
  const outcomes = entries.map((entry, index) => ledger.apply(entry, index));
  return { ledger, outcomes };
}

/** The node's stored state equals the replay's: digest, and record by record when it does not. */
async function assertStateIsReplay(node: RunningNode, ledger: MemoryLedger): Promise<void> {
  const stored = await storedRecords(node.storage);
  const digest = await storedStateDigest(node.storage);
  if (digest !== ledger.digest()) {
    const replayed = new Map<string, StateRecord>(ledger.entries());
    const storedMap = new Map(stored);
    for (const [key, record] of replayed) assert.deepEqual(storedMap.get(key), record, `record ${key}`);
    for (const key of storedMap.keys()) assert.ok(replayed.has(key), `stored ${key} is not in the replay`);
    assert.fail('the digests differ though every record matches');
  }
  assert.equal(stored.length, ledger.size);
}

/** Valid asset metadata with this title. */
function metadataOnly(title: string) {
  return { title, creators: [{ name: 'Racer' }], licence: 'CC0-1.0', grade: 'general' };
}

// ---------------------------------------------------------------------------------------------
// The workload's model of the ledger (what the client believes; the node and the replay decide)

interface ModelAsset {
  id: string;
  owner: TestActor;
  /** Who registered it: a second registration of its bytes by them is already_registered. */
  registrant: TestActor;
  /** A transfer offered and waiting for the recipient (the node's record says). */
  pending?: { to: TestActor; txId: string };
  revision: number;
  bytes: Uint8Array;
  mediaType: string;
  /** Whether this node stores the bytes (a raw append registers bytes it never saw). */
  stored: boolean;
}

interface ModelCredential {
  id: string;
  issuer: TestActor;
  subject: string;
  role?: string;
  revoked: boolean;
}

/** What the workload did, to check against the replay afterwards. */
interface Expectation {
  /** Log index → whether the entry must have taken effect, and its id. */
  atIndex: Map<number, { applied: boolean; txId?: string; what: string }>;
  /** How many POST /v1/tx were refused (none of them is in the log). */
  refused: number;
  /** The problem codes of the refusals, with their counts. */
  codes: Map<string, number>;
  accepted: number;
  rawAppends: number;
  /** Who won each race between a submission and a raw append with the same seq. */
  races: ('raw' | 'submitted')[];
}

class Workload {
  readonly random: () => number;
  readonly people: TestActor[];
  readonly registered = new Set<string>();
  readonly assets: ModelAsset[] = [];
  readonly credentials: ModelCredential[] = [];
  /** Accepted entries, to send again (replays). */
  readonly sent: Uint8Array[] = [];
  readonly expect: Expectation = {
    atIndex: new Map(),
    refused: 0,
    codes: new Map(),
    accepted: 0,
    rawAppends: 0,
    races: [],
  };
  private counter = 0;

  constructor(
    public client: LedgerClient,
    readonly operator: TestActor,
    readonly appendToken: string,
    seed: number,
  ) {
    this.random = prng(seed);
    this.people = Array.from({ length: 7 }, (_, i) => new TestActor(`replay-${seed}-${i}`));
    this.registered.add(operator.did);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  next(): number {
    return ++this.counter;
  }

  registeredPeople(): TestActor[] {
    return this.people.filter((p) => this.registered.has(p.did));
  }

  /** POST a signed entry; a 201 is recorded at its index, anything else must be a 4xx problem. */
  async post(actor: TestActor, entry: Uint8Array, what: string): Promise<Accepted | Problem> {
    const res = await this.client.submit(actor, entry);
    return this.record(res, entry, what);
  }

  private record(res: LightMyRequestResponse, entry: Uint8Array, what: string): Accepted | Problem {
    assert.ok(
      res.statusCode === 201 || (res.statusCode >= 400 && res.statusCode < 500),
      `${what}: ${res.statusCode} ${res.body}`,
    );
    if (res.statusCode !== 201) {
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      this.expect.refused++;
      const problem = res.json() as Problem;
      this.expect.codes.set(problem.code, (this.expect.codes.get(problem.code) ?? 0) + 1);
      return problem;
    }
    const accepted = res.json() as Accepted;
    assert.equal(accepted.txId, transactionId(entry));
    assert.ok(!this.expect.atIndex.has(accepted.index), `index ${accepted.index} given twice`);
    this.expect.atIndex.set(accepted.index, { applied: true, txId: accepted.txId, what });
    this.expect.accepted++;
    this.sent.push(entry);
    return accepted;
  }

  /** POST /v1/log/entries with the operator's token: logged whatever it is. */
  async append(entry: Uint8Array, applied: boolean, what: string): Promise<number> {
    const res = await this.client.node.app.inject({
      method: 'POST',
      url: '/v1/log/entries',
      headers: { authorization: `Bearer ${this.appendToken}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.from(entry),
    });
    assert.equal(res.statusCode, 201, `${what}: ${res.body}`);
    const { index } = res.json() as { index: number };
    this.expect.atIndex.set(index, { applied, ...(applied ? { txId: transactionId(entry) } : {}), what });
    this.expect.rawAppends++;
    return index;
  }

  /** Fresh bytes of a random kind: a picture, a glTF model or an opaque file. */
  async content(): Promise<{ bytes: Uint8Array; kind: string }> {
    const n = this.next();
    switch (this.int(3)) {
      case 0:
        return { bytes: picturePng(24 + this.int(24), 24 + this.int(24), SEED * 1000 + n), kind: 'png' };
      case 1:
        return {
          bytes: await gridGlb(3 + this.int(4), [this.random(), this.random(), this.random(), 1]),
          kind: 'glb',
        };
      default:
        return { bytes: utf8Encode(`opaque file ${SEED}/${n} ${'x'.repeat(this.int(200))}`), kind: 'file' };
    }
  }

  metadata(label: string): Record<string, unknown> {
    const words = ['bronze', 'jade', 'silk', 'lacquer', 'porcelain', 'scroll', 'vessel', 'mirror'];
    return {
      title: `${this.pick(words)} ${this.pick(words)} ${label}`,
      creators: [{ name: this.pick(['Workshop A', 'Workshop B', 'Anonymous']) }],
      licence: this.pick(['CC-BY-4.0', 'CC0-1.0', 'LicenseRef-Cinnabar-1.0']),
      grade: this.pick(['general', 'important', 'core']),
      ...(this.chance(0.3) ? { description: `notes on ${label}\nsecond line` } : {}),
      ...(this.chance(0.2) && this.assets.length > 0 ? { derivedFrom: [this.pick(this.assets).id] } : {}),
    };
  }

  /** Bring every counter in line with the node's state (after concurrent submissions). */
  async resync(): Promise<void> {
    for (const actor of [this.operator, ...this.people]) {
      const res = await this.client.get(`/v1/identities/${actor.did}`);
      if (res.statusCode === 200) {
        actor.seq = (res.json() as { seq: number }).seq;
        this.registered.add(actor.did);
      }
    }
    for (const asset of this.assets) await this.syncAsset(asset);
  }

  /** The asset's revision, owner and pending transfer, as the node holds them. */
  async syncAsset(asset: ModelAsset): Promise<void> {
    const record = await this.client.getJson<{
      revision: number;
      owner: string;
      pendingTransfer?: { to: string; offer: { txId: string } };
    }>(`/v1/assets/${asset.id}`);
    asset.revision = record.revision;
    asset.owner = this.actorOf(record.owner);
    const pending = record.pendingTransfer;
    if (pending) asset.pending = { to: this.actorOf(pending.to), txId: pending.offer.txId };
    else delete asset.pending;
  }

  actorOf(did: string): TestActor {
    const actor = [this.operator, ...this.people].find((a) => a.did === did);
    assert.ok(actor, `${did} is none of the workload's actors`);
    return actor;
  }

  // -------------------------------------------------------------------------------------------
  // Steps

  async registerIdentity(): Promise<void> {
    const unregistered = this.people.filter((p) => !this.registered.has(p.did));
    const actor =
      unregistered.length > 0 && this.chance(0.9) ? this.pick(unregistered) : this.pick(this.people);
    const organization = this.chance(0.3);
    const alias = organization && this.chance(0.5) ? `did:web:org${this.int(3)}.example.cn` : undefined;
    const body = {
      kind: organization ? 'organization' : 'person',
      name: actor.label,
      ...(alias ? { alias } : {}),
    };
    const answer = await this.post(actor, actor.sign('identity.register', body), 'identity.register');
    if ('txId' in answer) this.registered.add(actor.did);
  }

  async registerAsset(): Promise<void> {
    const people = this.registeredPeople();
    if (people.length === 0) return this.registerIdentity();
    const actor = this.pick(people);
    const { bytes } = await this.content();
    const roll = this.random();
    let mediaType = 'application/octet-stream';
    if (roll > 0.1) mediaType = (await this.client.put(actor, bytes)).mediaType; // else never uploaded
    const body = assetBody(bytes, mediaType, this.metadata(`#${this.counter}`));
    if (roll > 0.1 && roll < 0.15) body.size = bytes.length + 1;
    if (roll >= 0.15 && roll < 0.2) body.mediaType = 'image/jpeg';
    const answer = await this.post(actor, actor.sign('asset.register', body), 'asset.register');
    if ('txId' in answer)
      this.assets.push({
        id: answer.subject.asset!,
        owner: actor,
        registrant: actor,
        revision: 0,
        bytes,
        mediaType,
        stored: true,
      });
  }

  async conflictingAsset(): Promise<void> {
    const people = this.registeredPeople();
    const stored = this.assets.filter((a) => a.stored);
    if (stored.length === 0 || people.length === 0) return this.registerAsset();
    const asset = this.pick(stored);
    const actor = this.pick(people);
    const body = assetBody(asset.bytes, asset.mediaType, this.metadata('again'));
    const answer = await this.post(actor, actor.sign('asset.register', body), 'conflicting asset.register');
    assert.ok('code' in answer, 'the same bytes were registered twice');
    assert.equal(answer.code, actor === asset.registrant ? 'already_registered' : 'rights_conflict');
    assert.equal(answer.details?.asset, asset.id);
  }

  async updateAsset(): Promise<void> {
    if (this.assets.length === 0) return this.registerAsset();
    const asset = this.pick(this.assets);
    const roll = this.random();
    const actor = roll < 0.15 ? this.pick(this.registeredPeople()) : asset.owner;
    const revision = roll > 0.85 ? asset.revision + this.pick([0, 2, 5]) : asset.revision + 1;
    const metadata = this.metadata(`rev ${revision}`);
    if (metadata.derivedFrom && (metadata.derivedFrom as string[])[0] === asset.id)
      delete metadata.derivedFrom;
    const entry = actor.sign('asset.update', { asset: asset.id, revision, ...metadata });
    const answer = await this.post(actor, entry, 'asset.update');
    if ('txId' in answer) asset.revision = revision;
  }

  /** The operator (mostly) sets a market policy: open, open with acceptance, or cn-collectibles. */
  async setPolicy(): Promise<void> {
    const withAcceptance = {
      regime: 'open-market',
      transferNeedsAcceptance: true,
      holdingPeriodDays: 180,
      dailyGiftCap: 10,
    };
    const market = this.pick([
      undefined,
      withAcceptance,
      withAcceptance,
      // No holding period, so that transfers between real-named people happen in the workload.
      {
        regime: 'cn-collectibles',
        transferNeedsAcceptance: this.chance(0.5),
        holdingPeriodDays: 0,
        dailyGiftCap: 1 + this.int(3),
      },
    ]);
    const people = this.registeredPeople();
    const actor = this.chance(0.85) || people.length === 0 ? this.operator : this.pick(people);
    const policy = { realNameToRegister: false, ...(market ? { market } : {}) };
    await this.post(actor, actor.sign('policy.set', { policy }), 'policy.set');
  }

  /** The owner (mostly) gives an asset to someone, registered or not. */
  async transferAsset(): Promise<void> {
    if (this.assets.length === 0) return this.registerAsset();
    const asset = this.pick(this.assets);
    const people = this.registeredPeople();
    const actor = this.chance(0.85) || people.length === 0 ? asset.owner : this.pick(people);
    const to = this.pick([this.operator, ...this.people].filter((p) => p !== actor));
    const body = { asset: asset.id, to: to.did, ...(this.chance(0.3) ? { note: `for ${to.label}` } : {}) };
    const answer = await this.post(actor, actor.sign('asset.transfer', body), 'asset.transfer');
    if ('txId' in answer) await this.syncAsset(asset);
  }

  /** Licence ids granted, with their asset and licensee (the node decides which were accepted). */
  readonly licences: { id: string; asset: string; licensee: TestActor; grantor: TestActor }[] = [];

  /** The owner (mostly) licenses a work, sometimes exclusively, sometimes overlapping; or a licensee sublicenses. */
  async grantLicence(): Promise<void> {
    if (this.assets.length === 0) return this.registerAsset();
    const asset = this.pick(this.assets);
    const people = this.registeredPeople();
    if (people.length === 0) return this.registerIdentity();
    const parent = this.chance(0.2) ? this.licences.find((l) => l.asset === asset.id) : undefined;
    const actor = parent ? parent.licensee : this.chance(0.85) ? asset.owner : this.pick(people);
    const licensee = this.pick([this.operator, ...this.people].filter((p) => p !== actor));
    const uses = ['display', 'reproduce', 'adapt', 'distribute', 'commercial'].filter(() => this.chance(0.4));
    const start = `2026-0${1 + this.int(9)}-1${this.int(10)}`;
    const terms = {
      uses: uses.length > 0 ? uses : ['display'],
      territory: this.chance(0.5) ? 'worldwide' : this.chance(0.5) ? ['CN'] : ['CN', 'HK'],
      start,
      ...(this.chance(0.5) ? { end: `2027-0${1 + this.int(9)}-01` } : {}),
      exclusive: this.chance(0.3),
      sublicensable: this.chance(0.5),
      royaltyBasisPoints: this.int(3) * 500,
      legalTextHash: transactionId(utf8Encode(`licence text ${this.int(3)}`)),
    };
    const body = { asset: asset.id, licensee: licensee.did, terms, ...(parent ? { under: parent.id } : {}) };
    const answer = await this.post(actor, actor.sign('licence.grant', body), 'licence.grant');
    if ('txId' in answer) this.licences.push({ id: answer.txId, asset: asset.id, licensee, grantor: actor });
  }

  /** The grantor or owner (mostly) revokes a licence; sometimes a stranger tries, or it is revoked again. */
  async revokeLicence(): Promise<void> {
    if (this.licences.length === 0) return this.grantLicence();
    const licence = this.pick(this.licences);
    const owner = this.assets.find((a) => a.id === licence.asset)!.owner;
    const people = this.registeredPeople();
    const actor = this.chance(0.8) ? (this.chance(0.5) ? licence.grantor : owner) : this.pick(people);
    const body = {
      asset: licence.asset,
      licence: licence.id,
      ...(this.chance(0.5) ? { reason: 'ended early' } : {}),
    };
    await this.post(actor, actor.sign('licence.revoke', body), 'licence.revoke');
  }

  /** The owner (mostly) issues a few editions of a work; a second issue is refused. */
  async issueEditions(): Promise<void> {
    if (this.assets.length === 0) return this.registerAsset();
    const asset = this.pick(this.assets);
    const people = this.registeredPeople();
    const actor = this.chance(0.85) || people.length === 0 ? asset.owner : this.pick(people);
    await this.post(
      actor,
      actor.sign('edition.issue', { asset: asset.id, supply: 1 + this.int(4) }),
      'edition.issue',
    );
  }

  /** Listings made, with what they sell (the node decides which were accepted). */
  readonly listings: { id: string; asset: string; edition?: number; seller: TestActor; price: string }[] = [];

  /** The holder (mostly) lists the work or one of its editions. */
  async listItem(): Promise<void> {
    if (this.assets.length === 0) return this.registerAsset();
    const asset = this.pick(this.assets);
    const work = await this.client.getJson<{ owner: string; editions?: { supply: number } }>(
      `/v1/assets/${asset.id}`,
    );
    const edition = work.editions && this.chance(0.7) ? 1 + this.int(work.editions.supply) : undefined;
    const holder =
      edition === undefined
        ? work.owner
        : (await this.client.getJson<{ owner: string }>(`/v1/assets/${asset.id}/editions/${edition}`)).owner;
    const people = this.registeredPeople();
    const actor = this.chance(0.85) || people.length === 0 ? this.actorOf(holder) : this.pick(people);
    const price = `${1 + this.int(500)}.${this.int(10)}0`;
    const body = { asset: asset.id, ...(edition === undefined ? {} : { edition }), price };
    const answer = await this.post(actor, actor.sign('listing.create', body), 'listing.create');
    if ('txId' in answer)
      this.listings.push({
        id: answer.txId,
        asset: asset.id,
        ...(edition === undefined ? {} : { edition }),
        seller: actor,
        price,
      });
  }

  /** The seller (mostly) settles a sale, sometimes twice or at the wrong price; or cancels the listing. */
  async settleSale(): Promise<void> {
    if (this.listings.length === 0) return this.listItem();
    const listing = this.pick(this.listings);
    const item = {
      asset: listing.asset,
      ...(listing.edition === undefined ? {} : { edition: listing.edition }),
    };
    const people = this.registeredPeople();
    const actor = this.chance(0.85) || people.length === 0 ? listing.seller : this.pick(people);
    if (this.chance(0.2)) {
      await this.post(
        actor,
        actor.sign('listing.cancel', { ...item, listing: listing.id }),
        'listing.cancel',
      );
      return;
    }
    const buyer = this.pick([this.operator, ...this.people].filter((p) => p !== listing.seller));
    const price = this.chance(0.9) ? listing.price : '0.01';
    const body = {
      ...item,
      listing: listing.id,
      buyer: buyer.did,
      price,
      paymentHash: transactionId(utf8Encode(`pay ${this.next()}`)),
    };
    const answer = await this.post(actor, actor.sign('sale.settle', body), 'sale.settle');
    if ('txId' in answer) {
      await this.syncAsset(this.assets.find((a) => a.id === listing.asset)!);
      // The same listing again: the sequencer's order lets one sale through.
      if (this.chance(0.3)) {
        const again = await this.post(
          actor,
          actor.sign('sale.settle', {
            ...body,
            paymentHash: transactionId(utf8Encode(`pay ${this.next()}`)),
          }),
          'sale.settle again',
        );
        assert.ok('code' in again && again.code === 'listing_closed', 'a listing was sold twice');
      }
    }
  }

  /** Freezes made (the node decides which were accepted). */
  readonly freezes: { id: string; target: { asset: string } }[] = [];

  /**
   * The operator (mostly) freezes a work, sometimes for a while only; or lifts a freeze. (Identities
   * are not frozen here: the model's expected refusals assume their actors may act.)
   */
  async supervise(): Promise<void> {
    if (this.assets.length === 0) return this.registerAsset();
    const people = this.registeredPeople();
    const actor = this.chance(0.85) || people.length === 0 ? this.operator : this.pick(people);
    if (this.freezes.length > 0 && this.chance(0.4)) {
      const freeze = this.pick(this.freezes);
      await this.post(
        actor,
        actor.sign('supervision.unfreeze', { target: freeze.target, freeze: freeze.id }),
        'supervision.unfreeze',
      );
      return;
    }
    const target = { asset: this.pick(this.assets).id };
    const until = this.chance(0.3)
      ? { until: new Date(Date.now() + 1000 * (1 + this.int(30))).toISOString() }
      : {};
    const body = { target, grounds: { category: 'investigation', text: `case ${this.next()}` }, ...until };
    const answer = await this.post(actor, actor.sign('supervision.freeze', body), 'supervision.freeze');
    if ('txId' in answer) this.freezes.push({ id: answer.txId, target });
  }

  /** The recipient (mostly) accepts a pending transfer. */
  async acceptTransfer(): Promise<void> {
    const waiting = this.assets.filter((a) => a.pending);
    if (waiting.length === 0) return this.transferAsset();
    const asset = this.pick(waiting);
    const pending = asset.pending!;
    const people = this.registeredPeople();
    const actor = this.chance(0.85) || people.length === 0 ? pending.to : this.pick(people);
    const transfer = this.chance(0.9)
      ? pending.txId
      : transactionId(utf8Encode(`no such offer ${this.next()}`));
    const answer = await this.post(
      actor,
      actor.sign('asset.accept', { asset: asset.id, transfer }),
      'asset.accept',
    );
    if ('txId' in answer) await this.syncAsset(asset);
  }

  async issueCredential(): Promise<void> {
    const people = this.registeredPeople();
    if (people.length === 0) return this.registerIdentity();
    const subject = this.chance(0.9) ? this.pick(people) : this.pick(this.people);
    const authorities = this.credentials
      .filter((c) => c.role === 'identity-authority' && !c.revoked)
      .map((c) => this.people.find((p) => p.did === c.subject)!);
    const roll = this.random();
    const label = `${SEED}-${this.next()}`;
    let issuer = this.operator;
    let role: string | undefined;
    if (roll < 0.45) role = this.chance(0.4) ? 'identity-authority' : this.pick(ROLES);
    else if (roll < 0.7 && authorities.length > 0) issuer = this.pick(authorities);
    else if (roll < 0.85) issuer = this.pick(people); // mostly not authorized
    const credential = role
      ? issuer.roleCredential(subject.did, role as (typeof ROLES)[number], label)
      : issuer.realNameCredential(subject.did, label);
    const answer = await this.post(
      issuer,
      issuer.sign('credential.issue', { credential }),
      'credential.issue',
    );
    if ('txId' in answer)
      this.credentials.push({
        id: credential.id,
        issuer,
        subject: subject.did,
        ...(role ? { role } : {}),
        revoked: false,
      });
  }

  async revokeCredential(): Promise<void> {
    if (this.credentials.length === 0) return this.issueCredential();
    const credential = this.pick(this.credentials);
    const revoker = this.chance(0.8) ? this.operator : credential.issuer;
    const body = {
      id: credential.id,
      subject: credential.subject,
      ...(this.chance(0.5) ? { reason: 'lapsed' } : {}),
    };
    const answer = await this.post(revoker, revoker.sign('credential.revoke', body), 'credential.revoke');
    if ('txId' in answer) credential.revoked = true;
    else assert.ok(credential.revoked || answer.code !== 'credential_not_found', answer.detail);
  }

  async resend(): Promise<void> {
    if (this.sent.length === 0) return this.registerIdentity();
    const entry = this.pick(this.sent);
    const tx = decodeTransaction(entry);
    const actor = [this.operator, ...this.people].find((a) => a.did === tx.actor);
    const answer = await this.post(actor!, entry, 'a replayed transaction');
    assert.ok('code' in answer, 'a replayed transaction was accepted');
    // Its seq is used; or its time left the window; or it was appended raw, of bytes never uploaded.
    assert.ok(['bad_sequence', 'transaction_time_skew', 'blob_required'].includes(answer.code), answer.code);
  }

  async appendGarbage(): Promise<void> {
    const kinds = [
      () => utf8Encode(`not a transaction ${this.next()}`),
      () => Uint8Array.from({ length: 1 + this.int(300) }, () => this.int(256)),
      () => utf8Encode('{}'),
      () => new Uint8Array(0),
    ];
    await this.append(this.pick(kinds)(), false, 'garbage');
  }

  /** A valid signed transaction, appended raw: no client submitted it, and it takes effect. */
  async appendValid(): Promise<void> {
    const people = this.registeredPeople();
    const choice = this.int(4);
    if (choice === 0 || people.length === 0) {
      const unregistered = this.people.filter((p) => !this.registered.has(p.did));
      if (unregistered.length === 0) return this.appendValidUpdate();
      const actor = this.pick(unregistered);
      // An hour old: raw entries have no clock check, only the rules'.
      const entry = actor.sign(
        'identity.register',
        { kind: 'person', name: actor.label },
        { time: nowTime(-3600_000) },
      );
      await this.append(entry, true, 'raw identity.register');
      actor.seq++;
      this.registered.add(actor.did);
      const identity = await this.client.getJson<{ seq: number }>(`/v1/identities/${actor.did}`);
      assert.equal(identity.seq, 1);
      return;
    }
    if (choice === 1) {
      // Bytes this node never stored: only POST /v1/tx asks for the blob.
      const actor = this.pick(people);
      const { bytes } = await this.content();
      const entry = actor.sign(
        'asset.register',
        assetBody(bytes, 'application/octet-stream', this.metadata('raw')),
      );
      await this.append(entry, true, 'raw asset.register');
      actor.seq++;
      const id = transactionId(entry);
      const record = await this.client.getJson<{ owner: string }>(`/v1/assets/${id}`);
      assert.equal(record.owner, actor.did);
      this.assets.push({
        id,
        owner: actor,
        registrant: actor,
        revision: 0,
        bytes,
        mediaType: 'application/octet-stream',
        stored: false,
      });
      this.sent.push(entry);
      return;
    }
    if (choice === 2) {
      const subject = this.pick(people);
      const role = this.pick(ROLES);
      const credential = this.operator.roleCredential(subject.did, role, `${SEED}-raw-${this.next()}`);
      const entry = this.operator.sign('credential.issue', { credential });
      await this.append(entry, true, 'raw credential.issue');
      this.operator.seq++;
      this.credentials.push({
        id: credential.id,
        issuer: this.operator,
        subject: subject.did,
        role,
        revoked: false,
      });
      const record = await this.client.getJson<{ subject: string }>(`/v1/credentials/${credential.id}`);
      assert.equal(record.subject, subject.did);
      return;
    }
    return this.appendValidUpdate();
  }

  private async appendValidUpdate(): Promise<void> {
    if (this.assets.length === 0) return this.appendGarbage();
    const asset = this.pick(this.assets);
    const revision = asset.revision + 1;
    const entry = asset.owner.sign('asset.update', {
      asset: asset.id,
      revision,
      ...this.metadata('raw update'),
    });
    await this.append(entry, true, 'raw asset.update');
    asset.owner.seq++;
    asset.revision = revision;
    const record = await this.client.getJson<{ revision: number }>(`/v1/assets/${asset.id}`);
    assert.equal(record.revision, revision);
  }

  /** A signed transaction the rules refuse at this point, appended raw: logged, without effect. */
  async appendRefused(): Promise<void> {
    const people = this.registeredPeople();
    if (people.length === 0 || this.sent.length === 0) return this.appendGarbage();
    const actor = this.pick(people);
    const entries = [
      // A used sequence number.
      () => this.pick(this.sent),
      // Skips ahead.
      () =>
        actor.sign(
          'asset.update',
          { asset: this.assets[0]?.id ?? '0'.repeat(64), revision: 1, ...this.metadata('x') },
          { seq: actor.seq + 3 },
        ),
      // Signed by someone else.
      () => {
        const tx = actor.transaction('identity.register', { kind: 'person', name: 'x' });
        return utf8Encode(JSON.stringify({ ...tx, sig: this.operator.signature(tx) }));
      },
      // A role credential from someone who is not the operator.
      () =>
        actor.sign('credential.issue', {
          credential: actor.roleCredential(actor.did, 'regulator', `${SEED}-bad-${this.next()}`),
        }),
    ];
    await this.append(this.pick(entries)(), false, 'raw refused transaction');
  }

  /** Several submissions at once: they share a sequencer batch, in whatever order they arrive. */
  async burst(): Promise<void> {
    const people = this.registeredPeople();
    if (people.length < 2) return this.registerIdentity();
    const sends: Promise<unknown>[] = [];
    for (const actor of people.slice(0, 5)) {
      const own = this.assets.filter((a) => a.owner === actor);
      if (own.length > 0 && this.chance(0.6)) {
        const asset = this.pick(own);
        // Two updates of one asset by one actor: both, or only the first to arrive, or neither.
        const first = actor.sign('asset.update', {
          asset: asset.id,
          revision: asset.revision + 1,
          ...this.metadata('burst'),
        });
        const second = actor.sign(
          'asset.update',
          { asset: asset.id, revision: asset.revision + 2, ...this.metadata('burst 2') },
          { seq: actor.seq + 2 },
        );
        sends.push(this.client.post(first).then((r) => this.record(r, first, 'burst update')));
        sends.push(this.client.post(second).then((r) => this.record(r, second, 'burst update 2')));
      } else {
        const bytes = utf8Encode(`burst ${SEED}/${this.next()}`);
        await this.client.put(actor, bytes);
        const entry = actor.sign(
          'asset.register',
          assetBody(bytes, 'application/octet-stream', this.metadata('burst')),
        );
        sends.push(
          this.client.post(entry).then((r) => {
            const answer = this.record(r, entry, 'burst register');
            if ('txId' in answer)
              this.assets.push({
                id: answer.subject.asset!,
                owner: actor,
                registrant: actor,
                revision: 0,
                bytes,
                mediaType: 'application/octet-stream',
                stored: true,
              });
          }),
        );
      }
    }
    if (this.chance(0.5)) sends.push(this.appendGarbage());
    const race = this.race(people.slice(5));
    if (race) sends.push(race.run);
    await Promise.all(sends);
    await race?.settle();
    await this.resync();
  }

  /**
   * An owner's update submitted while the operator appends, raw, another update by the same owner
   * with the same seq: whichever the sequencer takes first wins, and the other changes nothing.
   */
  private race(candidates: readonly TestActor[]) {
    const actor = candidates.find((a) => this.assets.some((asset) => asset.owner === a));
    if (!actor) return undefined;
    const asset = this.assets.find((a) => a.owner === actor)!;
    const update = (title: string) =>
      actor.sign('asset.update', { asset: asset.id, revision: asset.revision + 1, ...metadataOnly(title) });
    const submitted = update('race: submitted');
    const appended = update('race: appended raw');
    let rawIndex = -1;
    let answer: Accepted | Problem | undefined;
    return {
      run: (async () => {
        const submit = () =>
          this.client.post(submitted).then((r) => {
            answer = this.record(r, submitted, 'race: submitted');
          });
        const appendRaw = () =>
          this.append(appended, false, 'race: appended raw').then((index) => {
            rawIndex = index;
          });
        // Started together, the submission gets there first (the raw append has more hops);
        // started a turn of the event loop later, the raw entry does. The sequencer decides.
        if (this.chance(0.5)) await Promise.all([submit(), appendRaw()]);
        else {
          const raw = appendRaw();
          await new Promise((resolve) => setImmediate(resolve));
          await Promise.all([raw, submit()]);
        }
      })(),
      settle: async () => {
        const record = await this.client.getJson<{ updated: { txId: string } }>(`/v1/assets/${asset.id}`);
        const winner = record.updated.txId;
        assert.ok(answer);
        if ('txId' in answer) assert.equal(winner, answer.txId, 'the submission was accepted, so it won');
        else {
          assert.equal(answer.code, 'bad_sequence');
          assert.equal(winner, transactionId(appended), 'the submission lost, so the raw entry won');
        }
        this.expect.atIndex.set(rawIndex, {
          applied: winner === transactionId(appended),
          ...(winner === transactionId(appended) ? { txId: winner } : {}),
          what: 'race: appended raw',
        });
        this.expect.races.push(winner === transactionId(appended) ? 'raw' : 'submitted');
      },
    };
  }

  async run(steps: number): Promise<void> {
    const kinds: [number, () => Promise<void>][] = [
      [10, () => this.registerIdentity()],
      [22, () => this.registerAsset()],
      [6, () => this.conflictingAsset()],
      [16, () => this.updateAsset()],
      [10, () => this.issueCredential()],
      [7, () => this.revokeCredential()],
      [4, () => this.resend()],
      [4, () => this.appendGarbage()],
      [7, () => this.appendValid()],
      [4, () => this.appendRefused()],
      [4, () => this.burst()],
      [4, () => this.setPolicy()],
      [12, () => this.transferAsset()],
      [10, () => this.acceptTransfer()],
      [10, () => this.grantLicence()],
      [5, () => this.revokeLicence()],
      [4, () => this.issueEditions()],
      [5, () => this.listItem()],
      [10, () => this.settleSale()],
      [4, () => this.supervise()],
    ];
    const total = kinds.reduce((sum, [weight]) => sum + weight, 0);
    for (let i = 0; i < steps; i++) {
      let roll = this.random() * total;
      for (const [weight, step] of kinds) {
        roll -= weight;
        if (roll < 0) {
          await step();
          break;
        }
      }
    }
  }
}

/** The replay agrees with what the node answered: each acknowledged index did what it said. */
function assertOutcomes(expect: Expectation, outcomes: readonly ReplayOutcome[], genesis: number): void {
  assert.equal(
    outcomes.length,
    genesis + expect.atIndex.size,
    'the log holds exactly the accepted and appended entries',
  );
  assert.equal(expect.atIndex.size, expect.accepted + expect.rawAppends);
  for (const [index, expected] of expect.atIndex) {
    const outcome = outcomes[index]!;
    assert.equal(
      outcome.ok,
      expected.applied,
      `entry ${index} (${expected.what}): ${JSON.stringify(outcome)}`,
    );
    if (outcome.ok) assert.equal(outcome.txId, expected.txId);
  }
}

for (const backend of BACKENDS) {
  describe(`the node's state is a replay of its log, on ${backend}`, () => {
    let fixture: BackendFixture | undefined;
    let node: RunningNode | undefined;
    after(async () => {
      await node?.close();
      await fixture?.cleanup();
    });

    test(`seed ${SEED}, ${STEPS} steps: equal digests, before and after a restart`, async (t) => {
      fixture = await createBackend(backend);
      const options = {
        dataDir: fixture.dataDir,
        databaseUrl: fixture.databaseUrl,
        port: 0,
        origin: `ledger-replay.test/${backend}`,
      };
      node = await startNode(options);
      const dataDir = await loadDataDir(fixture.dataDir);
      const operator = new TestActor('operator', dataDir.operator.seed);
      operator.seq = 1;
      const workload = new Workload(new LedgerClient(node), operator, dataDir.appendToken, SEED);
      await workload.run(STEPS);

      // Enough of everything happened for the comparison to mean something.
      const { expect } = workload;
      assert.ok(expect.accepted > STEPS / 3, `only ${expect.accepted} accepted`);
      assert.ok(expect.refused > 10, `only ${expect.refused} refused`);
      assert.ok([...expect.atIndex.values()].some((e) => e.what.startsWith('raw ') && e.applied));
      assert.ok([...expect.atIndex.values()].some((e) => !e.applied));
      assert.ok(workload.credentials.some((c) => c.revoked));
      assert.ok(workload.assets.some((a) => a.revision > 0));

      const entries = await readLog(node);
      const { ledger, outcomes } = replay(entries);
      t.diagnostic(
        `${entries.length} entries (${expect.accepted} accepted, ${expect.rawAppends} raw), ` +
          `${ledger.counts.rejected} without effect, ${ledger.size} records; races won: ${expect.races.join(' ')}; refused: ` +
          [...expect.codes].map(([code, n]) => `${code} ${n}`).join(', '),
      );
      assert.ok(
        workload.assets.some((a) => a.owner !== a.registrant),
        'no asset changed hands',
      );
      for (const what of [
        'policy.set',
        'asset.transfer',
        'asset.accept',
        'licence.grant',
        'licence.revoke',
        'edition.issue',
        'listing.create',
        'sale.settle',
        'supervision.freeze',
      ])
        assert.ok(
          [...expect.atIndex.values()].some((e) => e.what === what),
          `no ${what} was accepted`,
        );
      assert.equal(outcomes[0]!.ok, true, 'entry 0 is the genesis');
      assertOutcomes(expect, outcomes, 1);
      await assertStateIsReplay(node, ledger);

      // Restarted, the node serves the same state, and goes on from it.
      await node.close();
      node = await startNode(options);
      await assertStateIsReplay(node, ledger);
      workload.client = new LedgerClient(node);
      await workload.resync();
      await workload.run(Math.ceil(STEPS / 8));
      const more = await readLog(node);
      assert.ok(more.length > entries.length);
      assert.deepEqual(more.slice(0, entries.length), entries, 'the log only grew');
      const again = replay(more);
      assertOutcomes(expect, again.outcomes, 1);
      await assertStateIsReplay(node, again.ledger);
    });
  });
}
