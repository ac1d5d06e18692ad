// Places on the Beidou grid in asset metadata: what the rules accept and refuse, the cells a
// place is indexed under, and the days its time span covers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeGrid } from '../src/grid/beidou-2d.js';
import { encodeGrid3D } from '../src/grid/beidou-3d.js';
import { placeCells, validDays } from '../src/grid/place.js';
import type { Place } from '../src/ledger/schemas.js';
import { assetBody, refusedUnchanged, TestLedger } from './support/ledger-actors.js';

describe('places', () => {
  test('a grid code, a point, a box or a list of codes: accepted, indexed under their 2D cells', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const places: [Place, string[]][] = [
      [{ grid: 'N50J47539b82', name: 'Jingdezhen' }, ['N50J47539B82']],
      [{ grid: encodeGrid3D(39.9, 116.3, 45, 7) }, [encodeGrid(39.9, 116.3, 7)]],
      [{ point: { lat: 39.9163, lng: 116.3972 }, level: 7 }, [encodeGrid(39.9163, 116.3972, 7)]],
      [
        { point: { lat: 39.9163, lng: 116.3972, height: 44 }, level: 10 },
        [encodeGrid(39.9163, 116.3972, 10)],
      ],
      [
        { box: { south: 39.9, west: 116.3, north: 40, east: 116.5 }, level: 2 },
        ['N50J47', 'N50J57', 'N50K40', 'N50K50'],
      ],
      [{ cells: ['N50J475', 'N50J47539b8'] }, ['N50J47539B8', 'N50J475']],
    ];
    for (const [i, [place, cells]] of places.entries()) {
      assert.deepEqual(placeCells(place), cells.sort());
      ledger.accept(ann, 'asset.register', assetBody(`place ${i}`, { place }));
    }
  });

  test('refused, naming the problem: none or two forms, a missing or stray level, bad codes, a box too fine', () => {
    const { ledger, people } = TestLedger.started({ people: ['ann'] });
    const ann = people[0]!;
    const refused: [Place, RegExp][] = [
      [{ name: 'nowhere' }, /exactly one of grid, point, box or cells \(got none\)/],
      [{ grid: 'N50J47', cells: ['N50J47'] }, /got grid, cells/],
      [{ point: { lat: 39.9, lng: 116.3 } }, /a point is indexed at a level/],
      [{ grid: 'N50J47', level: 3 }, /only a point or a box has a level/],
      [{ grid: 'N50J476' }, /level-3 digit/],
      [{ cells: ['N50J47', 'N61A'] }, /longitude number/],
      [{ box: { south: 40, west: 116, north: 39, east: 117 }, level: 2 }, /from south to north/],
      [{ box: { south: 39, west: 116, north: 40, east: 117 }, level: 5 }, /choose a coarser level/],
      [{ point: { lat: 89, lng: 10 }, level: 4 }, /polar cap/],
    ];
    for (const [i, [place, message]] of refused.entries()) {
      refusedUnchanged(
        ledger,
        () => ledger.submit(ann, 'asset.register', assetBody(`refused ${i}`, { place })),
        'invalid_body',
        'asset.register.body',
      );
      const outcome = ledger.submit(ann, 'asset.register', assetBody(`refused ${i}`, { place }));
      assert.ok(
        !outcome.ok && message.test(outcome.message),
        `${JSON.stringify(place)}: ${!outcome.ok && outcome.message}`,
      );
    }
    // Out of range numbers and unknown fields are the schema's.
    for (const place of [
      { point: { lat: 91, lng: 0 }, level: 1 },
      { point: { lat: 0, lng: 0, x: 1 }, level: 1 },
    ])
      refusedUnchanged(
        ledger,
        () => ledger.submit(ann, 'asset.register', assetBody('schema', { place: place as Place })),
        'invalid_body',
        'asset.register.schema',
      );
  });

  test('valid days: the first and last day a span covers, at its precision', () => {
    assert.deepEqual(validDays(undefined), { from: null, to: null });
    assert.deepEqual(validDays({ start: '1990' }), { from: '1990-01-01', to: null });
    assert.deepEqual(validDays({ start: '1990-05', end: '2009' }), { from: '1990-05-01', to: '2009-12-31' });
    assert.deepEqual(validDays({ start: '2000-02-03', end: '2024-02' }), {
      from: '2000-02-03',
      to: '2024-02-29',
    });
    assert.deepEqual(validDays({ start: '2000', end: '2023-02' }), { from: '2000-01-01', to: '2023-02-28' });
  });
});
