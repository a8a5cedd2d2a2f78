import { describe, expect, it } from 'vitest';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { buildFirehoseRequestBody, gzipBytes } from '../testing/firehose-request.js';
import { utf8 } from '../shared/encoding.js';
import { TEST_NOW } from '../../../../test/clock.js';
import { FirehoseRequestError, MAX_FIREHOSE_RECORDS, firehoseAnswer, readFirehoseRequest } from './firehose-request.js';
import { firehoseRecordTexts, unsignedEventMessages } from './firehose-records.js';

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request('https://dashboard.example/api/firehose/ses-events', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });

const delivery = JSON.stringify(buildSesEvent({ eventType: 'Delivery', messageId: 'ses-1', time: TEST_NOW }));

async function refusal(request: Request, maxBytes?: number): Promise<FirehoseRequestError> {
  const error = await readFirehoseRequest(request, maxBytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FirehoseRequestError);
  return error as FirehoseRequestError;
}

describe('readFirehoseRequest', () => {
  it('reads the request id, timestamp and base64 records, plain and gzip', async () => {
    const body = buildFirehoseRequestBody([delivery, `${delivery}\n`], { requestId: 'req-1', timestamp: TEST_NOW });
    const plain = await readFirehoseRequest(post(JSON.stringify(body)));
    expect(plain).toEqual({
      requestId: 'req-1',
      timestamp: TEST_NOW.getTime(),
      records: body.records.map((r) => r.data),
    });
    const gzipped = await readFirehoseRequest(
      post(await gzipBytes(utf8(JSON.stringify(body))), { 'content-encoding': 'gzip' }),
    );
    expect(gzipped).toEqual(plain);
  });

  it('refuses malformed bodies with 400, naming the field', async () => {
    expect((await refusal(post('not json'))).status).toBe(400);
    const noId = await refusal(post(JSON.stringify({ timestamp: 1, records: [] })));
    expect(noId.message).toMatch(/^requestId:/);
    const badRecord = await refusal(post(JSON.stringify({ requestId: 'r', timestamp: 1, records: [{ data: 5 }] })));
    expect(badRecord.message).toMatch(/^records\.0\.data:/);
    expect((await refusal(post('{"requestId":"r"}', { 'content-encoding': 'gzip' }))).message).toMatch(
      /not valid gzip/,
    );
  });

  it('refuses other encodings with 415', async () => {
    expect((await refusal(post('{}', { 'content-encoding': 'br' }))).status).toBe(415);
  });

  it('refuses a body over the limit with 413, declared, streamed or once decompressed', async () => {
    const body = JSON.stringify(buildFirehoseRequestBody([delivery], { timestamp: TEST_NOW }));
    expect((await refusal(post(body), 100)).status).toBe(413);
    expect((await refusal(post(body, { 'content-length': '999999999' }))).status).toBe(413);
    const bomb = await gzipBytes(utf8(`{"requestId":"r","timestamp":1,"records":[],"pad":"${' '.repeat(50_000)}"}`));
    expect(bomb.byteLength).toBeLessThan(1000);
    expect((await refusal(post(bomb, { 'content-encoding': 'gzip' }), 1000)).status).toBe(413);
    const many = {
      requestId: 'r',
      timestamp: 1,
      records: Array.from({ length: MAX_FIREHOSE_RECORDS + 1 }, () => ({ data: '' })),
    };
    expect((await refusal(post(JSON.stringify(many)))).status).toBe(413);
  });
});

describe('firehoseRecordTexts', () => {
  it('gives the SES event records of one record, newline-terminated or back to back', () => {
    const data = (text: string) => buildFirehoseRequestBody([text], { timestamp: TEST_NOW }).records[0]!.data;
    expect(firehoseRecordTexts(data(delivery))).toEqual([delivery]);
    expect(firehoseRecordTexts(data(`${delivery}\n`))).toEqual([delivery]);
    expect(firehoseRecordTexts(data(`${delivery}${delivery}`))).toEqual([delivery, delivery]);
  });

  it('refuses data that is not base64, not UTF-8 or not JSON objects', () => {
    expect(() => firehoseRecordTexts('***')).toThrow(/not base64/);
    expect(() => firehoseRecordTexts('/w==')).toThrow(/not UTF-8/);
    expect(() => firehoseRecordTexts(btoa('hello'))).toThrow(/expected a JSON object/);
    expect(() => firehoseRecordTexts('')).toThrow(/no JSON object/);
  });
});

describe('unsignedEventMessages', () => {
  it('turns SES event records into queue messages and refuses the rest with the reason', async () => {
    const results = await unsignedEventMessages([delivery, '{"eventType":"Received"}', delivery], 'firehose', TEST_NOW);
    expect(results).toHaveLength(3);
    expect('message' in results[0]! && results[0].message.snsMessageId).toMatch(/^content:/);
    expect(results[1]).toEqual({ refused: expect.stringMatching(/not an SES event record/) });
    // the same record twice has the same identity: one row
    expect(results[2]).toEqual(results[0]);
  });
});

describe('firehoseAnswer', () => {
  it('echoes the request id with the time of the answer', async () => {
    const ok = firehoseAnswer('req-1', 200, TEST_NOW);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await ok.json()).toEqual({ requestId: 'req-1', timestamp: TEST_NOW.getTime() });
    const failed = firehoseAnswer('req-1', 503, TEST_NOW, 'database unavailable');
    expect(await failed.json()).toEqual({
      requestId: 'req-1',
      timestamp: TEST_NOW.getTime(),
      errorMessage: 'database unavailable',
    });
  });
});
