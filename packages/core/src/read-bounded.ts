import { concatBytes } from './bytes.js';

/**
 * The body of `response`, read chunk by chunk and refused with `tooLong()` as soon as it passes
 * `limit` bytes, so a hostile server cannot make a reader hold more than that.
 */
export async function readAtMost(
  response: Response,
  limit: number,
  tooLong: () => Error,
): Promise<Uint8Array> {
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
