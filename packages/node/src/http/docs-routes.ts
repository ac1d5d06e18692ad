import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  createOpenApiDocument,
  type JsonObject,
  type OpenApiDocument,
  type OpenApiOptions,
  PROBLEM_MEDIA_TYPE,
} from './openapi.js';
import { PROBLEMS } from './problems.js';

export type DocsRoutesOptions = Partial<OpenApiOptions>;

/** The page's only style sheet; the Content-Security-Policy allows exactly it, by its hash. */
const CSS = `
:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#5f6368;--line:#e3e3e6;--code:#f4f4f6;--accent:#b3261e}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8ea;--bg:#151517;--muted:#a0a0a8;--line:#333338;--code:#222226;--accent:#f28b82}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
.layout{display:grid;grid-template-columns:minmax(14rem,19rem) 1fr;max-width:84rem;margin:0 auto}
nav{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;padding:1.5rem 1rem;border-right:1px solid var(--line);font-size:13px}
nav ul{list-style:none;margin:0;padding:0}nav ul ul{margin:.2rem 0 .8rem}nav li{margin:.15rem 0}
nav a{color:inherit;text-decoration:none}nav a:hover{text-decoration:underline}
main{padding:1.5rem 2rem 4rem;min-width:0}
h1{margin:0 0 .3rem;font-size:1.9rem}h1 .version{font-size:1rem;color:var(--muted);font-weight:400}
h2{margin:2.5rem 0 .5rem;padding-bottom:.3rem;border-bottom:2px solid var(--line);text-transform:capitalize}
h3{margin:0;font-size:1.05rem;word-break:break-all}h4{margin:1rem 0 .3rem;font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
a{color:var(--accent)}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--code);padding:.05rem .3rem;border-radius:3px;word-break:break-word}
.op{border:1px solid var(--line);border-radius:8px;padding:1rem 1.2rem;margin:1rem 0}
.summary{margin:.3rem 0 0;font-weight:600}
.method{display:inline-block;min-width:3.6rem;text-align:center;font:700 12px/1.8 ui-monospace,monospace;border-radius:4px;color:#fff;background:#5f6368;margin-right:.4rem}
.m-get{background:#1a7f37}.m-post{background:#0b57d0}.m-put{background:#8a4baf}.m-head{background:#6b7280}.m-delete{background:#b3261e}.m-patch{background:#b06000}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}th{font-weight:600;color:var(--muted)}
.type{color:var(--muted);font-family:ui-monospace,monospace;font-size:13px}
.req{color:var(--accent);font-size:12px}.opt{color:var(--muted);font-size:12px}
.rules{color:var(--muted);font-size:13px}.desc p{margin:.2rem 0}
ul.fields{list-style:none;margin:.3rem 0;padding-left:1rem;border-left:2px solid var(--line)}ul.fields>li{margin:.45rem 0}
details{margin:.3rem 0}summary{cursor:pointer}
dd table{width:auto}dl.responses dt{margin-top:.6rem;font-weight:600}dl.responses dd{margin:.2rem 0 .6rem 1rem}
.status{font-family:ui-monospace,monospace;font-weight:700}.s2,.s3{color:#1a7f37}.s4{color:#b06000}.s5{color:var(--accent)}
ul.codes{margin:.2rem 0;padding-left:1.2rem}
@media (max-width:760px){.layout{display:block}nav{position:static;max-height:none;border-right:0;border-bottom:1px solid var(--line)}main{padding:1rem}}
`;

/**
 * The /docs page's policy: no script, no fetches, no frames, no forms; only the inline style
 * sheet above, allowed by its hash.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(CSS).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** GET /openapi.json and GET /docs: the API's description, for programs and for people. */
export async function docsRoutes(app: FastifyInstance, options: DocsRoutesOptions): Promise<void> {
  const document = createOpenApiDocument(options);
  const json = JSON.stringify(document);
  const html = renderDocsHtml(document);

  app.get('/openapi.json', async (_request, reply) =>
    reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('access-control-allow-origin', '*')
      .send(json),
  );

  app.get('/docs', async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('content-security-policy', DOCS_CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(html),
  );
}

// ---------------------------------------------------------------------------------------------
// Rendering. The document is treated as untrusted: every string is escaped, every shape checked.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** How deep nested schemas are expanded. */
const MAX_DEPTH = 12;

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asObject = (value: unknown): JsonObject => (isObject(value) ? value : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** An id fragment: only [a-z0-9-], so it is safe in an attribute and a URL. */
function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'x'
  );
}

