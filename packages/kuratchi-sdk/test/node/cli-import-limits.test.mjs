// `kuratchi-ses import` reads each object within the Firehose endpoint's limits (8 MiB compressed
// and decompressed, 10,000 records; the same constants): a gzip bomb (64 MiB of zeros in 64 KiB)
// stops being decompressed at the limit, in bounded memory, and is refused whole with an error
// naming the object, the limit and how to split it; nothing of it is posted, and the valid object
// next to it still imports. A bomb inside a failed-delivery document's rawData shares the budget.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import { MAX_FIREHOSE_BODY_BYTES, MAX_FIREHOSE_RECORDS } from 'kuratchi-sdk/internal/events';
import { importObjects } from '../../dist/cli/commands/import.js';
import { objectRecords } from '../../dist/cli/firehose-object-records.js';
import { listFirehoseObjects } from '../../dist/cli/firehose-objects.js';
import { runCli } from './cli-run.mjs';

const MiB = 1024 * 1024;
const record = (i) =>
  JSON.stringify(
    buildSesEvent({
      eventType: 'Delivery',
      messageId: `ses-limit-${i}`,
      time: new Date(Date.UTC(2026, 10, 28, 12)),
      recipients: ['x@example.com'],
    }),
  );
const noS3 = () => assert.fail('no S3 for local paths');

let dir;
let bomb;
let valid;

/** An ops API that records what it is asked to apply (the dashboard's answer: applied). */
function recordingApi() {
  const posted = [];
  return {
    posted,
    get: async () => assert.fail('no GET'),
    post: async (_path, request) => {
      posted.push(...request.records);
      return { outcomes: request.records.map(() => 'applied') };
    },
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kuratchi-import-limits-'));
  await mkdir(join(dir, 'objects'));
  // 64 MiB of zeros: 8 times the limit, about 64 KiB compressed.
  bomb = join(dir, 'objects', 'a-bomb.gz');
  await writeFile(bomb, gzipSync(Buffer.alloc(64 * MiB)));
  valid = join(dir, 'objects', 'b-valid.gz');
  await writeFile(valid, gzipSync([0, 1, 2].map(record).join('\n')));
});

describe('import: the limits of one object', () => {
  it('uses the Firehose endpoint limits', () => {
    assert.equal(MAX_FIREHOSE_BODY_BYTES, 8 * MiB);
    assert.equal(MAX_FIREHOSE_RECORDS, 10_000);
  });

  it('refuses a gzip bomb whole, naming the object, the limit and how to split it; the valid object still imports', async () => {
    const api = recordingApi();
    const objects = await listFirehoseObjects(join(dir, 'objects'), noS3);
    const summary = await importObjects(objects, api, 100);
    assert.deepEqual(api.posted, [0, 1, 2].map(record));
    assert.equal(summary.unreadableObjects.length, 1);
    const [refused] = summary.unreadableObjects;
    assert.equal(refused.name, bomb);
    assert.match(refused.error, new RegExp(`decompresses to more than ${MAX_FIREHOSE_BODY_BYTES} bytes`));
    assert.match(refused.error, /nothing of it imported/);
    assert.match(refused.error, /10000 records/);
    assert.match(refused.error, /split/);
  });

  it('stops decompressing at the limit: the bomb costs about 8 MiB of memory, not 64', async () => {
    // The process's peak resident set (getrusage), printed at exit by a preloaded module.
    const rss = join(dir, 'rss.mjs');
    await writeFile(
      rss,
      "process.on('exit', () => process.stderr.write(`maxrss-kib=${process.resourceUsage().maxRSS}\\n`));\n",
    );
    const peak = async (file) => {
      const run = await runCli(['import', file, '--dry-run'], {
        env: { NODE_OPTIONS: `--import=${pathToFileURL(rss).href}` },
      });
      return { ...run, kib: Number(/maxrss-kib=(\d+)/.exec(run.stderr)[1]) };
    };
    const baseline = await peak(valid);
    assert.equal(baseline.code, 0, baseline.stderr);
    const refused = await peak(bomb);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stdout, new RegExp(`unreadable object ${bomb}: it decompresses to more than`));
    // Decompressing it whole took 64 MiB for the bytes and as much again for the text.
    assert.ok(
      refused.kib - baseline.kib < 40 * 1024,
      `peak ${refused.kib} KiB against ${baseline.kib} KiB for a valid object`,
    );
  });

  it('a bomb in a failed-delivery document (gzip in rawData) shares the budget', async () => {
    const inner = gzipSync(Buffer.alloc(16 * MiB, ' '));
    const doc = JSON.stringify({ attemptsMade: 1, errorCode: 'x', rawData: inner.toString('base64') });
    await assert.rejects(
      objectRecords(new Uint8Array(Buffer.from(`${doc}\n${record(0)}`))),
      new RegExp(`decompresses to more than ${MAX_FIREHOSE_BODY_BYTES} bytes`),
    );
  });

  it('counts records: the limit is accepted, one more is refused', async () => {
    const at = Buffer.from('{}'.repeat(MAX_FIREHOSE_RECORDS));
    assert.equal((await objectRecords(new Uint8Array(at))).length, MAX_FIREHOSE_RECORDS);
    await assert.rejects(
      objectRecords(new Uint8Array(Buffer.from('{}'.repeat(MAX_FIREHOSE_RECORDS + 1)))),
      new RegExp(`more than ${MAX_FIREHOSE_RECORDS} records.*nothing of it imported`),
    );
    // Records inside failed-delivery documents count, not the documents.
    const docs = Array.from({ length: MAX_FIREHOSE_RECORDS + 1 }, () =>
      JSON.stringify({ attemptsMade: 1, rawData: Buffer.from('{}').toString('base64') }),
    ).join('');
    await assert.rejects(objectRecords(new Uint8Array(Buffer.from(docs))), /more than 10000 records/);
  });

  it('refuses an object larger than the limit before decompressing anything', async () => {
    const large = join(dir, 'large');
    await writeFile(large, Buffer.alloc(MAX_FIREHOSE_BODY_BYTES + 1, '{'));
    const api = recordingApi();
    const summary = await importObjects(await listFirehoseObjects(large, noS3), api, 100);
    assert.deepEqual(api.posted, []);
    assert.match(summary.unreadableObjects[0].error, new RegExp(`larger than ${MAX_FIREHOSE_BODY_BYTES} bytes`));
  });
});
