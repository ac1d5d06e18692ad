// What the commands that talk to a node share: the --server option, the client, and how untrusted
// text from the node is made safe to print.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import {
  CinnabarApiError,
  CinnabarClient,
  type JsonObject,
  MAX_EDITIONS,
  parseCheckpoint,
  parseNote,
  signTransaction,
  type TxAccepted,
} from '@cinnabar/core';
import { NODE_DEFAULTS } from '@cinnabar/node';
import { InvalidArgumentError, Option } from 'commander';
import type { CliIo } from '../program.js';

export const NODE_API_DEFAULTS = {
  /** The node the CLI talks to: `cinnabar serve` on this machine. */
  server: `http://localhost:${NODE_DEFAULTS.port}`,
} as const;

export const serverOption = () =>
  new Option('--server <url>', 'the node to talk to').default(NODE_API_DEFAULTS.server);

/** A client of the node at `server`; a malformed URL is a usage error. */
export function clientFor(server: string): CinnabarClient {
  try {
    return new CinnabarClient({ baseUrl: server, fetch: streamingFetch });
  } catch (error) {
    throw new UsageError(
      `--server ${JSON.stringify(server)} is not an http(s) URL: ${(error as Error).message}`,
    );
  }
}

/** A mistake in the arguments: the command prints it and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Control characters and bidirectional overrides, which hostile text could use to rewrite the terminal. */
const UNPRINTABLE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Text from the node or the log, safe to print: control and bidi characters escaped as \u{…}. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** A did:key shortened for one-line output: did:key:z6Mk…last6. */
export function shortDid(did: string): string {
  return did.length > 26 ? `${did.slice(0, 16)}…${did.slice(-6)}` : did;
}

/** An asset or transaction id shortened for one-line output. */
export function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 12)}…` : id;
}

/** The tree size of a checkpoint note (its signature is not checked: this is for display). */
export function checkpointSize(note: string): number {
  return parseCheckpoint(parseNote(note).text).size;
}

/** The message for a failed call: the node's problem, or a hint when nothing answered. */
export function describeApiError(error: CinnabarApiError, server: string): string {
  if (error.code === 'fetch_failed')
    return `${error.message} (is a node running at ${server}? choose another with --server)`;
  return printable(error.message);
}

/**
 * Sign a transaction of `type` with the key, at the actor's next sequence number, and submit it;
 * `done` gets the node's answer. A refusal (4xx) is printed, with exit status 1.
 */
export async function signAndSubmit(
  io: CliIo,
  command: string,
  options: { server: string },
  key: { did: string; seed: Uint8Array },
  type: string,
  body: JsonObject,
  done: (accepted: TxAccepted) => void | Promise<void>,
): Promise<void> {
  const client = clientFor(options.server);
  try {
    const seq = await client.nextSeq(key.did);
    const signed = signTransaction(
      { v: 1, type, actor: key.did, seq, time: new Date().toISOString(), body },
      key.seed,
    );
    await done(await client.submit(signed));
  } catch (error) {
    if (error instanceof CinnabarApiError && error.status >= 400 && error.status < 500) {
      io.err(printable(`cinnabar ${command}: refused: ${describeApiError(error, options.server)}`));
      io.exitCode = 1;
      return;
    }
    if (error instanceof CinnabarApiError) throw new Error(describeApiError(error, options.server));
    throw error;
  }
}

/** How long the probe after a broken upload waits for the node to refuse its headers. */
const REFUSAL_PROBE_MS = 2000;

/**
 * fetch, except that a request whose body is a stream (an upload) goes through node:http(s), piped
 * with backpressure. Node 20's fetch (undici) keeps every chunk of a streamed request body in
 * memory until the request ends (nodejs/undici#4058): a 512 MB upload would hold 512 MB.
 *
 * A node refuses a bad upload (a stale signature, too large) on its headers, answers, and closes
 * the connection without reading the body; the answer is then usually lost to the reset that the
 * bytes still being sent provoke (EPIPE). So when the connection breaks before an answer, the same
 * headers are sent again without a body: a refusal comes back at once and is the answer returned;
 * silence means the headers were fine, and the original failure stands.
 */
export const streamingFetch: typeof fetch = async (input, init) => {
  const body = init?.body;
  if (!(body instanceof ReadableStream)) return globalThis.fetch(input, init);
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    headers[name] = value;
  });
  const method = init?.method ?? 'GET';
  const signal = init?.signal ?? undefined;
  try {
    return await sendStream(
      url,
      method,
      headers,
      Readable.fromWeb(body as NodeReadableStream<Uint8Array>),
      signal,
    );
  } catch (error) {
    if (signal?.aborted) throw error;
    const refusal = await probeRefusal(url, method, headers);
    if (refusal) return refusal;
    throw error;
  }
};

function sendStream(
  url: URL,
  method: string,
  headers: Record<string, string>,
  source: Readable,
  signal: AbortSignal | undefined,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method, headers, ...(signal ? { signal } : {}) });
    let answered = false;
    request.on('response', (response: IncomingMessage) => {
      answered = true;
      // The node may answer before it has read the whole body: stop reading the file then.
      response.once('close', () => {
        source.destroy();
        request.destroy();
      });
      resolve(toResponse(response));
    });
    request.on('error', (error) => {
      source.destroy();
      if (!answered) reject(new TypeError('fetch failed', { cause: error }));
    });
    source.on('error', (error) => {
      request.destroy(error);
    });
    source.pipe(request);
  });
}

/** Send only the headers; the node's answer if it comes within REFUSAL_PROBE_MS, else undefined. */
function probeRefusal(
  url: URL,
  method: string,
  headers: Record<string, string>,
): Promise<Response | undefined> {
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method, headers });
    const timer = setTimeout(() => {
      request.destroy();
      resolve(undefined);
    }, REFUSAL_PROBE_MS);
    request.on('response', (response: IncomingMessage) => {
      clearTimeout(timer);
      response.once('close', () => request.destroy());
      resolve(toResponse(response));
    });
    request.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    request.flushHeaders();
  });
}

function toResponse(response: IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const status = response.statusCode ?? 502;
  const withoutBody = status === 204 || status === 205 || status === 304;
  if (withoutBody) response.resume();
  return new Response(withoutBody ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), {
    status,
    statusText: response.statusMessage ?? '',
    headers,
  });
}

/** --edition N: act on one numbered edition of the work rather than the work itself. */
export const editionOption = () =>
  new Option('--edition <n>', 'an edition of the work (its number), not the work itself').argParser(
    (value) => {
      const n = Number(value);
      if (!/^[1-9][0-9]{0,4}$/.test(value) || n > MAX_EDITIONS)
        throw new InvalidArgumentError(`${value} is not an edition number from 1 to ${MAX_EDITIONS}`);
      return n;
    },
  );

/** The body fields that name an item: the work, and the edition if one is named. */
export function itemFields(asset: string, edition: number | undefined): { asset: string; edition?: number } {
  return edition === undefined ? { asset } : { asset, edition };
}

/** "edition 3 of <asset>" or "<asset>", for messages. */
export function itemLabel(asset: string, edition: number | undefined): string {
  return edition === undefined ? asset : `edition ${edition} of ${asset}`;
}
