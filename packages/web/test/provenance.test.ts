// provenance.ts in Node against a real node with the demo collection: the timeline built from the
// node's records, verified with core's code (signatures, entry hashes, inclusion proofs, the
// checkpoint's signature with a key trusted on first use), and every kind of tampering caught and
// named: a proof hash, an entry's bytes, its signature, what the timeline says it did, the key.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CinnabarClient, transactionId } from '@cinnabar/core';
import { type RunningNode, seedDemo, startNode } from '@cinnabar/node';
import {
  buildTimeline,
  httpProvenanceSource,
  type KeyPinStore,
  loadProvenanceRecords,
  type ProvenanceSource,
  type TimelineEntry,
  verifyProvenance,
} from '../src/explorer/provenance.js';

function memoryPins(initial?: {
  vkey: string;
  pinnedAt: string;
}): KeyPinStore & { pin?: { vkey: string; pinnedAt: string } } {
  const store: KeyPinStore & { pin?: { vkey: string; pinnedAt: string } } = {
    ...(initial ? { pin: initial } : {}),
    get: () => store.pin,
    set: (pin) => {
      store.pin = pin;
    },
  };
  return store;
}

describe('provenance.ts against a real node', () => {
  let dir: string;
  let node: RunningNode;
  let client: CinnabarClient;
  let vase: string;
  let timeline: TimelineEntry[];
  let source: ProvenanceSource;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cinnabar-provenance-'));
    node = await startNode({ dataDir: join(dir, 'data'), port: 0, origin: 'provenance.test/log' });
    await seedDemo(node.app, node.operatorKey);
    client = new CinnabarClient({ baseUrl: node.url });
    vase = (await client.assets({ q: 'Meiping' })).items[0]!.id;
    const records = await loadProvenanceRecords(client, vase);
    assert.ok(records);
    timeline = buildTimeline(records);
    source = httpProvenanceSource(client);
  });
  after(async () => {
    await node?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the timeline: registration, editions, listings and the sale, one row per log entry, in log order', () => {
    const kinds = timeline.flatMap((e) => e.items.map((i) => i.kind));
    for (const kind of ['registered', 'editions-issued', 'listed', 'sold'] as const)
      assert.ok(kinds.includes(kind), kind);
    assert.equal(timeline[0]!.txId, vase);
    assert.deepEqual(
      timeline.map((e) => e.index),
      [...new Set(timeline.map((e) => e.index))].sort((a, b) => a - b),
    );
    const sale = timeline.find((e) => e.items.some((i) => i.kind === 'sold'))!;
    assert.equal(sale.items.filter((i) => i.kind === 'sold').length, 1, 'a sale is one fact, not two');
  });

  test('verifies every entry; the key is pinned on first use and then used', async () => {
    const pins = memoryPins();
    const first = await verifyProvenance(vase, timeline, source, pins);
    assert.deepEqual(first.failures, []);
    assert.equal(first.verified, true);
    assert.equal(first.key.source, 'first-use');
    assert.equal(pins.pin?.vkey, node.vkey);
    assert.equal(first.checkpoint?.origin, 'provenance.test/log');
    for (const entry of first.entries)
      assert.deepEqual(entry.passed, ['in-checkpoint', 'entry-hash', 'signature', 'content', 'inclusion']);
    const again = await verifyProvenance(vase, timeline, source, pins);
    assert.equal(again.verified, true);
    assert.equal(again.key.source, 'pinned');
  });

  test('a flipped proof hash fails the inclusion check of that entry only', async () => {
    const target = timeline[1]!.index;
    const tampered: ProvenanceSource = {
      ...source,
      async inclusionProof(index, size) {
        const proof = await source.inclusionProof(index, size);
        if (index === target) proof[0] = proof[0]!.map((b, i) => (i === 0 ? b ^ 1 : b));
        return proof;
      },
    };
    const verdict = await verifyProvenance(vase, timeline, tampered, memoryPins());
    assert.equal(verdict.verified, false);
    assert.deepEqual(
      verdict.failures.map((f) => [f.check, f.index]),
      [['inclusion', target]],
    );
  });

  test("changed entry bytes fail the hash check; bytes that hash right but are not the actor's fail the signature", async () => {
    const target = timeline[0]!.index;
    const flip = (entry: Uint8Array) => {
      const text = new TextDecoder().decode(entry);
      // Another valid base64 signature of the same length: the transaction still decodes.
      const changed = text.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === 'A' ? 'B' : 'A'}`);
      return new TextEncoder().encode(changed);
    };
    const tampered: ProvenanceSource = {
      ...source,
      async entries(start, end, size) {
        return (await source.entries(start, end, size)).map((e, i) => (start + i === target ? flip(e) : e));
      },
    };
    const hashFails = await verifyProvenance(vase, timeline, tampered, memoryPins());
    assert.deepEqual(
      hashFails.failures.map((f) => [f.check, f.index]),
      [['entry-hash', target]],
    );
    // A timeline that names the tampered bytes' hash: the signature is what fails.
    const size = Number((await source.checkpoint()).split('\n')[1]);
    const [entry] = await source.entries(target, target + 1, size);
    const forged = timeline.map((e, i) => (i === 0 ? { ...e, txId: transactionId(flip(entry!)) } : e));
    const sigFails = await verifyProvenance(forged[0]!.txId, forged, tampered, memoryPins());
    assert.equal(sigFails.failures[0]?.check, 'signature');
    assert.equal(sigFails.failures[0]?.index, target);
  });

  test('a timeline that says an entry did something else fails the content check', async () => {
    const wrong = timeline.map((e, i) =>
      i === 1 ? { ...e, items: [{ ...e.items[0]!, kind: 'licence-granted' as const }] } : e,
    );
    const verdict = await verifyProvenance(vase, wrong, source, memoryPins());
    assert.deepEqual(
      verdict.failures.map((f) => [f.check, f.index]),
      [['content', timeline[1]!.index]],
    );
  });

  test('a changed key or a bad checkpoint signature: nothing is verified', async () => {
    const other = await mkdtemp(join(tmpdir(), 'cinnabar-provenance-other-'));
    const stranger = await startNode({
      dataDir: join(other, 'data'),
      port: 0,
      origin: 'provenance.test/log',
    });
    try {
      const pins = memoryPins({ vkey: stranger.vkey, pinnedAt: '2025-01-01T00:00:00.000Z' });
      const verdict = await verifyProvenance(vase, timeline, source, pins);
      assert.equal(verdict.verified, false);
      assert.equal(verdict.key.source, 'changed');
      assert.equal(verdict.key.served, node.vkey);
      assert.equal(pins.pin?.vkey, stranger.vkey, 'a changed key is never pinned silently');
      assert.deepEqual(
        verdict.failures.map((f) => f.check),
        ['key', 'checkpoint-signature'],
      );
      assert.ok(verdict.entries.every((e) => e.failure && e.passed.length === 0));
    } finally {
      await stranger.close();
      await rm(other, { recursive: true, force: true });
    }
    const badNote: ProvenanceSource = {
      ...source,
      async checkpoint() {
        const note = await source.checkpoint();
        return note.replace(
          /\n\n— (\S+) (.)/,
          (_m, name: string, c: string) => `\n\n— ${name} ${c === 'A' ? 'B' : 'A'}`,
        );
      },
    };
    const verdict = await verifyProvenance(vase, timeline, badNote, memoryPins());
    assert.equal(verdict.verified, false);
    assert.deepEqual(
      verdict.failures.map((f) => f.check),
      ['checkpoint-signature'],
    );
  });
});
