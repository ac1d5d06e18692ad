/**
 * Sealed descriptions (docs/sealed-descriptions.md): where the policy seals the descriptions of a
 * grade's works (policy.sealDescriptions), a work's title, text, creators, dates and place are not
 * written on the log. They go in a sealed document, stored by the node like content and served only
 * to the readers of a graded work's content (and recorded in its access log); the body of
 * asset.register or asset.update names the document by its CID (`sealed`), which binds the log to
 * those exact bytes.
 *
 * The document is canonical JSON (RFC 8785):
 *
 *   {"description":{…},"salt":"<16 random bytes, lowercase hex>","type":"cinnabar-sealed-description/1"}
 *
 * The salt keeps anyone from confirming a guess (a title, a creator) by hashing it: the CID on the
 * log says nothing of the description until the document is read.
 */
import { Value } from '@sinclair/typebox/value';
import { hexEncode, utf8Encode } from '../bytes.js';
import { cidFromBytes } from '../cid.js';
import { CinnabarError } from '../errors.js';
import { canonicalize, parseCanonicalJson } from '../jcs.js';
import { descriptionProblem } from './rules.js';
import { type AssetDescription, AssetDescriptionSchema } from './schemas.js';

export const SEALED_DESCRIPTION_TYPE = 'cinnabar-sealed-description/1';
/** Bytes of salt in a sealed document. */
export const SEALED_DESCRIPTION_SALT_BYTES = 16;
/** Largest sealed document a node stores or a reader opens. */
export const MAX_SEALED_DESCRIPTION_BYTES = 64 * 1024;

const SALT_PATTERN = new RegExp(`^[0-9a-f]{${2 * SEALED_DESCRIPTION_SALT_BYTES}}$`);

/** A sealed document: its bytes, and the CID a body names it by. */
export interface SealedDescription {
  bytes: Uint8Array;
  cid: string;
}

/** Seal a description with a fresh salt (or the one given, for tests and vectors). */
export function sealDescription(description: AssetDescription, salt?: Uint8Array): SealedDescription {
  const problem = sealedDescriptionProblem(description);
  if (problem) throw new CinnabarError('malformed_sealed_description', problem);
  const saltBytes = salt ?? globalThis.crypto.getRandomValues(new Uint8Array(SEALED_DESCRIPTION_SALT_BYTES));
  if (saltBytes.length !== SEALED_DESCRIPTION_SALT_BYTES)
    throw new CinnabarError(
      'malformed_sealed_description',
      `the salt is ${saltBytes.length} bytes, not ${SEALED_DESCRIPTION_SALT_BYTES}`,
    );
  const bytes = utf8Encode(
    canonicalize({ description, salt: hexEncode(saltBytes), type: SEALED_DESCRIPTION_TYPE }),
  );
  if (bytes.length > MAX_SEALED_DESCRIPTION_BYTES)
    throw new CinnabarError(
      'malformed_sealed_description',
      `the sealed document is ${bytes.length} bytes; the most is ${MAX_SEALED_DESCRIPTION_BYTES}`,
    );
  return { bytes, cid: cidFromBytes(bytes) };
}

/**
 * The description in a sealed document, checked: its CID is `cid` (when given), it is canonical
 * JSON of the form above, and the description passes the schema and the rules a public one does.
 * Throws CinnabarError('malformed_sealed_description') saying what is wrong.
 */
export function openSealedDescription(bytes: Uint8Array, cid?: string): AssetDescription {
  const malformed = (why: string, cause?: unknown) =>
    new CinnabarError(
      'malformed_sealed_description',
      `sealed description: ${why}`,
      cause === undefined ? undefined : { cause },
    );
  if (bytes.length > MAX_SEALED_DESCRIPTION_BYTES)
    throw malformed(`${bytes.length} bytes; the most is ${MAX_SEALED_DESCRIPTION_BYTES}`);
  if (cid !== undefined && cidFromBytes(bytes) !== cid) throw malformed(`the bytes are not those of ${cid}`);
  let document: unknown;
  try {
    document = parseCanonicalJson(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (error) {
    throw malformed(`not canonical JSON: ${(error as Error).message}`, error);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw malformed('not a JSON object');
  const { description, salt, type, ...rest } = document as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw malformed(`unknown member ${JSON.stringify(extra[0])}`);
  if (type !== SEALED_DESCRIPTION_TYPE) throw malformed(`type must be "${SEALED_DESCRIPTION_TYPE}"`);
  if (typeof salt !== 'string' || !SALT_PATTERN.test(salt))
    throw malformed(`salt must be ${SEALED_DESCRIPTION_SALT_BYTES} bytes in lowercase hex`);
  const problem = sealedDescriptionProblem(description);
  if (problem) throw malformed(problem);
  return description as AssetDescription;
}

/** What is wrong with a description, sealed or to seal (its schema, then the rules'), or undefined. */
function sealedDescriptionProblem(description: unknown): string | undefined {
  if (!Value.Check(AssetDescriptionSchema, description)) {
    const first = Value.Errors(AssetDescriptionSchema, description).First();
    return `description${first?.path ?? ''}: ${first?.message ?? 'does not match the schema'}`;
  }
  const problem = descriptionProblem(description);
  return problem === undefined ? undefined : `description: ${problem}`;
}
