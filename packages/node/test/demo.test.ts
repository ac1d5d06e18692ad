import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CinnabarClient,
  didKeyFromPublicKey,
  MemoryLedger,
  readSigner,
  type SpaceRecord,
} from '@cinnabar/core';
import { type Document, Logger, NodeIO } from '@gltf-transform/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  ALL_RIGHTS_RESERVED,
  DEMO_IDENTITY_SEED_PREFIX,
  type DemoIdentity,
  type DemoWork,
  demoCollection,
  demoIdentities,
} from '../src/demo/catalogue.js';
import { DEMO_IMAGE_SIZE } from '../src/demo/images.js';
import { DEMO_GENERATOR } from '../src/demo/sculptures.js';
import { DEMO_LOANS, demoSpaces } from '../src/demo/spaces.js';
import { seedDemo, startNode } from '../src/index.js';
import {
  hammingDistance,
  inspectMedia,
  type MediaInspection,
  PHASH_NEAR_DUPLICATE_DISTANCE,
} from '../src/media/inspect.js';
import { storedStateDigest } from './support/ledger-fixture.js';

const GLB = 'model/gltf-binary';
const PNG = 'image/png';
const MAX_GLB_BYTES = 2 * 1024 * 1024;
const SPDX_IDS = new Set(['CC-BY-4.0', 'CC-BY-SA-4.0', 'CC-BY-NC-4.0', 'CC0-1.0', ALL_RIGHTS_RESERVED]);

interface Generated {
  identities: DemoIdentity[];
  works: DemoWork[];
  milliseconds: number;
}

// The collection is generated once for the tests that only read it; the determinism test makes
// a second, independent run.
let first: Promise<Generated> | undefined;
function generated(): Promise<Generated> {
  first ??= (async () => {
    const start = performance.now();
    const collection = await demoCollection();
    return { ...collection, milliseconds: performance.now() - start };
  })();
  return first;
}

let inspections: Promise<Map<string, MediaInspection>> | undefined;
function inspected(): Promise<Map<string, MediaInspection>> {
  inspections ??= (async () => {
    const { works } = await generated();
    const map = new Map<string, MediaInspection>();
    for (const work of works) map.set(work.fileName, await inspectMedia(work.bytes));
    return map;
  })();
  return inspections;
}

const io = new NodeIO().setLogger(new Logger(Logger.Verbosity.SILENT));

/** The JSON chunk of a GLB (glTF 2.0 §4.4: a 12-byte header, then chunk length, type and data). */
function glbJson(bytes: Uint8Array): { asset: { generator?: string } } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.getUint32(16, true), 0x4e4f534a, 'the first chunk is JSON');
  const length = view.getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + length)));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

