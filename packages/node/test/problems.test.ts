import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PROBLEMS } from '../src/index.js';

// The catalogue in code and docs/errors.md must list the same codes with the same statuses.
test('every problem code is documented in docs/errors.md with its status, and nothing else is', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map<string, number>();
  for (const match of doc.matchAll(/^\| `([a-z_]+)`\s*\| (\d{3})\s*\|/gm))
    documented.set(match[1]!, Number(match[2]));
  const catalogue = new Map(Object.entries(PROBLEMS).map(([code, p]) => [code, p.status as number]));
  assert.deepEqual(Object.fromEntries(documented), Object.fromEntries(catalogue));
});
