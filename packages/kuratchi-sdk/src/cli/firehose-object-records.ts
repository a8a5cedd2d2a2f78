import { gunzipSync } from 'node:zlib';
import { JsonObjectSplitter } from 'kuratchi-sdk/internal/events';

/**
 * The SES event records of one object Firehose wrote to S3: gunzipped when it starts with gzip's
 * magic bytes (1f 8b: the stream's compression is GZIP, whatever the key says), then UTF-8, then
 * split into JSON objects, newline-delimited or back to back. A failed-delivery document of the
 * stream's S3 backup (`{ attemptsMade, …, rawData }`, what Firehose writes for records its HTTP
 * endpoint did not accept in time) stands for the record in its base64 `rawData`, unwrapped.
 * @throws {Error} naming what is wrong (not gzip after all, not UTF-8, not JSON objects).
 * @see https://www.rfc-editor.org/rfc/rfc1952#section-2.3.1 (ID1 = 31, ID2 = 139)
 * @see https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-s3
 * @see https://docs.aws.amazon.com/firehose/latest/APIReference/API_Processor.html (AppendDelimiterToRecord)
 * @see https://docs.aws.amazon.com/firehose/latest/dev/retry.html (failed data backed up to S3)
 * @see https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html (the document's fields)
 */
export function objectRecords(bytes: Uint8Array): string[] {
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  const splitter = new JsonObjectSplitter();
  const records = splitter.push(text);
  splitter.end();
  return records.flatMap((record) => {
    const raw = failedDeliveryData(record);
    return raw === null ? [record] : objectRecords(raw);
  });
}

/** The `rawData` bytes of a Firehose failed-delivery document, or null for any other record. */
function failedDeliveryData(record: string): Uint8Array | null {
  if (!record.includes('"rawData"')) return null;
  let value: unknown;
  try {
    value = JSON.parse(record);
  } catch {
    return null;
  }
  const doc = value as { rawData?: unknown; attemptsMade?: unknown };
  if (typeof doc.rawData !== 'string' || typeof doc.attemptsMade !== 'number') return null;
  return Buffer.from(doc.rawData, 'base64');
}