test('the collection: identities with derived seeds, twelve catalogued works', async () => {
  const { identities, works } = await generated();
  assert.ok(identities.length >= 3 && identities.length <= 4, `${identities.length} identities`);
  assert.equal(new Set(identities.map((i) => i.name)).size, identities.length, 'identity names are unique');
  assert.ok(identities.some((i) => i.kind === 'person'));
  assert.ok(identities.some((i) => i.kind === 'organization'));
  for (const identity of identities) {
    assert.equal(identity.seed.length, 32);
    const expected = createHash('sha256').update(`${DEMO_IDENTITY_SEED_PREFIX}${identity.name}`).digest();
    assert.deepEqual(Buffer.from(identity.seed), expected, `seed of ${identity.name}`);
  }

  assert.equal(works.length, 12);
  assert.equal(works.filter((w) => w.mediaType === GLB).length, 6);
  assert.equal(works.filter((w) => w.mediaType === PNG).length, 6);
  assert.equal(new Set(works.map((w) => w.fileName)).size, 12, 'file names are unique');
  assert.equal(new Set(works.map((w) => w.title)).size, 12, 'titles are unique');
  const today = new Date().toISOString().slice(0, 10);
  for (const work of works) {
    const extension = work.mediaType === GLB ? 'glb' : 'png';
    assert.match(work.fileName, new RegExp(`^[a-z0-9]+(-[a-z0-9]+)*\\.${extension}$`));
    assert.ok(work.title.trim().length > 0 && work.description.length > 40, work.fileName);
    assert.match(work.created, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(new Date(`${work.created}T00:00:00Z`).toISOString().slice(0, 10), work.created);
    assert.ok(work.created < today, `${work.fileName} was created in the past`);
    assert.ok(SPDX_IDS.has(work.licence), `${work.fileName}: licence ${work.licence}`);
    assert.ok(['general', 'important', 'core'].includes(work.grade));
    assert.ok(Number.isInteger(work.creatorIndex) && identities[work.creatorIndex], work.fileName);
    assert.ok(work.creators.length > 0 && work.creators.every((c) => c.name.trim().length > 0));
  }
  assert.ok(new Set(works.map((w) => w.licence)).size >= 3, 'a mix of licences');
  assert.deepEqual(new Set(works.map((w) => w.grade)), new Set(['general', 'important', 'core']));
  assert.deepEqual(
    new Set(works.map((w) => w.creatorIndex)),
    new Set(identities.map((_, i) => i)),
    'every identity registers at least one work',
  );
});

test('every GLB passes inspectMedia with no errors or warnings, with a sensible summary', async () => {
  const { works } = await generated();
  const results = await inspected();
  let textured = 0;
  for (const work of works.filter((w) => w.mediaType === GLB)) {
    const name = work.fileName;
    assert.ok(work.bytes.byteLength < MAX_GLB_BYTES, `${name}: ${work.bytes.byteLength} bytes`);
    const result = results.get(name)!;
    assert.deepEqual(result.errors, [], name);
    assert.deepEqual(result.warnings, [], name);
    assert.equal(result.ok, true);
    assert.equal(result.mediaType, GLB);
    assert.equal(result.kind, 'model');
    const model = result.model;
    assert.ok(model, `${name} is summarized`);
    assert.ok(model.meshes >= 1 && model.primitives >= 1 && model.materials >= 1, name);
    assert.ok(model.triangles >= 2_000 && model.triangles <= 50_000, `${name}: ${model.triangles} triangles`);
    assert.ok(model.vertices > 0);
    if (model.textures > 0) textured++;
    // Stands on y = 0, centred on the y axis, 1–2.5 m tall and at most 2 m across (y up, metres).
    const { min, max } = model.bounds!;
    assert.ok(Math.abs(min[1]) < 1e-4, `${name}: lowest point ${min[1]}`);
    assert.ok(Math.abs(min[0] + max[0]) < 1e-4 && Math.abs(min[2] + max[2]) < 1e-4, `${name} is centred`);
    const height = max[1] - min[1];
    assert.ok(height >= 1 && height <= 2.5, `${name}: ${height} m tall`);
    assert.ok(max[0] - min[0] <= 2 && max[2] - min[2] <= 2, `${name}: footprint`);
  }
  assert.ok(textured >= 1, 'at least one GLB carries a texture');
});

test('GLB contents: named, generator set, normals unit length, closed parts face outwards', async () => {
  const { works } = await generated();
  for (const work of works.filter((w) => w.mediaType === GLB)) {
    const doc: Document = await io.readBinary(work.bytes);
    const root = doc.getRoot();
    const name = work.fileName;
    // glTF-Transform's reader drops asset.generator, so read it from the JSON chunk.
    assert.equal(glbJson(work.bytes).asset.generator, DEMO_GENERATOR, name);
    assert.ok(root.getDefaultScene()?.getName(), `${name}: named default scene`);
    assert.ok(root.listNodes().every((node) => node.getName().length > 0));
    for (const mesh of root.listMeshes()) {
      assert.ok(mesh.getName().length > 0);
      for (const primitive of mesh.listPrimitives()) {
        const position = primitive.getAttribute('POSITION');
        const normal = primitive.getAttribute('NORMAL');
        const indices = primitive.getIndices();
        assert.ok(position && normal && indices, `${name}: POSITION, NORMAL and indices`);
        assert.equal(normal.getCount(), position.getCount());
        const n: number[] = [];
        for (let i = 0; i < normal.getCount(); i++) {
          normal.getElement(i, n);
          assert.ok(Math.abs(Math.hypot(n[0]!, n[1]!, n[2]!) - 1) < 1e-5, `${name}: normal ${i}`);
        }
        const material = primitive.getMaterial();
        assert.ok(material, `${name}: every primitive has a material`);
        if (material.getBaseColorTexture()) assert.ok(primitive.getAttribute('TEXCOORD_0'), name);
        // Every part is a closed surface wound counter-clockwise from outside (glTF 2.0 §3.7.2.1),
        // so its signed volume (divergence theorem) is positive.
        const a: number[] = [];
        const b: number[] = [];
        const c: number[] = [];
        let volume = 0;
        for (let t = 0; t < indices.getCount(); t += 3) {
          position.getElement(indices.getScalar(t), a);
          position.getElement(indices.getScalar(t + 1), b);
          position.getElement(indices.getScalar(t + 2), c);
          volume +=
            (a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) -
              a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) +
              a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!)) /
            6;
        }
        assert.ok(volume > 0, `${name} / ${material.getName()}: signed volume ${volume}`);
      }
    }
  }
});

