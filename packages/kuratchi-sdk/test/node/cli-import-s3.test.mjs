// `kuratchi-ses import s3://bucket/prefix`: the real S3Client of @aws-sdk/client-s3, stubbed
// in-process with aws-sdk-client-mock: ListObjectsV2 page by page (continuation tokens), folder
// placeholder keys skipped, GetObject per object, gzip found by its magic bytes, records split
// back to back or newline-delimited; the import posts every record in order.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { listFirehoseObjects, parseS3Url } from '../../dist/cli/firehose-objects.js';
import { objectRecords } from '../../dist/cli/firehose-object-records.js';
import { importObjects } from '../../dist/cli/commands/import.js';

// GetObject's Body as the SDK gives it in Node, reduced to the method the import calls.
const body = (bytes) => ({ transformToWebStream: () => new Blob([Buffer.from(bytes)]).stream() });
const a = JSON.stringify({ eventType: 'Send', n: 1 });
const b = JSON.stringify({ eventType: 'Delivery', s: '}{"\\' });
const c = JSON.stringify({ eventType: 'Open', n: 3 });

describe('import from s3://', () => {
  it('parses s3:// URLs', () => {
    assert.deepEqual(parseS3Url('s3://bucket/ses/2026/'), { bucket: 'bucket', prefix: 'ses/2026/' });
    assert.deepEqual(parseS3Url('s3://bucket'), { bucket: 'bucket', prefix: '' });
    assert.equal(parseS3Url('./objects'), null);
  });

  it('lists every page, reads each object and splits its records; posts them in batches', async () => {
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command, { Bucket: 'events', Prefix: 'ses/' })
      .resolvesOnce({
        Contents: [{ Key: 'ses/' }, { Key: 'ses/2026/11/28/11/s-1' }],
        IsTruncated: true,
        NextContinuationToken: 't1',
      })
      .resolvesOnce({ Contents: [{ Key: 'ses/2026/11/28/12/s-2.gz' }], IsTruncated: false });
    s3.on(GetObjectCommand, { Bucket: 'events', Key: 'ses/2026/11/28/11/s-1' }).resolves({ Body: body(`${a}${b}`) });
    s3.on(GetObjectCommand, { Bucket: 'events', Key: 'ses/2026/11/28/12/s-2.gz' }).resolves({
      Body: body(gzipSync(`${c}\n`)),
    });
    const client = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    });
    const objects = await listFirehoseObjects('s3://events/ses/', async () => client);
    assert.deepEqual(
      objects.map((o) => o.name),
      ['s3://events/ses/2026/11/28/11/s-1', 's3://events/ses/2026/11/28/12/s-2.gz'],
    );
    // The SDK's paginator reuses one input object, so the calls recorded share it: two calls, the
    // second with the first page's continuation token.
    const lists = s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    assert.equal(lists.length, 2);
    assert.deepEqual(
      { ...lists[1], MaxKeys: undefined },
      { Bucket: 'events', Prefix: 'ses/', ContinuationToken: 't1', MaxKeys: undefined },
    );
    assert.deepEqual(await objectRecords(await objects[0].read()), [a, b]);
    assert.deepEqual(await objectRecords(await objects[1].read()), [c]);

    const posted = [];
    const api = {
      get: async () => assert.fail('no GET'),
      post: async (path, request) => {
        posted.push([path, request.records]);
        return { outcomes: request.records.map(() => 'applied') };
      },
    };
    const summary = await importObjects(objects, api, 2);
    assert.deepEqual(posted, [
      ['/api/ops/events/import', [a, b]],
      ['/api/ops/events/import', [c]],
    ]);
    assert.deepEqual(summary, {
      objects: 2,
      records: 3,
      outcomes: { applied: 3 },
      retried: 0,
      failed: 0,
      unreadableObjects: [],
    });
    s3.restore();
  });

  it("unwraps the S3 backup's failed-delivery documents into the records they hold", async () => {
    const failed = (record) =>
      JSON.stringify({
        attemptsMade: 4,
        arrivalTimestamp: 1764327600000,
        errorCode: 'HttpEndpoint.DestinationException',
        errorMessage: 'The endpoint answered 503',
        attemptEndingTimestamp: 1764331200000,
        rawData: Buffer.from(`${record}\n`).toString('base64'),
      });
    assert.deepEqual(await objectRecords(new Uint8Array(gzipSync(`${failed(a)}\n${failed(b)}\n${c}`))), [a, b, c]);
  });

  it('sends again only the records a 503 names retry, and counts those still failing', async () => {
    const { OpsApiError } = await import('../../dist/cli/ops-api.js');
    const object = { name: 'mem', read: async () => new TextEncoder().encode(`${a}\n${b}\n`) };
    const sent = [];
    let calls = 0;
    const api = {
      get: async () => assert.fail('no GET'),
      post: async (_path, request) => {
        sent.push(request.records);
        calls++;
        if (calls === 1) throw new OpsApiError('HTTP 503', 503, { outcomes: ['applied', 'retry'] });
        return { outcomes: request.records.map(() => 'applied') };
      },
    };
    const summary = await importObjects([object], api, 100);
    assert.deepEqual(sent, [[a, b], [b]]);
    assert.deepEqual(summary.outcomes, { applied: 2 });
    assert.equal(summary.retried, 1);
    assert.equal(summary.failed, 0);
  });
});
