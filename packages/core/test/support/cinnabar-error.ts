import assert from 'node:assert/strict';
import { CinnabarError, type CoreErrorCode } from '../../src/errors.js';

/** Assert that `fn` throws a CinnabarError with `code` (and a message matching `reason`); return it. */
export function throwsCode(fn: () => unknown, code: CoreErrorCode, reason?: RegExp): CinnabarError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof CinnabarError, `expected a CinnabarError(${code}), got ${String(caught)}`);
  assert.equal(caught.code, code, `wrong code; message: ${caught.message}`);
  assert.equal(caught.name, 'CinnabarError');
  if (reason) assert.match(caught.message, reason);
  return caught;
}

/** Assert that `promise` rejects with a CinnabarError with `code` (and a matching message); return it. */
export async function rejectsCode(
  promise: Promise<unknown>,
  code: CoreErrorCode,
  reason?: RegExp,
): Promise<CinnabarError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof CinnabarError, `expected a CinnabarError(${code}), got ${String(caught)}`);
  assert.equal(caught.code, code, `wrong code; message: ${caught.message}`);
  if (reason) assert.match(caught.message, reason);
  return caught;
}