test('every PNG inspects as a 512 × 512 image with a perceptual hash', async () => {
  const { works } = await generated();
  const results = await inspected();
  for (const work of works.filter((w) => w.mediaType === PNG)) {
    const result = results.get(work.fileName)!;
    assert.equal(result.ok, true, work.fileName);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
    assert.equal(result.mediaType, PNG);
    assert.equal(result.kind, 'image');
    assert.equal(result.image?.width, DEMO_IMAGE_SIZE);
    assert.equal(result.image?.height, DEMO_IMAGE_SIZE);
    assert.match(result.image?.perceptualHash ?? '', /^[0-9a-f]{16}$/);
  }
});

test('no two pictures are near duplicates by perceptual hash', async () => {
  const { works } = await generated();
  const results = await inspected();
  const hashes = works
    .filter((w) => w.mediaType === PNG)
    .map((w) => ({ name: w.fileName, hash: results.get(w.fileName)!.image!.perceptualHash! }));
  assert.equal(hashes.length, 6);
  for (let i = 0; i < hashes.length; i++) {
    for (let j = i + 1; j < hashes.length; j++) {
      const [a, b] = [hashes[i]!, hashes[j]!];
      const distance = hammingDistance(a.hash, b.hash);
      assert.ok(
        distance > PHASH_NEAR_DUPLICATE_DISTANCE,
        `${a.name} and ${b.name} are ${distance} apart (near-duplicate threshold ${PHASH_NEAR_DUPLICATE_DISTANCE})`,
      );
    }
  }
});

test('generation is deterministic: a second run gives the same bytes and seeds', async (t) => {
  const one = await generated();
  const start = performance.now();
  const two = await demoCollection();
  const again = performance.now() - start;
  t.diagnostic(
    `demo collection generated in ${one.milliseconds.toFixed(0)} ms, again in ${again.toFixed(0)} ms`,
  );
  assert.equal(two.works.length, one.works.length);
  one.works.forEach((work, i) => {
    const other = two.works[i]!;
    assert.notEqual(other.bytes, work.bytes, 'a fresh run, not a cached one');
    assert.equal(sha256(other.bytes), sha256(work.bytes), work.fileName);
    assert.deepEqual({ ...other, bytes: null }, { ...work, bytes: null });
  });
  assert.deepEqual(two.identities, one.identities);
});

test('the collection is generated quickly', async () => {
  // A guard against a pathological slowdown, not a benchmark: the collection takes about 1–2 s of
  // CPU; the bound leaves room for a loaded CI machine.
  const { milliseconds } = await generated();
  assert.ok(milliseconds < 15_000, `generation took ${milliseconds.toFixed(0)} ms`);
});

