import { bytesToBase64, utf8 } from '../shared/encoding.js';

/**
 * The JSON body of an Amazon Data Firehose HTTP endpoint delivery request carrying `records`
 * (each record's data given as text, base64-encoded here as Firehose does), for tests and demos.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export function buildFirehoseRequestBody(
  records: readonly string[],
  options: { requestId?: string; timestamp: Date },
): { requestId: string; timestamp: number; records: Array<{ data: string }> } {
  return {
    requestId: options.requestId ?? crypto.randomUUID(),
    timestamp: options.timestamp.getTime(),
    records: records.map((record) => ({ data: bytesToBase64(utf8(record)) })),
  };
}

/**
 * Gzip of some bytes with CompressionStream, as Firehose sends a body when the destination's
 * content encoding is GZIP (and as it writes S3 objects with GZIP compression).
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export async function gzipBytes(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
