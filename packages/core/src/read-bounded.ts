import { concatBytes } from './bytes.js';

/**
 * The body of `response`, refused with `tooLong()` once it passes `limit` bytes, so a hostile
 * server cannot make a reader hold more than that: a declared, unencoded length is checked before
 * anything is read; otherwise the body is read chunk by chunk and refused as soon as it is too long.
 */
export async function readAtMost(
  response: Response,
  limit: number,
  tooLong: () => Error,
): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const encoding = response.headers.get('content-encoding');
  if (Number.isSafeInteger(declared) && (encoding === null || encoding === 'identity')) {
    if (declared > limit) {
      await response.body?.cancel().catch(() => {});
      throw tooLong();
    }
    // The runtime holds the body to its declared length, so it can be read whole; a browser then
    // also sees the response complete (a stream read to its last byte may count as cancelled).
    return new Uint8Array(await response.arrayBuffer());
  }
  const body = response.body;
  if (!body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > limit) throw tooLong();
    return bytes;
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLong();
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(...chunks);
}
