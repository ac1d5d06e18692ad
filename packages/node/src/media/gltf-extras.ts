// The AI label in a glTF 2.0 asset's `extras` (glTF 2.0 §3.12 "extras: application-specific
// data"), for glTF JSON and for GLB (§4.4 binary glTF: a 12-byte header, a JSON chunk padded with
// spaces to 4 bytes, then an optional BIN chunk and any others).
//
// glTF has no place named by GB 45438-2025 (it names none for 3D formats); the label is read from,
// and written to, `asset.extras.AIGC` as a JSON object of the seven fields, the same key the
// standard's image metadata uses. Also read: top-level `extras.AIGC`, an `AIGC` that is a JSON
// string rather than an object, and extras that hold the fields directly (a `Label` beside them).

const GLB_MAGIC = 0x46546c67; // "glTF"
const CHUNK_JSON = 0x4e4f534a; // "JSON"

/** Largest JSON (chunk or file) read for the label. */
export const MAX_GLTF_JSON_BYTES = 64 * 1024 * 1024;

export interface GlbParts {
  json: Record<string, unknown>;
  /** Every chunk after the JSON chunk, byte for byte (BIN and any others). */
  rest: Uint8Array;
}

export class GltfLabelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GltfLabelError';
  }
}

export function isGlb(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 4 && bytes[0] === 0x67 && bytes[1] === 0x6c && bytes[2] === 0x54 && bytes[3] === 0x46
  );
}

/** Split a GLB into its JSON and the chunks after it. Throws GltfLabelError when malformed. */
export function readGlb(bytes: Uint8Array): GlbParts {
  if (bytes.byteLength < 20) throw new GltfLabelError('GLB_TRUNCATED', 'The GLB is shorter than its header.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) throw new GltfLabelError('GLB_MAGIC', 'Not a GLB.');
  if (view.getUint32(4, true) !== 2) throw new GltfLabelError('GLB_VERSION', 'Only GLB version 2 is read.');
  const length = view.getUint32(8, true);
  if (length !== bytes.byteLength)
    throw new GltfLabelError(
      'GLB_LENGTH',
      `The header says ${length} bytes; the file has ${bytes.byteLength}.`,
    );
  const jsonLength = view.getUint32(12, true);
  if (view.getUint32(16, true) !== CHUNK_JSON)
    throw new GltfLabelError('GLB_NO_JSON', 'The first chunk is not JSON.');
  if (jsonLength > bytes.byteLength - 20 || jsonLength % 4 !== 0)
    throw new GltfLabelError('GLB_TRUNCATED', `The JSON chunk claims ${jsonLength} bytes.`);
  if (jsonLength > MAX_GLTF_JSON_BYTES)
    throw new GltfLabelError('GLTF_JSON_TOO_LARGE', `The JSON chunk is over ${MAX_GLTF_JSON_BYTES} bytes.`);
  const json = parseJsonObject(bytes.subarray(20, 20 + jsonLength));
  return { json, rest: bytes.subarray(20 + jsonLength) };
}

/** A GLB of `json` and the chunks after it: the JSON chunk padded with spaces, the header's length set. */
export function writeGlb(json: Record<string, unknown>, rest: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil(text.byteLength / 4) * 4;
  const out = new Uint8Array(12 + 8 + padded + rest.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, GLB_MAGIC, true);
  view.setUint32(4, 2, true);
  view.setUint32(8, out.byteLength, true);
  view.setUint32(12, padded, true);
  view.setUint32(16, CHUNK_JSON, true);
  out.set(text, 20);
  out.fill(0x20, 20 + text.byteLength, 20 + padded);
  out.set(rest, 20 + padded);
  return out;
}

/** Parse glTF JSON text (a BOM is tolerated). Throws GltfLabelError when it is not a JSON object. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.byteLength > MAX_GLTF_JSON_BYTES)
    throw new GltfLabelError('GLTF_JSON_TOO_LARGE', `The JSON is over ${MAX_GLTF_JSON_BYTES} bytes.`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes).replace(/^\uFEFF/, ''));
  } catch {
    throw new GltfLabelError('GLTF_JSON_INVALID', 'The glTF JSON does not parse.');
  }
  if (!isObject(value)) throw new GltfLabelError('GLTF_JSON_INVALID', 'The glTF JSON is not an object.');
  return value;
}

export interface GltfLabelValue {
  /** e.g. "asset.extras.AIGC". */
  location: string;
  /** The label object (a JSON-string AIGC parsed), not yet checked field by field. */
  value: Record<string, unknown>;
}

/** The AI label objects a glTF's extras hold, asset.extras first. */
export function gltfLabelValues(json: Record<string, unknown>): {
  values: GltfLabelValue[];
  issues: { code: string; message: string }[];
} {
  const values: GltfLabelValue[] = [];
  const issues: { code: string; message: string }[] = [];
  const places: [string, unknown][] = [
    ['asset.extras', isObject(json.asset) ? json.asset.extras : undefined],
    ['extras', json.extras],
  ];
  for (const [where, extras] of places) {
    if (!isObject(extras)) continue;
    const aigc = extras.AIGC;
    if (isObject(aigc)) values.push({ location: `${where}.AIGC`, value: aigc });
    else if (typeof aigc === 'string') {
      try {
        const parsed = JSON.parse(aigc.slice(0, 64 * 1024)) as unknown;
        if (isObject(parsed)) values.push({ location: `${where}.AIGC`, value: parsed });
        else issues.push({ code: 'AI_LABEL_MALFORMED', message: `${where}.AIGC is not a JSON object.` });
      } catch {
        issues.push({ code: 'AI_LABEL_MALFORMED', message: `${where}.AIGC is a string that is not JSON.` });
      }
    } else if (aigc !== undefined) {
      issues.push({
        code: 'AI_LABEL_MALFORMED',
        message: `${where}.AIGC is neither an object nor a JSON string.`,
      });
    } else if ('Label' in extras) {
      values.push({ location: where, value: extras });
    }
  }
  return { values, issues };
}

/**
 * `json` with `asset.extras.AIGC` set to `label` (a copy; the input is not changed). An existing
 * object asset.extras keeps its other keys; one that is not an object is kept under `value`.
 */
export function withGltfLabel(
  json: Record<string, unknown>,
  label: Record<string, string>,
): Record<string, unknown> {
  const asset = isObject(json.asset) ? json.asset : {};
  const extras = asset.extras;
  const base = isObject(extras) ? extras : extras === undefined ? {} : { value: extras };
  return { ...json, asset: { ...asset, extras: { ...base, AIGC: { ...label } } } };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
