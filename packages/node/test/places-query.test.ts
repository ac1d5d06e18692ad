// Finding assets by place and time on a real node: by grid cell, box and distance, and the
// revision valid on a day (a rebuilt building's twin shows the version of the time); the index
// survives a restart and is rebuilt for a store that predates it. On SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeGrid, type Place, utf8Encode } from '@cinnabar/core';
import { type RunningNode, startNode } from '../src/index.js';
import { BACKENDS, type BackendFixture, createBackend } from './support/backends.js';
import { LedgerClient, TestActor } from './support/ledger-fixture.js';
import { tamper } from './support/tamper.js';

const TIANANMEN = { lat: 39.9087, lng: 116.3975 };
const HALL = { lat: 39.9042, lng: 116.3907 }; // about 750 m to the south-west
const BUND = { lat: 31.24, lng: 121.49 }; // Shanghai

interface Page {
  items: {
    id: string;
    metadata: { title: string };
    revisionAt?: { revision: number; metadata: { title: string } };
  }[];
  nextCursor: string | null;
}

/** Forget the place index, as a store from before it would be. */
function dropPlaceIndex(fixture: BackendFixture): Promise<void> {
  return tamper(fixture, (db) =>
    db.exec(
      "DELETE FROM {asset_places}; DELETE FROM {asset_versions}; DELETE FROM {meta} WHERE key = 'places_indexed'",
    ),
  );
}

for (const backend of BACKENDS) {
  describe(`places and times on ${backend}`, () => {
    test('by cell, box and distance; the version valid on a day; across restarts and a rebuilt index', async () => {
      const fixture = await createBackend(backend);
      const start = () =>
        startNode({
          dataDir: fixture.dataDir,
          databaseUrl: fixture.databaseUrl,
          port: 0,
          origin: `places.test/${backend}`,
        });
      let node: RunningNode = await start();
      const ann = new TestActor('ann');
      const ids: Record<string, string> = {};
      try {
        const client = new LedgerClient(node);
        await client.accept(ann, 'identity.register', { kind: 'person', name: 'Ann' });
        const register = async (title: string, place: Place, timeSpan?: { start: string; end?: string }) => {
          const accepted = await client.register(ann, utf8Encode(title), {
            title,
            place,
            ...(timeSpan ? { timeSpan } : {}),
          });
          ids[title] = accepted.subject.asset!;
        };
        await register('gate', { point: TIANANMEN, level: 10 });
        await register('hall', { point: { ...HALL, height: 30 }, level: 8 });
        await register('square', { box: { south: 39.9, west: 116.39, north: 39.91, east: 116.4 }, level: 4 });
        await register('bund', { cells: [encodeGrid(BUND.lat, BUND.lng, 6)] });
        // A building's twin: the old building (1959-2006), then the rebuilt one (2007 on).
        await register('theatre', { point: HALL, level: 9 }, { start: '1959', end: '2006' });
        await client.accept(ann, 'asset.update', {
          asset: ids.theatre,
          revision: 1,
          title: 'theatre, rebuilt',
          creators: [{ name: 'Workshop of the test' }],
          licence: 'CC-BY-4.0',
          grade: 'general',
          place: { point: HALL, level: 9 },
          timeSpan: { start: '2007' },
        });
        // A work that moved to Shanghai: it is no longer found in Beijing.
        await register('moved', { point: TIANANMEN, level: 7 });
        await client.accept(ann, 'asset.update', {
          asset: ids.moved,
          revision: 1,
          title: 'moved',
          creators: [{ name: 'Workshop of the test' }],
          licence: 'CC-BY-4.0',
          grade: 'general',
          place: { point: BUND, level: 7 },
        });
      } catch (error) {
        await node.close();
        throw error;
      }

      const titles = (page: Page) => page.items.map((a) => a.metadata.title).sort();
      const check = async () => {
        const client = new LedgerClient(node);
        const get = (query: string) => client.getJson<Page>(`/v1/assets?${query}`);
        const beijing = encodeGrid(TIANANMEN.lat, TIANANMEN.lng, 2);
        assert.deepEqual(titles(await get(`cell=${beijing}`)), [
          'gate',
          'hall',
          'square',
          'theatre, rebuilt',
        ]);
        assert.deepEqual(titles(await get(`cell=${encodeGrid(TIANANMEN.lat, TIANANMEN.lng, 7)}`)), ['gate']);
        assert.deepEqual(titles(await get(`cell=${encodeGrid(BUND.lat, BUND.lng, 4)}`)), ['bund', 'moved']);
        // A box around the square and the hall, not the gate's point to the north of it.
        assert.deepEqual(titles(await get('bbox=39.9,116.385,39.906,116.395')), [
          'hall',
          'square',
          'theatre, rebuilt',
        ]);
        // Near the gate: 100 m takes the gate and the square's cells; 1,200 m the hall too.
        assert.deepEqual(titles(await get(`near=${TIANANMEN.lat},${TIANANMEN.lng}&radius=100`)), [
          'gate',
          'square',
        ]);
        assert.deepEqual(titles(await get(`near=${TIANANMEN.lat},${TIANANMEN.lng}&radius=1200`)), [
          'gate',
          'hall',
          'square',
          'theatre, rebuilt',
        ]);
        // The twin on a day: the building of the time, or none before it was built.
        const theatreCell = `cell=${encodeGrid(HALL.lat, HALL.lng, 5)}`;
        const in2000 = await get(`${theatreCell}&at=2000-06-01`);
        const theatre = in2000.items.find((a) => a.id === ids.theatre);
        assert.deepEqual(theatre?.revisionAt?.revision, 0);
        assert.equal(theatre?.revisionAt?.metadata.title, 'theatre');
        const in2010 = await get(`${theatreCell}&at=2010-01-01T12:00:00Z`);
        assert.equal(in2010.items.find((a) => a.id === ids.theatre)?.revisionAt?.revision, 1);
        assert.equal(
          (await get(`${theatreCell}&at=1950-01-01`)).items.find((a) => a.id === ids.theatre),
          undefined,
        );
        // Pages, newest first.
        const first = await get(`cell=${beijing}&limit=2`);
        assert.equal(first.items.length, 2);
        const second = await get(`cell=${beijing}&limit=2&cursor=${first.nextCursor}`);
        assert.deepEqual([...titles(first), ...titles(second)].sort(), [
          'gate',
          'hall',
          'square',
          'theatre, rebuilt',
        ]);
        // A full page may have more after it (as GET /v1/assets says); the next one is empty.
        const third = await get(`cell=${beijing}&limit=2&cursor=${second.nextCursor}`);
        assert.deepEqual([third.items, third.nextCursor], [[], null]);
        // Refusals.
        for (const query of [
          'cell=N50J476',
          'cell=X50',
          'bbox=1,2,3',
          'bbox=40,116,39,117',
          'near=39.9,116.3&radius=2000000',
          'radius=10',
          'cell=N50J&bbox=1,2,3,4',
          'cell=N50J&at=2020-02-30',
          'cell=N50J&owner=did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
        ]) {
          const res = await client.get(`/v1/assets?${query}`);
          assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
          assert.equal(res.json().code, 'invalid_query');
        }
      };

      try {
        await check();
        await node.close();
        node = await start();
        await check();
        await node.close();
        await dropPlaceIndex(fixture);
        node = await start();
        await check();
      } finally {
        await node.close();
        await fixture.cleanup();
      }
    });
  });
}
