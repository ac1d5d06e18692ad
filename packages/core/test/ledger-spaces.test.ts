// Virtual exhibition spaces on the record: space.create and space.update by a curator, who shows
// works it holds or holds a display licence for; plans checked (rooms, doors, placements).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SpaceRecord, spaceKey } from '../src/ledger/records.js';
import type { Room } from '../src/ledger/schemas.js';
import { type Actor, assetBody, refusedUnchanged, T0, TestLedger } from './support/ledger-actors.js';

const HALL: Room = {
  id: 'hall',
  x: 0,
  z: 0,
  width: 12,
  depth: 8,
  height: 4,
  doors: [{ wall: 'east', offset: 4, width: 2 }],
};
const ANNEX: Room = {
  id: 'annex',
  x: 12,
  z: 2,
  width: 6,
  depth: 4,
  height: 3.5,
  doors: [{ wall: 'west', offset: 2, width: 2 }],
};

function world() {
  const { ledger, people } = TestLedger.started({ people: ['cur', 'ann', 'bob'] });
  const [cur, ann, bob] = people as [Actor, Actor, Actor];
  const own = ledger.accept(cur, 'asset.register', assetBody('curator owns')).txId;
  const lent = ledger.accept(ann, 'asset.register', assetBody('lent for display')).txId;
  const other = ledger.accept(bob, 'asset.register', assetBody('not lent')).txId;
  ledger.accept(ann, 'licence.grant', {
    asset: lent,
    licensee: cur.did,
    terms: {
      uses: ['display'],
      territory: 'worldwide',
      start: '2026-01-01',
      end: '2026-12-31',
      exclusive: false,
      sublicensable: false,
      royaltyBasisPoints: 0,
      legalTextHash: 'ab'.repeat(32),
    },
  });
  return { ledger, cur, ann, bob, own, lent, other };
}

const place = (asset: string, room = 'hall', extra: object = {}) => ({
  asset,
  room,
  x: 6,
  y: 1.6,
  z: 0.05,
  yaw: 0,
  size: 1.2,
  ...extra,
});

describe('spaces', () => {
  test('a curator shows its own and licensed works; revises the space; only the curator revises it', () => {
    const { ledger, cur, ann, own, lent } = world();
    const body = {
      name: 'Hall of autumn',
      category: 'exhibition-hall',
      rooms: [HALL, ANNEX],
      placements: [place(own), place(lent, 'annex', { x: 3, z: 2, y: 0, yaw: 90, size: 0.8 })],
    };
    const created = ledger.accept(cur, 'space.create', body);
    assert.deepEqual(created.subject, { space: created.txId });
    const at = { index: ledger.entries.length - 1, txId: created.txId, time: T0 };
    assert.deepEqual(ledger.get(spaceKey(created.txId)), {
      kind: 'space',
      id: created.txId,
      curator: cur.did,
      revision: 0,
      name: 'Hall of autumn',
      category: 'exhibition-hall',
      rooms: [HALL, ANNEX],
      placements: body.placements,
      created: at,
      updated: at,
    } satisfies SpaceRecord);
    const update = { ...body, space: created.txId, revision: 1, placements: [place(own)] };
    refusedUnchanged(
      ledger,
      () => ledger.submit(ann, 'space.update', update),
      'not_authorized',
      'space.update.curator',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(cur, 'space.update', { ...update, revision: 2 }),
      'revision_conflict',
      'space.update.revision',
    );
    ledger.accept(cur, 'space.update', update);
    const revised = ledger.get(spaceKey(created.txId)) as SpaceRecord;
    assert.equal(revised.revision, 1);
    assert.equal(revised.placements.length, 1);
    assert.deepEqual(revised.created, at);
    refusedUnchanged(
      ledger,
      () => ledger.submit(cur, 'space.update', { ...update, space: 'ee'.repeat(32) }),
      'space_not_found',
      'space.exists',
    );
  });

  test('a work the curator neither holds nor has a display licence for is not shown; nor once the licence ended', () => {
    const { ledger, cur, other, lent } = world();
    const base = { name: 'x', category: 'gallery', rooms: [HALL] };
    refusedUnchanged(
      ledger,
      () => ledger.submit(cur, 'space.create', { ...base, placements: [place(other)] }),
      'not_authorized',
      'space.placement.rights',
    );
    refusedUnchanged(
      ledger,
      () =>
        ledger.submit(
          cur,
          'space.create',
          { ...base, placements: [place(lent)] },
          { time: '2027-01-05T00:00:00Z' },
        ),
      'not_authorized',
      'space.placement.rights',
    );
    refusedUnchanged(
      ledger,
      () => ledger.submit(cur, 'space.create', { ...base, placements: [place('ab'.repeat(32))] }),
      'asset_not_found',
      'asset.exists',
    );
  });

  test('impossible plans are refused before any state is read', () => {
    const { ledger, cur, own } = world();
    const cases: [string, object][] = [
      ['overlapping rooms', { rooms: [HALL, { ...ANNEX, x: 10 }], placements: [] }],
      ['a room twice', { rooms: [HALL, { ...HALL, x: 40 }], placements: [] }],
      [
        'a door off its wall',
        { rooms: [{ ...HALL, doors: [{ wall: 'north', offset: 11.5, width: 2 }] }], placements: [] },
      ],
      ['a work outside its room', { rooms: [HALL], placements: [place(own, 'hall', { x: 13 })] }],
      ['a work in no room', { rooms: [HALL], placements: [place(own, 'attic')] }],
      ['a work twice', { rooms: [HALL], placements: [place(own), place(own, 'hall', { x: 2 })] }],
    ];
    for (const [what, plan] of cases) {
      const outcome = ledger.submit(cur, 'space.create', { name: what, category: 'museum', ...plan });
      assert.ok(!outcome.ok, what);
      assert.equal(outcome.code, 'invalid_body', `${what}: ${outcome.message}`);
      assert.equal(outcome.rule, 'space.create.body', what);
    }
    const schema = ledger.submit(cur, 'space.create', {
      name: 'x',
      category: 'arcade',
      rooms: [HALL],
      placements: [],
    });
    assert.ok(!schema.ok);
    assert.equal(schema.rule, 'space.create.schema');
  });
});
