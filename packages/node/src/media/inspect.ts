// Inspection of uploaded media, run before anything is stored or registered.
//
// - GLB / glTF JSON is checked with the Khronos glTF validator and summarized with glTF-Transform.
//   Nothing is ever fetched or read from disk: the validator is given an external-resource function
//   that refuses, and glTF-Transform is only used through readBinary / readJSON, which resolve
//   embedded (GLB chunk, data: URI) resources only.
// - PNG and JPEG are decoded (after their header dimensions are checked against maxImagePixels, so a
//   decompression bomb is refused before any pixel is inflated) and given a 64-bit perceptual hash.
//   GIF, WebP and BMP get their dimensions from the header but are not decoded (no perceptual hash);
//   other image types get neither.
// - Everything else is typed by its bytes (file-type), never by a file name.
// - PNG, JPEG and glTF that pass are read for GB 45438-2025 AI labels in their metadata
//   (ai-label.ts): what was found, and where, is `aiLabel`.
//
// inspectMedia never throws for hostile input: it returns { ok: false, errors: [{ code, ... }] }.
// It throws only for programmer errors (bytes not a Uint8Array, invalid options).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { type Document, getBounds, Logger, NodeIO } from '@gltf-transform/core';
import { fileTypeFromBuffer } from 'file-type';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type AiLabelDetection, detectAiLabel } from './ai-label.js';

export interface InspectOptions {
  /** Bound on the errors reported, and separately on the warnings reported. */
  maxIssues: number;
  /** Images whose header claims more pixels than this are refused before decoding. */
  maxImagePixels: number;
  /**
   * Issue budget handed to the glTF validator (all severities, infos included). The validator stops
   * when it is reached; a report that was cut short before any error was found is refused
   * (VALIDATION_INCOMPLETE), since the rest of the asset was never checked.
   */
  validatorMaxIssues: number;
}

export const INSPECT_DEFAULTS: Readonly<InspectOptions> = Object.freeze({
  maxIssues: 20,
  maxImagePixels: 100_000_000,
  validatorMaxIssues: 2_000,
});

/** Two perceptual hashes at most this far apart (Hamming distance) mark a near duplicate. */
export const PHASH_NEAR_DUPLICATE_DISTANCE = 10;

export type MediaKind = 'model' | 'image' | 'video' | 'audio' | 'other';

export interface InspectionIssue {
  /** The validator's issue code (e.g. GLB_UNEXPECTED_END_OF_CHUNK_DATA) or one of ours (e.g. IMAGE_TOO_LARGE). */
  code: string;
  message: string;
  /** JSON pointer into the glTF, when the validator gives one. */
  pointer?: string;
  /** Byte offset, when the validator gives one (GLB container issues). */
  offset?: number;
}

export type Vec3 = [number, number, number];

export interface ModelSummary {
  meshes: number;
  primitives: number;
  /** Triangles over all mesh primitives (TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN), not per instance. */
  triangles: number;
  /** POSITION elements over all mesh primitives. */
  vertices: number;
  materials: number;
  textures: number;
  /** World-space bounds of the scenes' meshes (local-space bounds if no mesh is in a scene); null without geometry. */
  bounds: { min: Vec3; max: Vec3 } | null;
  /** SHA-256 hex over every primitive's mode, POSITION and indices (materials, names, transforms excluded). */
  geometryHash: string;
}

export interface ImageSummary {
  width: number;
  height: number;
  /** 64-bit DCT perceptual hash as 16 hex characters; PNG and JPEG only. */
  perceptualHash?: string;
}

export interface MediaInspection {
  mediaType: string;
  kind: MediaKind;
  ok: boolean;
  errors: InspectionIssue[];
  warnings: InspectionIssue[];
  model?: ModelSummary;
  image?: ImageSummary;
  /**
   * GB 45438-2025 implicit AI labels found in the file's metadata, for the types whose metadata is
   * read (PNG, JPEG, glTF, GLB); absent for other types, and in inspections made before labels were.
   */
  aiLabel?: Omit<AiLabelDetection, 'checked'>;
}

const GLB_MEDIA_TYPE = 'model/gltf-binary';
const GLTF_MEDIA_TYPE = 'model/gltf+json';
const OCTET_STREAM = 'application/octet-stream';

