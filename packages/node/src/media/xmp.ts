// The AI-label properties of an XMP packet (ISO 16684-1, RDF/XML), read with a small namespace-aware
// tag scanner rather than an XML library: no DTD, no external entities, bounded in size, depth and
// tag count. It reads what the AI labels need and nothing more:
//
// - GB 45438-2025 implicit label in the TC260 namespace (TC260-PG-20258A, the practice guide that
//   came with the standard): `<TC260:AIGC>{"Label":"1",...}</TC260:AIGC>`, or the same as an
//   attribute `TC260:AIGC="{...}"` (both seen in the wild). The prefix is whatever the packet binds
//   to the namespace. Namespace URIs accepted: `http://www.tc260.org.cn/ns/AIGC/1.0/` with or
//   without the trailing slash, http or https (implementations differ; the guide's examples use
//   the first). Some writers put the seven fields as separate properties (`TC260:Label`, ...) in
//   the same namespace; those are read too.
// - IPTC `Iptc4xmpExt:DigitalSourceType` (IPTC Photo Metadata 2025.1), element text or rdf:resource.

export const TC260_NAMESPACE = 'http://www.tc260.org.cn/ns/AIGC/1.0/';
export const IPTC_EXT_NAMESPACE = 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/';
const RDF_NAMESPACE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

/** The seven field names of GB 45438-2025 Annex E, in their order. */
export const AIGC_FIELDS = [
  'Label',
  'ContentProducer',
  'ProduceID',
  'ReservedCode1',
  'ContentPropagator',
  'PropagateID',
  'ReservedCode2',
] as const;
export type AigcField = (typeof AIGC_FIELDS)[number];

export interface XmpAiProperties {
  /** Values of TC260 `AIGC` properties: JSON text, entities decoded. */
  aigc: string[];
  /** TC260 properties named as the seven fields, when written one by one. */
  fields: Partial<Record<AigcField, string>>;
  /** Iptc4xmpExt:DigitalSourceType values. */
  digitalSourceTypes: string[];
  issues: { code: string; message: string }[];
}

export const XMP_LIMITS = Object.freeze({
  /** Largest packet read (characters). */
  maxChars: 4 * 1024 * 1024,
  maxDepth: 64,
  maxTags: 100_000,
  /** Most values kept of each kind. */
  maxValues: 8,
});

export function isTc260Namespace(uri: string): boolean {
  return /^https?:\/\/www\.tc260\.org\.cn\/ns\/aigc\/1\.0\/?$/i.test(uri.trim());
}

function isIptcExtNamespace(uri: string): boolean {
  return uri.replace(/\/?$/, '/') === IPTC_EXT_NAMESPACE;
}

const NAME = '[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?';
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*("[^"]*"|'[^']*')`, 'g');
const START_TAG = new RegExp(`^<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`);
const END_TAG = new RegExp(`^</(${NAME})\\s*>`);

interface Open {
  name: string;
  namespaces: Map<string, string>;
  /** Capturing this element's text for a property. */
  capture?: { kind: 'aigc' | 'dst' | AigcField; text: string };
}

