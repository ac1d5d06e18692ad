// The node this app is served by: same origin, so every call is a plain relative fetch.
import { CinnabarClient } from '@cinnabar/core';

export const api = new CinnabarClient({ baseUrl: location.origin });

/** GET a JSON document from the node; throws with the problem's code and detail on failure. */
export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  if (!response.ok) {
    let problem: { code?: string; detail?: string; title?: string } = {};
    try {
      problem = (await response.json()) as typeof problem;
    } catch {
      // not a problem+json body
    }
    throw new ApiProblem(
      response.status,
      problem.code ?? 'http_error',
      problem.detail ?? problem.title ?? response.statusText,
    );
  }
  return (await response.json()) as T;
}

export class ApiProblem extends Error {
  override name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
