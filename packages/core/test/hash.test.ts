import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { hexEncode } from '../src/bytes.js';
import { sha256, useSha256 } from '../src/hash.js';

// FIPS 180-4 example: SHA-256("abc").
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

test('sha256 gives the FIPS 180-4 answer for "abc"', () => {
  assert.equal(hexEncode(sha256(new TextEncoder().encode('abc'))), ABC);
});

test('useSha256 refuses a replacement that gives wrong answers, and keeps the old one', () => {
  assert.throws(() => useSha256(() => new Uint8Array(32)), /wrong answers/);
  assert.throws(() => useSha256((d) => createHash('sha256').update(d).update('x').digest()), /wrong answers/);
  assert.equal(hexEncode(sha256(new TextEncoder().encode('abc'))), ABC);
});

test('useSha256 accepts an identical implementation (node:crypto)', () => {
  useSha256((d) => new Uint8Array(createHash('sha256').update(d).digest()));
  assert.equal(hexEncode(sha256(new TextEncoder().encode('abc'))), ABC);
});