/** Read the AI-label properties of an XMP packet. Never throws. */
export function readXmpAiProperties(packet: string): XmpAiProperties {
  const result: XmpAiProperties = { aigc: [], fields: {}, digitalSourceTypes: [], issues: [] };
  const issue = (code: string, message: string) => {
    if (result.issues.length < 8) result.issues.push({ code, message });
  };
  if (packet.length > XMP_LIMITS.maxChars) {
    issue('XMP_TOO_LARGE', `The XMP packet is over ${XMP_LIMITS.maxChars} characters; not read.`);
    return result;
  }
  const stack: Open[] = [];
  const scope = (): Map<string, string> =>
    stack.at(-1)?.namespaces ?? new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]);
  const resolve = (qname: string, namespaces: Map<string, string>): { uri: string; local: string } => {
    const colon = qname.indexOf(':');
    if (colon < 0) return { uri: namespaces.get('') ?? '', local: qname };
    return { uri: namespaces.get(qname.slice(0, colon)) ?? '', local: qname.slice(colon + 1) };
  };
  const keep = (kind: 'aigc' | 'dst' | AigcField, value: string) => {
    if (kind === 'aigc') {
      if (result.aigc.length < XMP_LIMITS.maxValues) result.aigc.push(value);
    } else if (kind === 'dst') {
      if (result.digitalSourceTypes.length < XMP_LIMITS.maxValues)
        result.digitalSourceTypes.push(value.trim());
    } else {
      result.fields[kind] ??= value;
    }
  };
  const propertyKind = (uri: string, local: string): 'aigc' | 'dst' | AigcField | undefined => {
    if (isTc260Namespace(uri)) {
      if (local === 'AIGC') return 'aigc';
      return (AIGC_FIELDS as readonly string[]).includes(local) ? (local as AigcField) : undefined;
    }
    if (isIptcExtNamespace(uri) && local === 'DigitalSourceType') return 'dst';
    return undefined;
  };

  let tags = 0;
  let at = 0;
  while (at < packet.length) {
    const lt = packet.indexOf('<', at);
    const text = packet.slice(at, lt < 0 ? packet.length : lt);
    if (text !== '') appendText(stack, decodeEntities(text));
    if (lt < 0) break;
    if (++tags > XMP_LIMITS.maxTags) {
      issue('XMP_TOO_MANY_TAGS', `Stopped after ${XMP_LIMITS.maxTags} tags.`);
      break;
    }
    const rest = packet.slice(lt, lt + 64 * 1024);
    if (packet.startsWith('<!--', lt)) {
      const end = packet.indexOf('-->', lt + 4);
      if (end < 0) break;
      at = end + 3;
      continue;
    }
    if (packet.startsWith('<?', lt)) {
      const end = packet.indexOf('?>', lt + 2);
      if (end < 0) break;
      at = end + 2;
      continue;
    }
    if (packet.startsWith('<![CDATA[', lt)) {
      const end = packet.indexOf(']]>', lt + 9);
      if (end < 0) break;
      appendText(stack, packet.slice(lt + 9, end));
      at = end + 3;
      continue;
    }
    if (packet.startsWith('<!', lt)) {
      // A DOCTYPE (with its entities) is refused outright: XMP has none, and expanding one is how
      // XML bombs work.
      issue('XMP_DOCTYPE', 'The XMP packet has a DOCTYPE; it was not read.');
      return { aigc: [], fields: {}, digitalSourceTypes: [], issues: result.issues };
    }
    const end = END_TAG.exec(rest);
    if (end) {
      const open = stack.pop();
      if (!open || open.name !== end[1]) {
        issue('XMP_MALFORMED', `Unbalanced end tag </${end[1]}>.`);
        break;
      }
      if (open.capture) keep(open.capture.kind, open.capture.text);
      at = lt + end[0].length;
      continue;
    }
    const start = START_TAG.exec(rest);
    if (!start) {
      issue('XMP_MALFORMED', 'A tag could not be read.');
      break;
    }
    const [whole, name = '', attributeText = '', selfClosing] = start;
    const namespaces = new Map(scope());
    const attributes: [string, string][] = [];
    for (const m of attributeText.matchAll(ATTRIBUTE)) {
      const attrName = m[1] as string;
      const value = decodeEntities((m[2] as string).slice(1, -1));
      if (attrName === 'xmlns') namespaces.set('', value);
      else if (attrName.startsWith('xmlns:')) namespaces.set(attrName.slice(6), value);
      else attributes.push([attrName, value]);
    }
    const element = resolve(name, namespaces);
    // RDF's attribute form: properties as attributes of rdf:Description.
    for (const [attrName, value] of attributes) {
      if (!attrName.includes(':')) continue;
      const attr = resolve(attrName, namespaces);
      const kind = propertyKind(attr.uri, attr.local);
      if (kind) keep(kind, value);
      // <Iptc4xmpExt:DigitalSourceType rdf:resource="http://cv.iptc.org/..."/>
      if (
        attr.uri === RDF_NAMESPACE &&
        attr.local === 'resource' &&
        propertyKind(element.uri, element.local) === 'dst'
      )
        keep('dst', value);
    }
    const kind = propertyKind(element.uri, element.local);
    const capturing = stack.some((o) => o.capture);
    if (selfClosing !== '/') {
      if (stack.length >= XMP_LIMITS.maxDepth) {
        issue('XMP_TOO_DEEP', `Elements nest deeper than ${XMP_LIMITS.maxDepth}.`);
        break;
      }
      const open: Open = { name, namespaces };
      if (kind && !capturing && !attributes.some(([a]) => resolve(a, namespaces).local === 'resource'))
        open.capture = { kind, text: '' };
      stack.push(open);
    }
    at = lt + whole.length;
  }
  return result;
}

/** Text goes to the innermost element capturing a property (rdf:Alt / rdf:li children included). */
function appendText(stack: Open[], text: string): void {
  for (let i = stack.length - 1; i >= 0; i--) {
    const capture = stack[i]?.capture;
    if (capture) {
      if (capture.text.length + text.length <= XMP_LIMITS.maxChars) capture.text += text;
      return;
    }
  }
}

/** XML's five named entities and character references; anything else is left as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});/g, (whole, name: string) => {
    if (name === 'lt') return '<';
    if (name === 'gt') return '>';
    if (name === 'amp') return '&';
    if (name === 'quot') return '"';
    if (name === 'apos') return "'";
    const code = name.startsWith('#x')
      ? Number.parseInt(name.slice(2), 16)
      : Number.parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
      ? String.fromCodePoint(code)
      : whole;
  });
}
