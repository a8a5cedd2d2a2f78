import { describe, expect, it } from 'vitest';
import { discardBody, readSnsBody } from './read-sns-body.js';
import { MAX_SNS_BODY_BYTES } from './sns-message.js';

const CHUNK = 16 * 1024;

/** A body of `chunks` chunks of spaces, counting what was pulled; `then: 'hang'` never ends after them. */
function countedStream(chunks: number, then: 'end' | 'hang' = 'end') {
  const pulled = { chunks: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled.chunks === chunks) {
          if (then === 'end') controller.close();
          return then === 'hang' ? new Promise<void>(() => {}) : undefined;
        }
        pulled.chunks += 1;
        controller.enqueue(new Uint8Array(CHUNK).fill(0x20));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled };
}

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request('https://dashboard.example/api/webhooks/ses-events', { method: 'POST', body, headers });

describe('readSnsBody', () => {
  it('reads a UTF-8 body, multi-byte characters split across chunks included', async () => {
    const bytes = new TextEncoder().encode('{"Message":"héllo 👋"}');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
        controller.close();
      },
    });
    expect(await readSnsBody(post(stream))).toEqual({ ok: true, text: '{"Message":"héllo 👋"}' });
  });

  it('accepts exactly the limit, which defaults to MAX_SNS_BODY_BYTES', async () => {
    expect(await readSnsBody(post('x'.repeat(MAX_SNS_BODY_BYTES)))).toMatchObject({ ok: true });
    expect(await readSnsBody(post('x'.repeat(MAX_SNS_BODY_BYTES + 1)))).toEqual({ ok: false, reason: 'too-large' });
    expect(await readSnsBody(post('x'.repeat(11)), 10)).toEqual({ ok: false, reason: 'too-large' });
  });

  it('refuses a declared Content-Length over the limit without reading any of it', async () => {
    const { stream, pulled } = countedStream(40);
    const request = post(stream, { 'content-length': String(40 * CHUNK) });
    expect(await readSnsBody(request, 64 * 1024)).toEqual({ ok: false, reason: 'too-large' });
    expect(pulled.chunks).toBe(0);
    expect(request.bodyUsed).toBe(false);
  });

  it('reads a body of declared length whole, and still refuses one that is longer than the limit', async () => {
    const { stream, pulled } = countedStream(3);
    const request = post(stream, { 'content-length': String(3 * CHUNK) });
    expect(await readSnsBody(request, 4 * CHUNK)).toEqual({ ok: true, text: ' '.repeat(3 * CHUNK) });
    expect(pulled.chunks).toBe(3);
    // HTTP's framing makes a declared length the body's length; a Request made in code can lie.
    const lying = post(countedStream(6).stream, { 'content-length': String(CHUNK) });
    expect(await readSnsBody(lying, 4 * CHUNK)).toEqual({ ok: false, reason: 'too-large' });
  });

  it('refuses a stream as soon as it passes the limit, without reading it whole', async () => {
    // 4 chunks fit in 64 KiB; the 5th passes the limit, and the stream never ends after 6.
    const { stream, pulled } = countedStream(6, 'hang');
    expect(await readSnsBody(post(stream), 4 * CHUNK)).toEqual({ ok: false, reason: 'too-large' });
    expect(pulled.chunks).toBe(5);
  });

  it('leaves the rest of a refused stream for discardBody, which reads it to its end', async () => {
    const { stream, pulled } = countedStream(40);
    const request = post(stream);
    expect(await readSnsBody(request, 4 * CHUNK)).toEqual({ ok: false, reason: 'too-large' });
    await discardBody(request);
    expect(pulled.chunks).toBe(40);
  });

  it('refuses invalid UTF-8 rather than replacing it (malformed)', async () => {
    expect(await readSnsBody(post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))).toEqual({
      ok: false,
      reason: 'not-utf8',
    });
    // A truncated multi-byte sequence at the very end is invalid too.
    expect(await readSnsBody(post(new Uint8Array([0x7b, 0xe2, 0x82])))).toEqual({ ok: false, reason: 'not-utf8' });
  });

  it('reads an empty or absent body as empty text', async () => {
    expect(await readSnsBody(post(null))).toEqual({ ok: true, text: '' });
    expect(await readSnsBody(post(''))).toEqual({ ok: true, text: '' });
  });
});

describe('discardBody', () => {
  it('drains an unread body and does nothing to one already read', async () => {
    const { stream, pulled } = countedStream(3);
    const unread = post(stream);
    await discardBody(unread);
    expect(pulled.chunks).toBe(3);
    const read = post('{}');
    await read.text();
    await expect(discardBody(read)).resolves.toBeUndefined();
    await expect(discardBody(post(null))).resolves.toBeUndefined();
  });
});