/** Plain text with `code` spans and blank-line paragraphs (escaped first, then marked up). */
function prose(text: unknown): string {
  const value = asString(text);
  if (!value) return '';
  return value
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('');
}

const code = (text: unknown): string => `<code>${escapeHtml(text)}</code>`;

interface Context {
  schemas: JsonObject;
  problems: Readonly<Record<string, { status: number; title: string }>>;
}

/** The component a local $ref names, if it is one. */
function refName(schema: JsonObject): string | undefined {
  const target = asString(schema.$ref);
  return target?.startsWith('#/components/schemas/')
    ? target.slice('#/components/schemas/'.length)
    : undefined;
}

function constLabel(value: unknown): string {
  return code(JSON.stringify(value) ?? String(value));
}

/** A short label for a schema's type, e.g. `array of string`, `one of "a", "b"`. */
function typeLabel(schema: unknown, depth = 0): string {
  if (!isObject(schema)) return schema === true ? 'any' : schema === false ? 'nothing' : '';
  if (depth > 4) return '…';
  const name = refName(schema);
  if (name !== undefined) return escapeHtml(name);
  if ('const' in schema) return constLabel(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(constLabel).join(', ')}`;
  const variants = asArray(schema.anyOf ?? schema.oneOf);
  if (variants.length > 0) {
    if (variants.every((v) => isObject(v) && 'const' in v))
      return `one of ${variants.map((v) => constLabel(asObject(v).const)).join(', ')}`;
    if (variants.length > 3) return `one of ${variants.length} kinds`;
    return variants.map((v) => typeLabel(v, depth + 1) || 'any').join(' or ');
  }
  const type = Array.isArray(schema.type) ? schema.type.map(String).join(' | ') : asString(schema.type);
  if (type === 'array') {
    if (Array.isArray(schema.items))
      return `tuple [${schema.items.map((i) => typeLabel(i, depth + 1)).join(', ')}]`;
    const items = typeLabel(schema.items, depth + 1);
    return items ? `array of ${items}` : 'array';
  }
  if (type) return escapeHtml(type);
  if (Array.isArray(schema.allOf)) return schema.allOf.map((s) => typeLabel(s, depth + 1)).join(' and ');
  return '';
}

/** The schema's limits in words. */
function rules(schema: JsonObject): string {
  const out: string[] = [];
  const num = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  const range = (min: number | undefined, max: number | undefined, unit: string) => {
    if (min !== undefined && max !== undefined) out.push(`${min} to ${max} ${unit}`);
    else if (min !== undefined) out.push(`at least ${min} ${unit}`);
    else if (max !== undefined) out.push(`at most ${max} ${unit}`);
  };
  range(num('minLength'), num('maxLength'), 'characters');
  range(num('minItems'), num('maxItems'), 'items');
  const min = num('minimum');
  const max = num('maximum');
  if (min !== undefined || max !== undefined) {
    if (min !== undefined && max !== undefined) out.push(`from ${min} to ${max}`);
    else if (min !== undefined) out.push(`from ${min}`);
    else out.push(`at most ${max}`);
  }
  if (schema.uniqueItems === true) out.push('no duplicates');
  if (typeof schema.pattern === 'string') out.push(`matches ${code(schema.pattern)}`);
  if (typeof schema.format === 'string') out.push(`format ${code(schema.format)}`);
  if ('default' in schema) out.push(`default ${constLabel(schema.default)}`);
  if (schema.additionalProperties === false && isObject(schema.properties)) out.push('no other fields');
  // Each part is numbers and words of ours, or an escaped code span.
  return out.length > 0 ? `<div class="rules">${out.join('; ')}</div>` : '';
}

/** What a schema contains, as nested field lists: properties, items, variants. */
function children(schema: unknown, ctx: Context, depth: number, seen: readonly string[]): string {
  if (!isObject(schema)) return '';
  if (depth > MAX_DEPTH) return '<p class="rules">…</p>';
  const name = refName(schema);
  if (name !== undefined) {
    if (seen.includes(name)) return `<p class="rules">(${escapeHtml(name)}, as above)</p>`;
    const target = ctx.schemas[name];
    return isObject(target) ? children(target, ctx, depth + 1, [...seen, name]) : '';
  }
  const parts: string[] = [];
  for (const part of asArray(schema.allOf)) parts.push(children(part, ctx, depth + 1, seen));
  if (isObject(schema.properties)) parts.push(fieldList(schema, ctx, depth, seen));
  if (schema.type === 'array' || 'items' in schema) {
    if (Array.isArray(schema.items)) {
      parts.push(
        `<ul class="fields">${schema.items
          .map(
            (item, i) =>
              `<li><span class="type">[${i}]</span> <span class="type">${typeLabel(item)}</span>${schemaDetails(item, ctx, depth + 1, seen)}</li>`,
          )
          .join('')}</ul>`,
      );
    } else if (isObject(schema.items)) {
      parts.push(children(schema.items, ctx, depth + 1, seen));
    }
  }
  const variants = asArray(schema.oneOf ?? schema.anyOf);
  if (variants.length > 0 && !variants.every((v) => isObject(v) && 'const' in v)) {
    const expandable = variants.filter((v) => children(v, ctx, depth + 1, seen) !== '');
    if (expandable.length > 0)
      parts.push(
        `<p class="rules">${schema.oneOf ? 'Exactly one of' : 'Any of'}:</p>${variants
          .map((variant) => variantBlock(variant, ctx, depth + 1, seen))
          .join('')}`,
      );
  }
  return parts.join('');
}

/** One alternative of a oneOf/anyOf, collapsible, named by its component or its type. */
function variantBlock(variant: unknown, ctx: Context, depth: number, seen: readonly string[]): string {
  const object = asObject(variant);
  const name = refName(object);
  const target = name !== undefined ? asObject(ctx.schemas[name]) : object;
  const label = typeLabel(variant) || 'any';
  const description = asString(target.description);
  return `<details><summary><span class="type">${label}</span>${description ? ` — ${escapeHtml(description)}` : ''}</summary>${children(variant, ctx, depth, seen)}</details>`;
}

/** Description, limits and nested fields of a schema (not its type label). */
function schemaDetails(schema: unknown, ctx: Context, depth: number, seen: readonly string[]): string {
  if (!isObject(schema)) return '';
  const name = refName(schema);
  const target = name !== undefined ? asObject(ctx.schemas[name]) : schema;
  const description = asString(target.description);
  return `${description ? `<div class="desc">${prose(description)}</div>` : ''}${rules(target)}${children(schema, ctx, depth, seen)}`;
}

function fieldList(schema: JsonObject, ctx: Context, depth: number, seen: readonly string[]): string {
  const required = new Set(asArray(schema.required).map(String));
  const items = Object.entries(asObject(schema.properties)).map(([field, sub]) => {
    const flag = required.has(field)
      ? '<span class="req">required</span>'
      : '<span class="opt">optional</span>';
    return `<li>${code(field)} <span class="type">${typeLabel(sub)}</span> ${flag}${schemaDetails(sub, ctx, depth + 1, seen)}</li>`;
  });
  return items.length > 0 ? `<ul class="fields">${items.join('')}</ul>` : '';
}

/** A schema shown whole: its type, then what it contains. */
function schemaBlock(schema: unknown, ctx: Context, open: boolean): string {
  if (!isObject(schema) || Object.keys(schema).length === 0) return '<p class="rules">Any bytes.</p>';
  const label = typeLabel(schema) || 'any';
  const inner = schemaDetails(schema, ctx, 0, []);
  if (inner === '') return `<p><span class="type">${label}</span></p>`;
  return `<details${open ? ' open' : ''}><summary><span class="type">${label}</span></summary>${inner}</details>`;
}

function parameterTable(parameters: unknown[], ctx: Context): string {
  if (parameters.length === 0) return '';
  const rows = parameters.map((p) => {
    const param = asObject(p);
    const schema = asObject(param.schema);
    return `<tr><td>${code(param.name)}</td><td>${escapeHtml(param.in)}</td><td>${param.required === true ? '<span class="req">required</span>' : '<span class="opt">optional</span>'}</td><td><span class="type">${typeLabel(schema)}</span>${prose(param.description)}${rules(schema)}${children(schema, ctx, 1, [])}</td></tr>`;
  });
  return `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th></th><th>Value</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function headersTable(headers: unknown): string {
  const entries = Object.entries(asObject(headers));
  if (entries.length === 0) return '';
  const rows = entries.map(
    ([name, value]) => `<tr><td>${code(name)}</td><td>${prose(asObject(value).description)}</td></tr>`,
  );
  return `<table><tbody>${rows.join('')}</tbody></table>`;
}

/** The problem codes a response's schema allows (its `code` enum), if it is a problem. */
function problemCodes(schema: unknown): string[] {
  const object = asObject(schema);
  const own = asArray(asObject(asObject(object.properties).code).enum);
  if (own.length > 0) return own.map(String);
  for (const part of asArray(object.allOf)) {
    const codes = problemCodes(part);
    if (codes.length > 0) return codes;
  }
  return [];
}

function contentBlock(content: unknown, ctx: Context, open: boolean): string {
  // Media types that share one schema are shown together.
  const groups = new Map<string, { types: string[]; schema: unknown }>();
  for (const [mediaType, media] of Object.entries(asObject(content))) {
    const schema = asObject(media).schema;
    const key = JSON.stringify(schema) ?? '';
    const group = groups.get(key) ?? { types: [], schema };
    group.types.push(mediaType);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ types, schema }) => {
      const names = types.map(code).join(', ');
      const codes = types.includes(PROBLEM_MEDIA_TYPE) ? problemCodes(schema) : [];
      if (codes.length > 0) {
        const list = codes.map((c) => {
          const known = Object.hasOwn(ctx.problems, c) ? ctx.problems[c] : undefined;
          return known
            ? `<li><a href="#problem-${slug(c)}">${code(c)}</a> — ${escapeHtml(known.title)}</li>`
            : `<li>${code(c)}</li>`;
        });
        return `<p>${names} with <code>code</code>:</p><ul class="codes">${list.join('')}</ul>`;
      }
      return `<p>${names}</p>${schema === undefined ? '' : schemaBlock(schema, ctx, open)}`;
    })
    .join('');
}

