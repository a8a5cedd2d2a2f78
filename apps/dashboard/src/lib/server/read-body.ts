/** The text of a request body, or why it was refused. */
export type BodyText = { ok: true; text: string } | { ok: false; reason: 'too-large' | 'not-utf8' };

/**
 * Reads a request body as UTF-8 without ever holding more than `maxBytes`: a declared
 * Content-Length over the limit is refused without keeping any of it, and a stream that goes past
 * the limit is read to its end and thrown away (not cancelled: `wrangler dev`'s proxy answers 503
 * "worker restarted mid-request" to a cancelled upload). Invalid UTF-8 is refused rather than
 * silently replaced.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<BodyText> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await discardBody(request);
    return { ok: false, reason: 'too-large' };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await drain(reader);
        return { ok: false, reason: 'too-large' };
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: 'not-utf8' };
  }
}

/** Reads a request body to its end, keeping nothing (constant memory). */
export async function discardBody(request: Request): Promise<void> {
  if (request.body && !request.bodyUsed) await drain(request.body.getReader());
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  for (;;) {
    const { done } = await reader.read();
    if (done) return;
  }
}
