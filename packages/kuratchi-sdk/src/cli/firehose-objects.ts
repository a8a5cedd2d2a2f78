import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from './usage-error.js';

/** One object Firehose wrote: its name (path or s3:// URL) and how to read its bytes. */
export interface FirehoseObject {
  name: string;
  /** Its bytes, at most the limit of one object (`MAX_FIREHOSE_BODY_BYTES`): past it, an `ObjectLimitError`. */
  read(): Promise<Uint8Array<ArrayBuffer>>;
}

/** Reads a stream of an object's bytes, stopping as soon as it passes the limit of one object. */
async function readObjectBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const [{ readBoundedBytes }, { MAX_FIREHOSE_BODY_BYTES }, { ObjectLimitError }] = await Promise.all([
    import('#internal/shared/bounded-body.js'),
    import('#internal/ingest/firehose-limits.js'),
    import('./firehose-object-records.js'),
  ]);
  const bytes = await readBoundedBytes(stream, MAX_FIREHOSE_BODY_BYTES);
  if (bytes) return bytes;
  await stream.cancel().catch(() => {});
  throw new ObjectLimitError(`it is larger than ${MAX_FIREHOSE_BODY_BYTES} bytes`);
}

/** `s3://bucket/prefix` → bucket and prefix, or null for a local path. */
export function parseS3Url(target: string): { bucket: string; prefix: string } | null {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(target);
  if (!match) return null;
  return { bucket: match[1]!, prefix: match[2]! };
}

/**
 * The objects of a FILE, a DIR (every file below it, in path order, hidden files skipped) or an
 * `s3://bucket/prefix` (every object under the prefix, ListObjectsV2 page by page, in key order;
 * "folder" placeholder keys ending in `/` skipped).
 * @throws {UsageError} when a local path cannot be read.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 * @see https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html (Firehose's key layout)
 */
export async function listFirehoseObjects(target: string, s3: () => Promise<S3Client>): Promise<FirehoseObject[]> {
  const place = parseS3Url(target);
  if (place) return listS3Objects(await s3(), place.bucket, place.prefix);
  let info;
  try {
    info = await stat(target);
  } catch (error) {
    throw new UsageError(`cannot read ${target} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const paths = info.isDirectory() ? await filesBelow(target) : [target];
  return paths.map((path) => ({
    name: path,
    read: () => readObjectBytes(Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>),
  }));
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesBelow(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

async function listS3Objects(s3: S3Client, bucket: string, prefix: string): Promise<FirehoseObject[]> {
  const { GetObjectCommand, paginateListObjectsV2 } = await import('@aws-sdk/client-s3');
  const objects: FirehoseObject[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const item of page.Contents ?? []) {
      const key = item.Key;
      if (!key || key.endsWith('/')) continue;
      objects.push({
        name: `s3://${bucket}/${key}`,
        async read() {
          const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          if (!output.Body) throw new Error(`s3://${bucket}/${key} has no body`);
          return readObjectBytes(output.Body.transformToWebStream());
        },
      });
    }
  }
  return objects;
}
