// The digital source types a C2PA manifest store declares (C2PA Technical Specification 2.x §11
// "Embedding manifests", §18.5 actions). The store is a JUMBF superbox (ISO/IEC 19566-5) labelled
// "c2pa", carried in a PNG `caBX` chunk or in JPEG APP11 segments (JPEG XT, ISO/IEC 18477-3 box
// format). Its last manifest is the active one; in that manifest's assertion store ("c2pa.assertions")
// the actions assertion ("c2pa.actions" or "c2pa.actions.v2", with an optional "__N" instance
// suffix) is a CBOR map whose `actions` array may give each action a `digitalSourceType`, an IPTC
// NewsCodes URI such as http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia.
//
// The manifest's signature and hashes are NOT verified: this is a hint for labelling (the label
// says what the file claims), never a provenance check.
import { type CborValue, decodeCbor } from './cbor.js';

export interface C2paFinding {
  /** The label of the assertion it came from, e.g. "c2pa.actions.v2". */
  assertion: string;
  /** The action that carried it, e.g. "c2pa.created". */
  action?: string;
  digitalSourceType: string;
}

export interface C2paRead {
  findings: C2paFinding[];
  issues: { code: string; message: string }[];
}

export const C2PA_LIMITS = Object.freeze({
  /** Boxes looked at in all. */
  maxBoxes: 10_000,
  /** Largest CBOR assertion decoded. */
  maxAssertionBytes: 1024 * 1024,
  maxFindings: 16,
  /** APP11 segments gathered from one JPEG. */
  maxSegments: 4096,
});

interface Box {
  type: string;
  /** The payload (after the header). */
  payload: Uint8Array;
}

interface Superbox {
  label: string;
  uuid: string;
  children: Box[];
}

class JumbfError extends Error {}

/** Read the digital source types of a JUMBF manifest store. Never throws. */
export function readC2paManifestStore(jumbf: Uint8Array): C2paRead {
  const read: C2paRead = { findings: [], issues: [] };
  const budget = { boxes: 0 };
  try {
    const top = readBoxes(jumbf, budget);
    const storeBox = top.find((b) => b.type === 'jumb');
    if (!storeBox) throw new JumbfError('no JUMBF superbox');
    const store = superbox(storeBox, budget);
    if (store.label !== 'c2pa')
      throw new JumbfError(`the superbox is labelled ${JSON.stringify(store.label)}, not "c2pa"`);
    const manifests = store.children.filter((b) => b.type === 'jumb');
    const active = manifests.at(-1);
    if (!active) throw new JumbfError('the manifest store holds no manifest');
    const manifest = superbox(active, budget);
    for (const child of manifest.children) {
      if (child.type !== 'jumb') continue;
      const assertions = superbox(child, budget);
      if (assertions.label !== 'c2pa.assertions') continue;
      for (const box of assertions.children) {
        if (box.type !== 'jumb') continue;
        const assertion = superbox(box, budget);
        if (!/^c2pa\.actions(\.v2)?(__[0-9]+)?$/.test(assertion.label)) continue;
        readActions(assertion, read);
      }
    }
  } catch (error) {
    // JumbfError for a malformed store; anything else (a RangeError from a view) is malformed too.
    const message = error instanceof Error ? error.message : String(error);
    read.issues.push({ code: 'C2PA_MALFORMED', message: `C2PA manifest store: ${message.slice(0, 200)}.` });
  }
  return read;
}

function readActions(assertion: Superbox, read: C2paRead): void {
  const content = assertion.children.find((b) => b.type === 'cbor' || b.type === 'json');
  if (!content) return;
  if (content.payload.byteLength > C2PA_LIMITS.maxAssertionBytes) {
    read.issues.push({
      code: 'C2PA_ASSERTION_TOO_LARGE',
      message: `${assertion.label} is over ${C2PA_LIMITS.maxAssertionBytes} bytes; not read.`,
    });
    return;
  }
  let actions: unknown;
  try {
    if (content.type === 'cbor') {
      const value = decodeCbor(content.payload);
      actions = value instanceof Map ? value.get('actions') : undefined;
    } else {
      const value = JSON.parse(new TextDecoder().decode(content.payload)) as unknown;
      actions =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>).actions : undefined;
    }
  } catch (error) {
    read.issues.push({
      code: 'C2PA_ASSERTION_MALFORMED',
      message: `${assertion.label}: ${(error as Error).message.slice(0, 200)}`,
    });
    return;
  }
  if (!Array.isArray(actions)) return;
  for (const action of actions as unknown[]) {
    const get = (key: string): unknown =>
      action instanceof Map
        ? (action as Map<string, CborValue>).get(key)
        : action !== null && typeof action === 'object'
          ? (action as Record<string, unknown>)[key]
          : undefined;
    const dst = get('digitalSourceType');
    if (typeof dst !== 'string' || dst.length > 512) continue;
    const name = get('action');
    if (read.findings.length >= C2PA_LIMITS.maxFindings) return;
    read.findings.push({
      assertion: assertion.label,
      ...(typeof name === 'string' ? { action: name.slice(0, 128) } : {}),
      digitalSourceType: dst,
    });
  }
}

