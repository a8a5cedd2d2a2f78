import { readBoundedBytes } from '../shared/bounded-body.js';
import { MAX_SNS_BODY_BYTES } from './sns-message.js';

/** The text of an SNS POST body, or why it was refused (`too-large`: 413, `not-utf8`: 400). */
export type SnsBodyText = { ok: true; text: string } | { ok: false; reason: 'too-large' | 'not-utf8' };

/**
 * Reads the body of an SNS POST as UTF-8, holding at most `maxBytes` of it: a declared
 * Content-Length over the limit is refused without reading anything, one within it is read whole
 * (about a tenth of a queued POST's CPU went to reading chunk by chunk: `bench/webhook-profile.mjs`),
 * and a body of unknown length is refused as soon as it passes the limit, the rest left unread (the caller discards it with
 * {@link discardBody} or lets the request end). Invalid UTF-8 is refused rather than replaced:
 * SNS sends `text/plain; charset=UTF-8`, so a body that is not UTF-8 is not from SNS.
 * Web-standard: Request, ReadableStream and TextDecoder only.
 * @param maxBytes default {@link MAX_SNS_BODY_BYTES} (256 KiB, the largest SNS message).
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-header.html (Content-Type of SNS POSTs)
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-6.3 (a Content-Length frames the body)
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (Message: 256 KB)
 * @see https://encoding.spec.whatwg.org/#dom-textdecoderoptions-fatal
 */
export async function readSnsBody(request: Request, maxBytes: number = MAX_SNS_BODY_BYTES): Promise<SnsBodyText> {
  const header = request.headers.get('content-length');
  const declared = header === null ? NaN : Number(header);
  if (declared > maxBytes) return { ok: false, reason: 'too-large' };
  // A declared length bounds the body (HTTP's framing: the body is that many bytes), so it is read
  // in one call; only a body of unknown length (chunked) is read chunk by chunk up to the limit.
  const bytes =
    Number.isSafeInteger(declared) && declared >= 0
      ? new Uint8Array(await request.arrayBuffer())
      : await readBoundedBytes(request.body, maxBytes);
  if (!bytes || bytes.byteLength > maxBytes) return { ok: false, reason: 'too-large' };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return { ok: false, reason: 'not-utf8' };
  }
}

/**
 * Reads what is left of a request body to its end, keeping nothing (constant memory). A refused
 * upload is drained rather than cancelled: `wrangler dev`'s proxy answers 503 "worker restarted
 * mid-request" to a cancelled one.
 * @see https://streams.spec.whatwg.org/#default-reader-read
 */
export async function discardBody(request: Request): Promise<void> {
  if (!request.body || request.body.locked) return;
  const reader = request.body.getReader();
  for (;;) {
    const { done } = await reader.read();
    if (done) return;
  }
}
