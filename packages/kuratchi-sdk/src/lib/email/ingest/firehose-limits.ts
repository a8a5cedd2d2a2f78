// The limits of one batch of unsigned Firehose records, read from outside: one request to the
// Firehose endpoint, one object `kuratchi-ses import` reads. No imports: the CLI's help loads it.

/**
 * Largest Firehose request body accepted, compressed and once decompressed, in bytes (8 MiB).
 * Firehose buffers 1 to 64 MiB per request before base64, JSON framing and gzip; the deployment
 * guide sets the stream's buffering size to 1 MiB, well inside this and inside one Worker
 * invocation's D1 query budget. A larger request is answered 413: Firehose retries it, then
 * backs it up to S3, from which `kuratchi-ses import` recovers it. The same limit bounds each
 * object `kuratchi-ses import` reads (a gzip bomb is refused when its output passes it).
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 * @see https://docs.aws.amazon.com/firehose/latest/APIReference/API_HttpEndpointBufferingHints.html
 */
export const MAX_FIREHOSE_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Most records accepted in one request (more is refused 413, like a body too large), and in one
 * object `kuratchi-ses import` reads.
 */
export const MAX_FIREHOSE_RECORDS = 10_000;