export async function inspectMedia(
  bytes: Uint8Array,
  options: Partial<InspectOptions> = {},
): Promise<MediaInspection> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('inspectMedia: bytes must be a Uint8Array');
  const opts = resolveOptions(options);
  if (bytes.byteLength === 0) {
    return refused(OCTET_STREAM, 'other', [{ code: 'EMPTY_INPUT', message: 'The file is empty.' }]);
  }
  try {
    const inspection = await inspect(bytes, opts);
    if (inspection.ok) {
      const { checked, found, issues } = detectAiLabel(bytes, inspection.mediaType);
      if (checked) inspection.aiLabel = { found, issues };
    }
    return inspection;
  } catch (error) {
    // Defence in depth: every decoder call below already catches; this keeps the contract if a
    // library throws somewhere unexpected.
    return refused(OCTET_STREAM, 'other', [{ code: 'INSPECTION_FAILED', message: describe(error) }]);
  }
}

/** Hamming distance between two 16-hex-character perceptual hashes. */
export function hammingDistance(a: string, b: string): number {
  if (!PHASH_PATTERN.test(a) || !PHASH_PATTERN.test(b)) {
    throw new TypeError('hammingDistance: expected two 16-character hexadecimal hashes');
  }
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x !== 0n) {
    x &= x - 1n;
    count++;
  }
  return count;
}

const PHASH_PATTERN = /^[0-9a-f]{16}$/i;

