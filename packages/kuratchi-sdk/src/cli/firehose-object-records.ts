import { readBoundedGzip } from '#internal/shared/bounded-body.js';
import { MAX_FIREHOSE_BODY_BYTES, MAX_FIREHOSE_RECORDS } from '#internal/ingest/firehose-limits.js';
import { JsonObjectSplitter } from 'kuratchi-sdk/internal/events';

/** Characters fed to the splitter at a time, so the record count is checked as records come. */
const SLICE_CHARS = 65_536;

/**
 * An object is past the limits of one object (those of the Firehose endpoint's requests: 8 MiB
 * compressed and decompressed, 10,000 records): it is refused whole, nothing of it is imported.
 */
export class ObjectLimitError extends Error {
  override readonly name = 'ObjectLimitError';
  constructor(what: string) {
    super(
      `${what}: refused whole, nothing of it imported. An object may hold at most ${MAX_FIREHOSE_BODY_BYTES} bytes ` +
        `(compressed and decompressed) and ${MAX_FIREHOSE_RECORDS} records, as a request to the Firehose endpoint; ` +
        'split it at record boundaries and import the parts (e.g. `gunzip -c OBJECT | jq -c . | split -C 4M - part-`)',
    );
  }
}

/** What one object may still use while it is read: decoded bytes, records. */
interface Budget {
  bytes: number;
  records: number;
}

/**
 * The SES event records of one object Firehose wrote to S3: gunzipped when it starts with gzip's
 * magic bytes (1f 8b: the stream's compression is GZIP, whatever the key says), then UTF-8, then
 * split into JSON objects, newline-delimited or back to back. A failed-delivery document of the
 * stream's S3 backup (`{ attemptsMade, …, rawData }`, what Firehose writes for records its HTTP
 * endpoint did not accept in time) stands for the record in its base64 `rawData`, unwrapped.
 * Bounded like a Firehose endpoint request (`MAX_FIREHOSE_BODY_BYTES`, `MAX_FIREHOSE_RECORDS`):
 * the gunzip stops as soon as its output passes the limit (gzipped `rawData` share the same
 * budget), and the records are counted as they are split.
 * @throws {ObjectLimitError} past a limit.
 * @throws {Error} naming what is wrong (not gzip after all, not UTF-8, not JSON objects).
 * @see https://www.rfc-editor.org/rfc/rfc1952#section-2.3.1 (ID1 = 31, ID2 = 139)
 * @see https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-s3
 * @see https://docs.aws.amazon.com/firehose/latest/APIReference/API_Processor.html (AppendDelimiterToRecord)
 * @see https://docs.aws.amazon.com/firehose/latest/dev/retry.html (failed data backed up to S3)
 * @see https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html (the document's fields)
 */
export async function objectRecords(bytes: Uint8Array<ArrayBuffer>): Promise<string[]> {
  const records: string[] = [];
  await collectRecords(bytes, { bytes: MAX_FIREHOSE_BODY_BYTES, records: MAX_FIREHOSE_RECORDS }, records);
  return records;
}

async function collectRecords(bytes: Uint8Array<ArrayBuffer>, budget: Budget, records: string[]): Promise<void> {
  let raw = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const decoded = await readBoundedGzip(bytes, budget.bytes);
    if (!decoded) throw new ObjectLimitError(`it decompresses to more than ${MAX_FIREHOSE_BODY_BYTES} bytes`);
    budget.bytes -= decoded.length;
    raw = decoded;
  }
  const text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  const splitter = new JsonObjectSplitter();
  for (let from = 0; from < text.length; from += SLICE_CHARS) {
    for (const record of splitter.push(text.slice(from, from + SLICE_CHARS))) {
      const data = failedDeliveryData(record);
      if (data) await collectRecords(data, budget, records);
      else if (--budget.records < 0) throw new ObjectLimitError(`it holds more than ${MAX_FIREHOSE_RECORDS} records`);
      else records.push(record);
    }
  }
  splitter.end();
}

/** The `rawData` bytes of a Firehose failed-delivery document, or null for any other record. */
function failedDeliveryData(record: string): Uint8Array<ArrayBuffer> | null {
  if (!record.includes('"rawData"')) return null;
  let value: unknown;
  try {
    value = JSON.parse(record);
  } catch {
    return null;
  }
  const doc = value as { rawData?: unknown; attemptsMade?: unknown };
  if (typeof doc.rawData !== 'string' || typeof doc.attemptsMade !== 'number') return null;
  return new Uint8Array(Buffer.from(doc.rawData, 'base64'));
}
