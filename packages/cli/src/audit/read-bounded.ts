/**
 * The body of an answer from an untrusted server, refused with `tooLong()` as soon as it passes
 * `limit` bytes (a declared Content-Length over the limit is refused unread); a broken read throws
 * `broken(error)`.
 */
export async function readBounded(
  response: Response,
  limit: number,
  tooLong: () => Error,
  broken: (error: unknown) => Error,
): Promise<Uint8Array> {
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel().catch(() => {});
    throw tooLong();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  try {
    for (;;) {
      const read = await reader?.read();
      if (!read || read.done) break;
      total += read.value.length;
      if (total > limit) break;
      chunks.push(read.value);
    }
  } catch (error) {
    await reader?.cancel().catch(() => {});
    throw broken(error);
  }
  if (total > limit) {
    await reader?.cancel().catch(() => {});
    throw tooLong();
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