function responsesBlock(responses: unknown, ctx: Context): string {
  const items = Object.entries(asObject(responses)).map(([status, r]) => {
    const response = asObject(r);
    const codes = Object.values(asObject(response.content)).flatMap((m) => problemCodes(asObject(m).schema));
    const klass = /^[1-5]/.test(status) ? ` s${status[0]}` : '';
    return `<dt><span class="status${klass}">${escapeHtml(status)}</span>${codes.length > 0 ? '' : ` ${escapeHtml(response.description ?? '')}`}</dt><dd>${headersTable(response.headers)}${contentBlock(response.content, ctx, false)}</dd>`;
  });
  return items.length > 0 ? `<h4>Responses</h4><dl class="responses">${items.join('')}</dl>` : '';
}

interface OperationEntry {
  id: string;
  method: string;
  path: string;
  operation: JsonObject;
}

function operationBlock(entry: OperationEntry, ctx: Context): string {
  const { id, method, path, operation } = entry;
  const security = asArray(operation.security).flatMap((req) => Object.keys(asObject(req)));
  const body = asObject(operation.requestBody);
  const parts = [
    `<article class="op" id="${id}">`,
    `<h3><span class="method m-${slug(method)}">${escapeHtml(method.toUpperCase())}</span>${code(path)}</h3>`,
    operation.summary === undefined ? '' : `<p class="summary">${escapeHtml(operation.summary)}</p>`,
    prose(operation.description),
    security.length > 0
      ? `<h4>Authorization</h4><p>${security.map((s) => `<a href="#auth-${slug(s)}">${escapeHtml(s)}</a>`).join(', ')}</p>`
      : '',
    parameterTable(asArray(operation.parameters), ctx),
    isObject(operation.requestBody)
      ? `<h4>Request body${body.required === true ? '' : ' (optional)'}</h4>${prose(body.description)}${contentBlock(body.content, ctx, true)}`
      : '',
    responsesBlock(operation.responses, ctx),
    '</article>',
  ];
  return parts.join('');
}

