import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaIndex } from '../src/ledger/media-index.js';
import { hammingDistance } from '../src/media/inspect.js';
import { prng } from './support/prng.js';

const hex = (next: () => number) =>
  Array.from({ length: 16 }, () => Math.floor(next() * 16).toString(16)).join('');

test('perceptual-hash marks agree with hammingDistance, closest first, within the bound', () => {
  const next = prng(7);
  const index = new MediaIndex(10);
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    asset: `a${i}`,
    cid: `c${i}`,
    phash: hex(next),
    geometry: null,
    idx: i,
  }));
  for (const row of rows) index.add(row);
  for (let probe = 0; probe < 50; probe++) {
    // Near one of them: flip a few bits of a random row's hash.
    const base = rows[Math.floor(next() * rows.length)]!;
    const bits = BigInt(`0x${base.phash}`) ^ (1n << BigInt(Math.floor(next() * 64))) ^ (1n << 3n);
    const phash = bits.toString(16).padStart(16, '0');
    const row = { asset: 'new', cid: 'new', phash, geometry: null, idx: 9999 };
    const expected = rows
      .map((r) => ({ other: r.asset, distance: hammingDistance(phash, r.phash) }))
      .filter((m) => m.distance <= 10)
      .sort((a, b) => a.distance - b.distance);
    const marks = index.marks(row, 1000);
    assert.deepEqual(
      marks.map((m) => m.distance),
      expected.map((m) => m.distance),
    );
    assert.deepEqual(new Set(marks.map((m) => m.other)), new Set(expected.map((m) => m.other)));
    assert.ok(marks.some((m) => m.other === base.asset));
    assert.ok(marks.every((m) => m.reason === 'perceptual-hash' && m.asset === 'new'));
  }
});

test('identical geometry is found by its hash, never the asset itself, and limited', () => {
  const index = new MediaIndex(10);
  for (let i = 0; i < 5; i++)
    index.add({ asset: `g${i}`, cid: `c${i}`, phash: null, geometry: 'same', idx: i });
  index.add({ asset: 'other', cid: 'x', phash: null, geometry: 'different', idx: 9 });
  const marks = index.marks({ asset: 'g0', cid: 'c0', phash: null, geometry: 'same', idx: 0 }, 3);
  assert.equal(marks.length, 3);
  assert.ok(marks.every((m) => m.reason === 'geometry' && m.distance === 0 && m.other !== 'g0'));
  assert.deepEqual(index.marks({ asset: 'n', cid: 'n', phash: null, geometry: 'none', idx: 1 }, 3), []);
});