/** The boxes laid end to end in `bytes` (ISO/IEC 14496-12 §4.2 box header: size, type, largesize). */
function readBoxes(bytes: Uint8Array, budget: { boxes: number }): Box[] {
  const boxes: Box[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.byteLength) {
    if (++budget.boxes > C2PA_LIMITS.maxBoxes)
      throw new JumbfError(`more than ${C2PA_LIMITS.maxBoxes} boxes`);
    if (at + 8 > bytes.byteLength) throw new JumbfError(`a box header at byte ${at} is cut short`);
    let size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    let header = 8;
    if (size === 1) {
      if (at + 16 > bytes.byteLength) throw new JumbfError(`a box header at byte ${at} is cut short`);
      const large = view.getBigUint64(at + 8);
      if (large > BigInt(bytes.byteLength - at))
        throw new JumbfError(`box ${JSON.stringify(type)} is longer than its container`);
      size = Number(large);
      header = 16;
    } else if (size === 0) {
      size = bytes.byteLength - at; // to the end
    }
    if (size < header || size > bytes.byteLength - at)
      throw new JumbfError(`box ${JSON.stringify(type)} at byte ${at} has an impossible size ${size}`);
    boxes.push({ type, payload: bytes.subarray(at + header, at + size) });
    at += size;
  }
  return boxes;
}

/** A JUMBF superbox (ISO/IEC 19566-5 §A.2): its description box, then its content boxes. */
function superbox(box: Box, budget: { boxes: number }): Superbox {
  const [description, ...children] = readBoxes(box.payload, budget);
  if (description?.type !== 'jumd')
    throw new JumbfError('a superbox does not start with its description box');
  const d = description.payload;
  if (d.byteLength < 17) throw new JumbfError('a description box is cut short');
  const uuid = Buffer.from(d.subarray(0, 16)).toString('hex');
  const toggles = d[16] as number;
  let label = '';
  // §A.3: toggles bit 1 (0x02): a null-terminated UTF-8 label follows.
  if (toggles & 0x02) {
    const end = d.indexOf(0, 17);
    if (end < 0 || end - 17 > 1024) throw new JumbfError('a description box label is not terminated');
    label = new TextDecoder().decode(d.subarray(17, end));
  }
  return { label, uuid, children };
}

/**
 * The JUMBF boxes carried in a JPEG's APP11 segments (JPEG XT box format): each segment's payload
 * is "JP", a 2-byte box instance number, a 4-byte packet sequence number, then the box; segments
 * after the first repeat the box header (LBox, TBox and XLBox if any), which is dropped when the
 * box is put back together. Returns the reassembled boxes, in instance order.
 */
export function reassembleJpegJumbf(segments: readonly Uint8Array[]): {
  boxes: Uint8Array[];
  issues: C2paRead['issues'];
} {
  const issues: C2paRead['issues'] = [];
  const byInstance = new Map<number, { sequence: number; data: Uint8Array }[]>();
  for (const segment of segments.slice(0, C2PA_LIMITS.maxSegments)) {
    if (segment.byteLength < 16 || segment[0] !== 0x4a || segment[1] !== 0x50) continue; // not "JP" + box header
    const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
    const instance = view.getUint16(2);
    const sequence = view.getUint32(4);
    const parts = byInstance.get(instance) ?? [];
    parts.push({ sequence, data: segment.subarray(8) });
    byInstance.set(instance, parts);
  }
  const boxes: Uint8Array[] = [];
  for (const instance of [...byInstance.keys()].sort((a, b) => a - b)) {
    const parts = (byInstance.get(instance) ?? []).sort((a, b) => a.sequence - b.sequence);
    const first = parts[0];
    if (!first) continue;
    const headerLength = new DataView(first.data.buffer, first.data.byteOffset).getUint32(0) === 1 ? 16 : 8;
    if (parts.some((p, i) => p.sequence !== first.sequence + i)) {
      issues.push({
        code: 'C2PA_SEGMENTS_MISSING',
        message: `APP11 box instance ${instance}: packet sequence numbers are not consecutive.`,
      });
      continue;
    }
    const pieces = parts.map((p, i) => (i === 0 ? p.data : p.data.subarray(headerLength)));
    const total = pieces.reduce((n, p) => n + p.byteLength, 0);
    const box = new Uint8Array(total);
    let at = 0;
    for (const piece of pieces) {
      box.set(piece, at);
      at += piece.byteLength;
    }
    boxes.push(box);
  }
  return { boxes, issues };
}
