// Compiled body schemas (useBodySchemaCompiler, as the node installs them) against TypeBox's
// interpreter, on every body the ledger's rule tests check: those suites run again here with a
// compiler that checks each body both ways and fails on any disagreement.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { useBodySchemaCompiler, useInterpretedBodySchemas } from '../src/ledger/schemas.js';

let checked = 0;
let refused = 0;
useBodySchemaCompiler((schema) => {
  const compiled = TypeCompiler.Compile(schema);
  return (value) => {
    const verdict = compiled.Check(value);
    const interpreted = Value.Check(schema, value);
    assert.equal(
      verdict,
      interpreted,
      `the compiled schema says ${verdict}, the interpreter ${interpreted}, for ${JSON.stringify(value)}`,
    );
    checked++;
    if (!verdict) refused++;
    return verdict;
  };
});

await import('./ledger-rules.test.js');
await import('./ledger-transfer.test.js');
await import('./ledger-licence.test.js');
await import('./ledger-market.test.js');
await import('./ledger-place.test.js');
await import('./ledger-supervision.test.js');
await import('./ledger-disputes.test.js');
await import('./ledger-spaces.test.js');
await import('./ledger-sealed-descriptions.test.js');

test('the rule suites checked bodies both ways, valid and invalid ones', () => {
  // Runs after the imported suites' tests (registered first); the counts show they reached the check.
  assert.ok(checked > 500, `${checked} bodies checked`);
  assert.ok(refused > 20, `${refused} bodies refused`);
});

after(() => useInterpretedBodySchemas());