function resolveOptions(options: Partial<InspectOptions>): InspectOptions {
  const opts: InspectOptions = { ...INSPECT_DEFAULTS, ...options };
  for (const key of ['maxIssues', 'maxImagePixels', 'validatorMaxIssues'] as const) {
    const value = opts[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`inspectMedia: ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return opts;
}

async function inspect(bytes: Uint8Array, opts: InspectOptions): Promise<MediaInspection> {
  if (isGlbMagic(bytes)) {
    const version = bytes.byteLength >= 8 ? readU32LE(bytes, 4) : undefined;
    if (version !== 2) {
      return refused(GLB_MEDIA_TYPE, 'model', [
        {
          code: 'GLB_UNSUPPORTED_VERSION',
          message: `GLB container version ${version ?? '(missing)'}; only glTF 2.0 is accepted.`,
          offset: 4,
        },
      ]);
    }
    return inspectGltf(bytes, 'glb', undefined, opts);
  }
  const json = parseJsonObject(bytes);
  if (json !== undefined && isGltf2Json(json)) return inspectGltf(bytes, 'gltf', json, opts);

  let detected: { mime: string } | undefined;
  try {
    detected = await fileTypeFromBuffer(bytes);
  } catch {
    detected = undefined;
  }
  const mediaType = detected?.mime ?? (json !== undefined ? 'application/json' : OCTET_STREAM);
  if (mediaType === 'image/png' || mediaType === 'image/apng') return inspectPng(bytes, mediaType, opts);
  if (mediaType === 'image/jpeg') return inspectJpeg(bytes, opts);
  if (mediaType.startsWith('image/')) return inspectOtherImage(bytes, mediaType, opts);
  if (mediaType.startsWith('video/')) return accepted(mediaType, 'video');
  if (mediaType.startsWith('audio/')) return accepted(mediaType, 'audio');
  if (mediaType.startsWith('model/')) {
    return {
      ...accepted(mediaType, 'model'),
      warnings: [{ code: 'MODEL_NOT_INSPECTED', message: `${mediaType} is not validated or summarized.` }],
    };
  }
  return accepted(mediaType, 'other');
}

// ---------------------------------------------------------------------------------------------
// glTF

interface ValidatorMessage {
  code: string;
  message: string;
  severity: number;
  pointer?: string;
  offset?: number;
}

interface ValidatorReport {
  issues: {
    numErrors: number;
    numWarnings: number;
    messages: ValidatorMessage[];
    truncated: boolean;
  };
}

interface ValidatorOptions {
  format?: 'glb' | 'gltf';
  maxIssues?: number;
  writeTimestamp?: boolean;
  externalResourceFunction?: (uri: string) => Promise<Uint8Array>;
}

interface GltfValidator {
  validateBytes(data: Uint8Array, options?: ValidatorOptions): Promise<ValidatorReport>;
}

// gltf-validator ships no type declarations and its ESM entry (module.mjs) re-exports a
// Dart-compiled CommonJS file; loading the CommonJS entry through createRequire avoids both
// problems. Loaded lazily: it is a ~1 MB script.
let validatorModule: GltfValidator | undefined;
function gltfValidator(): GltfValidator {
  validatorModule ??= createRequire(import.meta.url)('gltf-validator') as GltfValidator;
  return validatorModule;
}

async function inspectGltf(
  bytes: Uint8Array,
  format: 'glb' | 'gltf',
  json: Record<string, unknown> | undefined,
  opts: InspectOptions,
): Promise<MediaInspection> {
  const mediaType = format === 'glb' ? GLB_MEDIA_TYPE : GLTF_MEDIA_TYPE;
  const externalUris: string[] = [];
  let report: ValidatorReport;
  try {
    report = await gltfValidator().validateBytes(bytes, {
      format,
      maxIssues: opts.validatorMaxIssues,
      writeTimestamp: false,
      // Never fetch: record the URI and refuse (the validator turns this into an IO_ERROR).
      externalResourceFunction: (uri) => {
        externalUris.push(uri);
        return Promise.reject(new Error('external resources are not fetched'));
      },
    });
  } catch (error) {
    // The validator rejects with a plain string when it cannot even detect the format.
    return refused(mediaType, 'model', [{ code: 'GLTF_UNREADABLE', message: describe(error) }]);
  }

  const messages = Array.isArray(report.issues?.messages) ? report.issues.messages : [];
  const errors: InspectionIssue[] = externalUris.map((uri) => ({
    code: 'EXTERNAL_RESOURCE',
    message: `External resource ${JSON.stringify(uri)} refused: assets must be self-contained (GLB or data: URIs).`,
  }));
  errors.push(...messages.filter((m) => m.severity === 0).map(toIssue));
  const warnings = messages.filter((m) => m.severity === 1).map(toIssue);
  if (errors.length === 0 && report.issues.numErrors > 0) {
    errors.push({
      code: 'GLTF_INVALID',
      message: `The validator reported ${report.issues.numErrors} error(s).`,
    });
  }
  if (errors.length === 0 && report.issues.truncated) {
    errors.push({
      code: 'VALIDATION_INCOMPLETE',
      message: `The validator stopped after ${opts.validatorMaxIssues} issues before checking the whole asset.`,
    });
  }
  if (errors.length > 0) return refused(mediaType, 'model', errors, warnings, opts.maxIssues);

  let model: ModelSummary | undefined;
  try {
    const io = new NodeIO().setLogger(new Logger(Logger.Verbosity.SILENT));
    // readBinary / readJSON resolve only embedded resources; they never touch the disk or network.
    const doc =
      format === 'glb'
        ? await io.readBinary(bytes)
        : await io.readJSON({ json: json as never, resources: {} });
    model = summarizeModel(doc);
  } catch (error) {
    warnings.unshift({
      code: 'MODEL_SUMMARY_FAILED',
      message: `glTF-Transform could not read the asset: ${describe(error)}`,
    });
  }
  const result: MediaInspection = {
    mediaType,
    kind: 'model',
    ok: true,
    errors: [],
    warnings: warnings.slice(0, opts.maxIssues),
  };
  if (model) result.model = model;
  return result;
}

function toIssue(m: ValidatorMessage): InspectionIssue {
  const issue: InspectionIssue = { code: String(m.code), message: String(m.message) };
  if (typeof m.pointer === 'string' && m.pointer !== '') issue.pointer = m.pointer;
  if (typeof m.offset === 'number') issue.offset = m.offset;
  return issue;
}

const MODE_TRIANGLES = 4;
const MODE_TRIANGLE_STRIP = 5;
const MODE_TRIANGLE_FAN = 6;

function summarizeModel(doc: Document): ModelSummary {
  const root = doc.getRoot();
  const meshes = root.listMeshes();
  let primitives = 0;
  let triangles = 0;
  let vertices = 0;
  const localMin: Vec3 = [Infinity, Infinity, Infinity];
  const localMax: Vec3 = [-Infinity, -Infinity, -Infinity];
  const hash = createHash('sha256');
  hash.update('cinnabar-geometry-v1\0');
  const header = new DataView(new ArrayBuffer(4));
  const u32 = (value: number) => {
    header.setUint32(0, value, true);
    hash.update(new Uint8Array(header.buffer.slice(0)));
  };
  const element: number[] = [];

  u32(meshes.length);
  for (const mesh of meshes) {
    const prims = mesh.listPrimitives();
    u32(prims.length);
    for (const prim of prims) {
      primitives++;
      const mode = prim.getMode();
      const position = prim.getAttribute('POSITION');
      const indices = prim.getIndices();
      const count = position?.getCount() ?? 0;
      vertices += count;
      const drawn = indices ? indices.getCount() : count;
      if (mode === MODE_TRIANGLES) triangles += Math.floor(drawn / 3);
      else if (mode === MODE_TRIANGLE_STRIP || mode === MODE_TRIANGLE_FAN)
        triangles += Math.max(0, drawn - 2);

      u32(mode);
      u32(position ? position.getElementSize() : 0);
      u32(count);
      if (position) {
        const size = position.getElementSize();
        const chunk = new DataView(new ArrayBuffer(8 * size * 1024));
        let used = 0;
        for (let i = 0; i < count; i++) {
          position.getElement(i, element);
          for (let c = 0; c < size; c++) {
            const v = element[c] ?? 0;
            const canonical = v === 0 ? 0 : v; // -0 → 0
            chunk.setFloat64(used, canonical, true);
            used += 8;
            if (c < 3) {
              if (v < (localMin[c] as number)) localMin[c] = v;
              if (v > (localMax[c] as number)) localMax[c] = v;
            }
          }
          if (used === chunk.byteLength) {
            hash.update(new Uint8Array(chunk.buffer, 0, used));
            used = 0;
          }
        }
        if (used > 0) hash.update(new Uint8Array(chunk.buffer, 0, used));
      }
      if (indices) {
        const n = indices.getCount();
        u32(1);
        u32(n);
        const chunk = new DataView(new ArrayBuffer(4 * 4096));
        let used = 0;
        for (let i = 0; i < n; i++) {
          chunk.setUint32(used, indices.getScalar(i), true);
          used += 4;
          if (used === chunk.byteLength) {
            hash.update(new Uint8Array(chunk.buffer, 0, used));
            used = 0;
          }
        }
        if (used > 0) hash.update(new Uint8Array(chunk.buffer, 0, used));
      } else {
        u32(0);
      }
    }
  }

  return {
    meshes: meshes.length,
    primitives,
    triangles,
    vertices,
    materials: root.listMaterials().length,
    textures: root.listTextures().length,
    bounds: modelBounds(doc, localMin, localMax),
    geometryHash: hash.digest('hex'),
  };
}

function modelBounds(doc: Document, localMin: Vec3, localMax: Vec3): { min: Vec3; max: Vec3 } | null {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const scene of doc.getRoot().listScenes()) {
    const b = getBounds(scene);
    for (let c = 0; c < 3; c++) {
      min[c] = Math.min(min[c] as number, b.min[c] as number);
      max[c] = Math.max(max[c] as number, b.max[c] as number);
    }
  }
  if (min.every(Number.isFinite) && max.every(Number.isFinite)) return { min, max };
  if (localMin.every(Number.isFinite) && localMax.every(Number.isFinite))
    return { min: localMin, max: localMax };
  return null;
}

function isGlbMagic(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 4 && bytes[0] === 0x67 && bytes[1] === 0x6c && bytes[2] === 0x54 && bytes[3] === 0x46
  );
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)
  )
    i++;
  if (bytes[i] !== 0x7b) return undefined; // '{'
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isGltf2Json(json: Record<string, unknown>): boolean {
  const asset = json.asset;
  return asset !== null && typeof asset === 'object' && (asset as Record<string, unknown>).version === '2.0';
}

// ---------------------------------------------------------------------------------------------
// Images

function inspectPng(bytes: Uint8Array, mediaType: string, opts: InspectOptions): MediaInspection {
  const size = pngSize(bytes);
  const refusal = checkDimensions(mediaType, size, opts);
  if (refusal) return refusal;
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    return refused(mediaType, 'image', [{ code: 'IMAGE_DECODE_FAILED', message: `PNG: ${describe(error)}` }]);
  }
  return imageResult(mediaType, decoded);
}

function inspectJpeg(bytes: Uint8Array, opts: InspectOptions): MediaInspection {
  const mediaType = 'image/jpeg';
  const size = jpegSize(bytes);
  const refusal = checkDimensions(mediaType, size, opts);
  if (refusal) return refusal;
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: opts.maxImagePixels / 1e6,
      // Room for the decoded RGBA plus jpeg-js's component buffers at the pixel limit.
      maxMemoryUsageInMB: Math.ceil((opts.maxImagePixels * 8) / 2 ** 20) + 64,
    });
  } catch (error) {
    return refused(mediaType, 'image', [
      { code: 'IMAGE_DECODE_FAILED', message: `JPEG: ${describe(error)}` },
    ]);
  }
  return imageResult(mediaType, decoded);
}

function inspectOtherImage(bytes: Uint8Array, mediaType: string, opts: InspectOptions): MediaInspection {
  const size = otherImageSize(bytes, mediaType);
  const notDecoded: InspectionIssue = {
    code: 'IMAGE_NOT_DECODED',
    message: `${mediaType} is not decoded: no perceptual hash${size ? '' : ' and no dimensions'}.`,
  };
  if (!size) return { ...accepted(mediaType, 'image'), warnings: [notDecoded] };
  const refusal = checkDimensions(mediaType, size, opts);
  if (refusal) return refusal;
  return {
    ...accepted(mediaType, 'image'),
    warnings: [notDecoded],
    image: { width: size.width, height: size.height },
  };
}

interface Size {
  width: number;
  height: number;
}

function checkDimensions(
  mediaType: string,
  size: Size | undefined,
  opts: InspectOptions,
): MediaInspection | undefined {
  if (!size || size.width < 1 || size.height < 1) {
    return refused(mediaType, 'image', [
      {
        code: 'IMAGE_HEADER_INVALID',
        message: 'The image header is missing, truncated or gives no dimensions.',
      },
    ]);
  }
  if (size.width * size.height > opts.maxImagePixels) {
    return refused(mediaType, 'image', [
      {
        code: 'IMAGE_TOO_LARGE',
        message: `The image claims ${size.width}×${size.height} pixels, over the limit of ${opts.maxImagePixels}; it was not decoded.`,
      },
    ]);
  }
  return undefined;
}

function imageResult(
  mediaType: string,
  decoded: { width: number; height: number; data: Uint8Array },
): MediaInspection {
  return {
    ...accepted(mediaType, 'image'),
    image: {
      width: decoded.width,
      height: decoded.height,
      perceptualHash: perceptualHashRgba(decoded.data, decoded.width, decoded.height),
    },
  };
}

function pngSize(bytes: Uint8Array): Size | undefined {
  // Signature (8), then the IHDR chunk: length (4), "IHDR", width (4, BE), height (4, BE).
  if (bytes.byteLength < 24) return undefined;
  if (bytes[12] !== 0x49 || bytes[13] !== 0x48 || bytes[14] !== 0x44 || bytes[15] !== 0x52) return undefined;
  return { width: readU32BE(bytes, 16), height: readU32BE(bytes, 20) };
}

function jpegSize(bytes: Uint8Array): Size | undefined {
  let i = 2; // after SOI
  while (i + 4 <= bytes.byteLength) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1] as number;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // EOI / SOS before any frame header
    const length = readU16BE(bytes, i + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 9 > bytes.byteLength) return undefined;
      return { height: readU16BE(bytes, i + 5), width: readU16BE(bytes, i + 7) };
    }
    if (length < 2) return undefined;
    i += 2 + length;
  }
  return undefined;
}

function otherImageSize(bytes: Uint8Array, mediaType: string): Size | undefined {
  const n = bytes.byteLength;
  if (mediaType === 'image/gif' && n >= 10) {
    return { width: readU16LE(bytes, 6), height: readU16LE(bytes, 8) };
  }
  if (mediaType === 'image/bmp' && n >= 26) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, n);
    return { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
  }
  if (mediaType === 'image/webp' && n >= 30) {
    const chunk = String.fromCharCode(...bytes.subarray(12, 16));
    if (chunk === 'VP8X') return { width: 1 + readU24LE(bytes, 24), height: 1 + readU24LE(bytes, 27) };
    if (chunk === 'VP8L') {
      const b0 = bytes[21] as number;
      const b1 = bytes[22] as number;
      const b2 = bytes[23] as number;
      const b3 = bytes[24] as number;
      return {
        width: 1 + (((b1 & 0x3f) << 8) | b0),
        height: 1 + (((b3 & 0x0f) << 10) | (b2 << 2) | ((b1 & 0xc0) >> 6)),
      };
    }
    if (chunk === 'VP8 ')
      return { width: readU16LE(bytes, 26) & 0x3fff, height: readU16LE(bytes, 28) & 0x3fff };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Perceptual hash (the DCT pHash of phash.org): grayscale, area-average down to 32×32, 2D DCT-II,
// keep the 8×8 block of lowest frequencies after the DC row and column (u, v in 1..8), and set
// each bit when its coefficient is above the block's median. Bits are row-major, first bit = MSB.
// Unlike libpHash there is no 7×7 mean prefilter: the area-average resize already low-passes.

const PHASH_SIZE = 32;
const DCT_COS: Float64Array[] = Array.from({ length: 9 }, (_, u) =>
  Float64Array.from({ length: PHASH_SIZE }, (_, x) =>
    Math.cos(((2 * x + 1) * u * Math.PI) / (2 * PHASH_SIZE)),
  ),
);

/** pHash of RGBA pixels; transparent pixels are composited over white. Exported for tests. */
export function perceptualHashRgba(data: Uint8Array, width: number, height: number): string {
  const xWeights = areaWeights(width);
  const yWeights = areaWeights(height);
  const small = new Float64Array(PHASH_SIZE * PHASH_SIZE);
  const row = new Float64Array(PHASH_SIZE);
  for (let y = 0; y < height; y++) {
    row.fill(0);
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const a = (data[p + 3] as number) / 255;
      const luma =
        0.299 * (data[p] as number) + 0.587 * (data[p + 1] as number) + 0.114 * (data[p + 2] as number);
      const gray = a * luma + (1 - a) * 255;
      const wx = xWeights[x] as number[];
      for (let k = 0; k < wx.length; k += 2) {
        const t = wx[k] as number;
        row[t] = (row[t] as number) + (wx[k + 1] as number) * gray;
      }
    }
    const wy = yWeights[y] as number[];
    for (let k = 0; k < wy.length; k += 2) {
      const base = (wy[k] as number) * PHASH_SIZE;
      const w = wy[k + 1] as number;
      for (let t = 0; t < PHASH_SIZE; t++)
        small[base + t] = (small[base + t] as number) + w * (row[t] as number);
    }
  }
  // Separable DCT, only for frequencies 1..8 in each direction.
  const colPass = new Float64Array(8 * PHASH_SIZE); // [v][x] = Σ_y cos_v(y) f(x, y)
  for (let v = 1; v <= 8; v++) {
    const cv = DCT_COS[v] as Float64Array;
    for (let x = 0; x < PHASH_SIZE; x++) {
      let sum = 0;
      for (let y = 0; y < PHASH_SIZE; y++) sum += (cv[y] as number) * (small[y * PHASH_SIZE + x] as number);
      colPass[(v - 1) * PHASH_SIZE + x] = sum;
    }
  }
  const coefficients: number[] = [];
  for (let v = 1; v <= 8; v++) {
    for (let u = 1; u <= 8; u++) {
      const cu = DCT_COS[u] as Float64Array;
      let sum = 0;
      for (let x = 0; x < PHASH_SIZE; x++)
        sum += (cu[x] as number) * (colPass[(v - 1) * PHASH_SIZE + x] as number);
      coefficients.push(sum);
    }
  }
  const sorted = [...coefficients].sort((a, b) => a - b);
  const median = ((sorted[31] as number) + (sorted[32] as number)) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++)
      value = (value << 1) | ((coefficients[nibble * 4 + bit] as number) > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

/**
 * For each source index along an axis of n pixels, the target cells (of 32) it overlaps and the
 * overlap in target units, flattened as [cell, weight, cell, weight, ...]. Each target cell's
 * weights sum to 1, so the downscaled value is a plain area average.
 */
function areaWeights(n: number): number[][] {
  const scale = PHASH_SIZE / n;
  const weights: number[][] = [];
  for (let s = 0; s < n; s++) {
    const start = s * scale;
    const end = (s + 1) * scale;
    const entry: number[] = [];
    for (let t = Math.floor(start); t < Math.min(PHASH_SIZE, Math.ceil(end)); t++) {
      const overlap = Math.min(end, t + 1) - Math.max(start, t);
      if (overlap > 0) entry.push(t, overlap);
    }
    weights.push(entry);
  }
  return weights;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function accepted(mediaType: string, kind: MediaKind): MediaInspection {
  return { mediaType, kind, ok: true, errors: [], warnings: [] };
}

function refused(
  mediaType: string,
  kind: MediaKind,
  errors: InspectionIssue[],
  warnings: InspectionIssue[] = [],
  maxIssues: number = INSPECT_DEFAULTS.maxIssues,
): MediaInspection {
  return {
    mediaType,
    kind,
    ok: false,
    errors: errors.slice(0, maxIssues),
    warnings: warnings.slice(0, maxIssues),
  };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function readU16BE(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)) >>> 0;
}
function readU16LE(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8)) >>> 0;
}
function readU24LE(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16);
}
function readU32BE(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}
function readU32LE(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0;
}