test('seeding a new node: the works, editions, a sale, licences, a gift and two spaces on the record; once only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cinnabar-demo-seed-'));
  const node = await startNode({ dataDir: join(dir, 'data'), port: 0, origin: 'demo.test/log' });
  try {
    const result = await seedDemo(node.app, node.operatorKey);
    assert.deepEqual(
      { ...result, spaces: result.spaces?.length },
      { seeded: true, identities: demoIdentities().length, assets: 13, spaces: 2 },
    );
    const { works } = await demoCollection();
    const client = new CinnabarClient({ baseUrl: node.url });
    const all = await client.assets({ limit: 100 });
    assert.equal(all.items.length, 13);
    // The catalogue's twelve in the clear, and one core work whose description is sealed, which its
    // owner reads and checks against the CID on the log.
    const sealed = all.items.filter((a) => a.metadata.sealed !== undefined);
    assert.equal(sealed.length, 1);
    assert.equal(sealed[0]!.metadata.grade, 'core');
    assert.equal(sealed[0]!.metadata.title, undefined);
    assert.deepEqual((await client.ledger()).policy.sealDescriptions, ['core']);
    const studio = demoIdentities()[0]!;
    const studioDid = didKeyFromPublicKey(ed25519.getPublicKey(studio.seed));
    assert.equal(sealed[0]!.owner, studioDid);
    const description = await client.sealedDescription(
      sealed[0]!.metadata.sealed!,
      readSigner({ did: studioDid, seed: studio.seed }),
    );
    assert.match(description.title, /Strain survey/);
    const page = { items: all.items.filter((a) => a.metadata.sealed === undefined) };
    assert.equal(page.items.length, 12);
    const withEditions = page.items.filter((a) => a.editions);
    assert.equal(withEditions.length, 1);
    const work = withEditions[0]!;
    assert.equal(work.editions?.supply, 20);
    const sales = (await client.assetSales(work.id))!.sales;
    assert.equal(sales.length, 1);
    assert.equal((await client.edition(work.id, 1))?.owner, sales[0]!.buyer);
    assert.deepEqual(sales[0]!.split.platform, { did: node.operator, amount: '2.20', basisPoints: 250 });
    const listings = (await client.assetListings(work.id))!.listings;
    assert.deepEqual(listings.map((l) => l.status).sort(), ['open', 'sold']);
    const licensed = await Promise.all(
      page.items.map(async (a) => (await client.assetLicences(a.id))!.licences),
    );
    assert.equal(licensed.flat().length, 1 + DEMO_LOANS.length);
    assert.ok(licensed.flat().every((l) => l.terms.uses.includes('display')));
    assert.equal(page.items.filter((a) => a.owner !== a.registrant).length, 1);
    // The works shown at the Capital Museum are found there.
    const atMuseum = await client.assets({ near: '39.9057,116.3417', radius: 300 });
    assert.deepEqual(
      atMuseum.items.map((a) => a.metadata.title).sort(),
      works
        .filter((w) => w.place)
        .map((w) => w.title)
        .sort(),
    );
    assert.ok(atMuseum.items.length >= 2);
    // The spaces: a museum of two rooms joined by a door, and a gallery by another curator that
    // shows a work it holds a display licence for; each as the demo's plan says.
    const spaces = (await (await fetch(new URL('v1/spaces', node.url))).json()) as { items: SpaceRecord[] };
    assert.equal(spaces.items.length, 2);
    const byName = new Map(spaces.items.map((s) => [s.name, s]));
    const plans = demoSpaces(page.items.map(() => '')).map((s) => s.body);
    const museum = byName.get(plans[0]!.name)!;
    assert.equal(museum.category, 'museum');
    assert.equal(museum.rooms.length, 2);
    assert.ok(
      museum.rooms.some((r) => (r.doors ?? []).length > 0),
      'the rooms are joined by a door',
    );
    const mediaOf = new Map(page.items.map((a) => [a.id, a.mediaType]));
    assert.ok(museum.placements.filter((p) => mediaOf.get(p.asset) === GLB).length >= 3, 'sculptures');
    assert.ok(museum.placements.filter((p) => mediaOf.get(p.asset) === PNG).length >= 2, 'pictures');
    const gallery = byName.get(plans[1]!.name)!;
    assert.equal(gallery.category, 'gallery');
    assert.notEqual(gallery.curator, museum.curator);
    const owners = new Map(page.items.map((a) => [a.id, a.owner]));
    assert.ok(
      gallery.placements.some((p) => owners.get(p.asset) !== gallery.curator),
      'the gallery shows a work it is licensed to display',
    );
    for (const space of [museum, gallery]) {
      assert.equal(space.revision, 0);
      assert.deepEqual(
        space.placements.map((p) => ({ ...p, asset: '' })),
        plans[space === museum ? 0 : 1]!.placements.map((p) => ({ ...p, asset: '' })),
        'placed as the plan says',
      );
      const curated = (await (
        await fetch(new URL(`v1/identities/${space.curator}/spaces`, node.url))
      ).json()) as {
        items: SpaceRecord[];
      };
      assert.deepEqual(
        curated.items.map((s) => s.id),
        [space.id],
      );
    }
    // A second start seeds nothing.
    assert.deepEqual(await seedDemo(node.app, node.operatorKey), { seeded: false, identities: 0, assets: 0 });
    // And the state is what a replay of the log gives.
    const size = await node.storage.countEntries();
    const replay = new MemoryLedger();
    (await node.storage.readEntries(0, size)).forEach((entry, index) => {
      assert.equal(replay.apply(entry, index).ok, true, `entry ${index} of the demo takes effect`);
    });
    assert.equal(await storedStateDigest(node.storage), replay.digest());
  } finally {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  }
});
