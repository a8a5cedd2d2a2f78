/**
 * Reads a byte stream to its end, holding at most `maxBytes` of it: null as soon as it passes the
 * limit, the rest left unread and the reader released (a request's caller drains it with
 * `discardBody` rather than cancelling: `wrangler dev`'s proxy answers 503 to a cancelled upload).
 * Web-standard: ReadableStream only.
 * @see https://streams.spec.whatwg.org/#default-reader-read
 */
export async function readBoundedBytes(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (stream) {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) return null;
        chunks.push(value);
      }
    } finally {
      reader.releaseLock();
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Gunzips `bytes` with DecompressionStream, holding at most `maxBytes` of the output: null as soon
 * as the output passes the limit (decompression stops there: a gzip bomb costs `maxBytes`, not
 * what it expands to). The one rule for every gzip kuratchi reads from outside (the Firehose
 * endpoint's bodies, the objects `kuratchi-ses import` reads). Web-standard.
 * @throws {TypeError} when the bytes are not valid gzip.
 * @see https://developer.mozilla.org/en-US/docs/Web/API/DecompressionStream
 * @see https://www.rfc-editor.org/rfc/rfc1952
 */
export async function readBoundedGzip(
  bytes: Uint8Array<ArrayBuffer>,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  const decoded = await readBoundedBytes(stream as ReadableStream<Uint8Array>, maxBytes);
  if (!decoded) await stream.cancel().catch(() => {});
  return decoded;
}
