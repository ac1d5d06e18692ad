/**
 * The catalogue of stable error codes the HTTP API returns, as RFC 9457 problem+json bodies.
 * docs/errors.md documents each one; a test keeps the two in step.
 */
export const PROBLEMS = {
  bad_request: { status: 400, title: 'The request is malformed' },
  malformed_tile_path: { status: 400, title: 'The tile path is not a valid C2SP tlog-tiles path' },
  unauthorized: { status: 401, title: 'This request needs a valid bearer token' },
  not_found: { status: 404, title: 'No such resource' },
  tile_not_found: { status: 404, title: 'The log has no such tile yet' },
  entry_not_found: { status: 404, title: 'The log has no entry at this index yet' },
  invalid_proof_request: { status: 400, title: 'The proof asked for does not fit the log' },
  entry_too_large: { status: 413, title: 'The entry is larger than 65,535 bytes' },
  unsupported_media_type: { status: 415, title: 'The request body has the wrong media type' },
  internal_error: { status: 500, title: 'Internal error' },
  not_sequencer: { status: 503, title: 'This node does not sequence appends' },
  sequencer_unavailable: { status: 503, title: 'The log cannot take appends right now' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  instance?: string;
  requestId?: string;
}

/** An error that becomes a problem+json response with its stable code. */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(detail ?? PROBLEMS[code].title, options);
    this.name = 'ProblemError';
  }

  get status(): number {
    return PROBLEMS[this.code].status;
  }
}

export function problemBody(code: ProblemCode, detail?: string, requestId?: string): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return {
    type: `https://cinnabar.dev/problems/${code.replaceAll('_', '-')}`,
    title,
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    ...(requestId === undefined ? {} : { requestId }),
  };
}
