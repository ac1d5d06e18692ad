/** Stable codes of what `cinnabar audit` refuses or fails on (besides core's CinnabarError codes). */
export type AuditErrorCode =
  /** The saved audit state is unreadable, truncated, altered or not this log's: it is not used. */
  | 'audit_state_invalid'
  /** The node's API answered with something that is not what the API documents, or too much of it. */
  | 'malformed_response'
  /** The node's API could not be reached, or answered with an error status. */
  | 'api_failed';

/** The one error class of the auditor: a stable `code` and a message saying exactly what is wrong. */
export class AuditError extends Error {
  override name = 'AuditError';
  readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
