/** Stable codes for every error core throws. Match on `code`, never on `message`. */
export type CoreErrorCode =
  | 'malformed_note'
  | 'unverified_note'
  | 'invalid_signature'
  | 'malformed_key'
  | 'malformed_checkpoint'
  | 'origin_mismatch'
  | 'entry_too_large'
  | 'malformed_tile'
  | 'malformed_tile_path'
  | 'inconsistent_log'
  | 'inclusion_failed'
  | 'fetch_failed'
  | 'malformed_json'
  | 'non_canonical_json'
  | 'malformed_did'
  | 'malformed_cid'
  | 'malformed_proof'
  | 'malformed_credential'
  | 'unsupported_cryptosuite'
  | 'invalid_proof'
  | 'malformed_key_file'
  | 'wrong_passphrase'
  | 'malformed_transaction'
  | 'malformed_receipt'
  | 'malformed_upload_authorization'
  | 'malformed_read_authorization'
  | 'malformed_sealed_description'
  | 'invalid_coordinate'
  | 'invalid_grid_code'
  | 'grid_polar_cap'
  | 'grid_cover_too_large';

/** The one error class of core: a stable `code` and a message saying exactly what is wrong. */
export class CinnabarError extends Error {
  override name = 'CinnabarError';
  readonly code: CoreErrorCode;

  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `error` is a CinnabarError, with the given code if one is passed. */
export function isCinnabarError(error: unknown, code?: CoreErrorCode): error is CinnabarError {
  return error instanceof CinnabarError && (code === undefined || error.code === code);
}
