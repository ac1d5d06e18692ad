import type { FastifyInstance } from 'fastify';

/** A fetch() that answers from the in-process app, so core's verifier can read a node without a socket. */
export function injectFetch(app: FastifyInstance): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const res = await app.inject({ method: 'GET', url: url.pathname + url.search });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers))
      if (typeof value === 'string') headers.set(name, value);
    return new Response(res.statusCode === 204 ? null : new Uint8Array(res.rawPayload), {
      status: res.statusCode,
      headers,
    });
  }) as typeof fetch;
}