/**
 * The /docs page: every operation grouped by tag, with its parameters, request body (as nested
 * field lists), responses and error codes (linked to the catalogue at the end). Self-contained:
 * no script, no external resources.
 */
export function renderDocsHtml(
  document: OpenApiDocument,
  problems: Readonly<Record<string, { status: number; title: string }>> = PROBLEMS,
): string {
  const ctx: Context = { schemas: asObject(asObject(document.components).schemas), problems };
  const info = asObject(document.info);

  // Operations by tag, in the order of the document's tags, then any others.
  const tagNames = asArray(document.tags).map((t) => String(asObject(t).name));
  const byTag = new Map<string, OperationEntry[]>(tagNames.map((name) => [name, []]));
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(asObject(document.paths))) {
    for (const [method, op] of Object.entries(asObject(item))) {
      if (!METHODS.includes(method) || !isObject(op)) continue;
      let id = `op-${slug(asString(op.operationId) ?? `${method} ${path}`)}`;
      while (ids.has(id)) id += '-';
      ids.add(id);
      const tag = String(asArray(op.tags)[0] ?? 'other');
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ id, method, path, operation: op });
    }
  }
  const tagDescription = (name: string) =>
    asObject(asArray(document.tags).find((t) => asObject(t).name === name)).description;

  const nav: string[] = [];
  const sections: string[] = [];
  for (const [tag, entries] of byTag) {
    if (entries.length === 0) continue;
    const tagId = `tag-${slug(tag)}`;
    nav.push(
      `<li><a href="#${tagId}">${escapeHtml(tag)}</a><ul>${entries
        .map(
          (e) =>
            `<li><a href="#${e.id}"><span class="method m-${slug(e.method)}">${escapeHtml(e.method.toUpperCase())}</span>${escapeHtml(e.path)}</a></li>`,
        )
        .join('')}</ul></li>`,
    );
    sections.push(
      `<section id="${tagId}"><h2>${escapeHtml(tag)}</h2>${prose(tagDescription(tag))}${entries
        .map((e) => operationBlock(e, ctx))
        .join('')}</section>`,
    );
  }

  const schemes = Object.entries(asObject(asObject(document.components).securitySchemes));
  if (schemes.length > 0) {
    nav.push('<li><a href="#authorization">Authorization</a></li>');
    sections.push(
      `<section id="authorization"><h2>Authorization</h2>${schemes
        .map(([name, s]) => {
          const scheme = asObject(s);
          const kind = [scheme.type, scheme.scheme].filter((x) => typeof x === 'string').join(' ');
          return `<article class="op" id="auth-${slug(name)}"><h3>${escapeHtml(name)} <span class="type">${escapeHtml(kind)}</span></h3>${prose(scheme.description)}</article>`;
        })
        .join('')}</section>`,
    );
  }

  const codes = Object.entries(problems);
  nav.push('<li><a href="#errors">Errors</a></li>');
  sections.push(
    `<section id="errors"><h2>Errors</h2><p>Every error is an RFC 9457 problem (<code>application/problem+json</code>) with one of these codes. <code>docs/errors.md</code> says what to do about each.</p><table><thead><tr><th>Code</th><th>Status</th><th>Meaning</th></tr></thead><tbody>${codes
      .map(
        ([c, p]) =>
          `<tr id="problem-${slug(c)}"><td>${code(c)}</td><td>${escapeHtml(p.status)}</td><td>${escapeHtml(p.title)}</td></tr>`,
      )
      .join('')}</tbody></table></section>`,
  );

  const title = `${String(info.title ?? 'API')} ${String(info.version ?? '')}`.trim();
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} API</title>`,
    `<style>${CSS}</style></head><body><div class="layout">`,
    `<nav><ul>${nav.join('')}</ul></nav>`,
    '<main><header>',
    `<h1>${escapeHtml(info.title ?? 'API')} <span class="version">${escapeHtml(info.version ?? '')}</span></h1>`,
    prose(info.description),
    `<p>OpenAPI ${escapeHtml(document.openapi)}: <a href="/openapi.json">/openapi.json</a></p>`,
    `</header>${sections.join('')}</main></div></body></html>`,
  ].join('\n');
}
