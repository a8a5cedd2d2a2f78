import { z } from 'zod';
import { readBoundedBytes, readBoundedGzip } from '../shared/bounded-body.js';
import { MAX_FIREHOSE_BODY_BYTES, MAX_FIREHOSE_RECORDS } from './firehose-limits.js';

/**
 * Path of the dashboard's Firehose HTTP endpoint: the URL of the Firehose stream's HTTP endpoint
 * destination is `https://<dashboard host>` + this path.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-http
 */
export const SES_FIREHOSE_PATH = '/api/firehose/ses-events';

/**
 * Header carrying the access key configured on the Firehose stream's HTTP endpoint destination,
 * copied verbatim (at most 4096 bytes).
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export const FIREHOSE_ACCESS_KEY_HEADER = 'x-amz-firehose-access-key';

/**
 * Header carrying the request id, an opaque GUID that stays the same across the attempts of one
 * request; logged, and echoed in every answer when the body cannot be read.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export const FIREHOSE_REQUEST_ID_HEADER = 'x-amz-firehose-request-id';

export { MAX_FIREHOSE_BODY_BYTES, MAX_FIREHOSE_RECORDS } from './firehose-limits.js';

/**
 * One Firehose HTTP endpoint delivery request, validated: its request id, the time Firehose
 * sent it (epoch ms) and each record's data, still base64 as sent.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export interface FirehoseRequest {
  requestId: string;
  timestamp: number;
  records: string[];
}

/** Why a Firehose request was refused, with the HTTP status to answer. */
export type FirehoseRequestErrorCode = 'too-large' | 'malformed' | 'unsupported-encoding';

/** The request is not a Firehose HTTP endpoint delivery request this endpoint can read. */
export class FirehoseRequestError extends Error {
  override readonly name = 'FirehoseRequestError';
  constructor(
    readonly code: FirehoseRequestErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The HTTP status of this refusal: 413, 415 or 400. */
  get status(): 400 | 413 | 415 {
    return this.code === 'too-large' ? 413 : this.code === 'unsupported-encoding' ? 415 : 400;
  }
}

const requestSchema = z.object({
  requestId: z.string().min(1).max(1024),
  timestamp: z.number().finite(),
  records: z.array(z.object({ data: z.string() })).max(MAX_FIREHOSE_RECORDS),
});

/**
 * Reads and validates a Firehose HTTP endpoint delivery request: the body (gzip-decoded when
 * `Content-Encoding: gzip`, with DecompressionStream), at most `maxBytes` before and after
 * decoding, as the JSON `{ requestId, timestamp, records: [{ data }] }`. Does not check the
 * access key (the caller does, before reading anything). Web-standard.
 * @throws {FirehoseRequestError} `too-large` (413), `unsupported-encoding` (415), `malformed` (400:
 *   not gzip though declared, not UTF-8, not JSON, or not of that shape, named field by field).
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 * @see https://developer.mozilla.org/en-US/docs/Web/API/DecompressionStream
 */
export async function readFirehoseRequest(
  request: Request,
  maxBytes: number = MAX_FIREHOSE_BODY_BYTES,
): Promise<FirehoseRequest> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const encoding = (request.headers.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip') {
    throw new FirehoseRequestError('unsupported-encoding', `Content-Encoding ${encoding} is not supported (gzip only)`);
  }
  let bytes = await readBoundedBytes(request.body, maxBytes);
  if (!bytes) throw tooLarge(maxBytes);
  if (encoding === 'gzip') bytes = await gunzip(bytes, maxBytes);

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new FirehoseRequestError('malformed', 'the body is not UTF-8 JSON');
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'too_big' && issue.path.join('.') === 'records') {
      throw new FirehoseRequestError('too-large', `more than ${MAX_FIREHOSE_RECORDS} records in one request`);
    }
    throw new FirehoseRequestError('malformed', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return {
    requestId: parsed.data.requestId,
    timestamp: parsed.data.timestamp,
    records: parsed.data.records.map((record) => record.data),
  };
}

async function gunzip(bytes: Uint8Array<ArrayBuffer>, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  let decoded: Uint8Array<ArrayBuffer> | null;
  try {
    decoded = await readBoundedGzip(bytes, maxBytes);
  } catch {
    throw new FirehoseRequestError('malformed', 'the body is not valid gzip (Content-Encoding: gzip)');
  }
  if (!decoded) throw tooLarge(maxBytes);
  return decoded;
}

function tooLarge(maxBytes: number): FirehoseRequestError {
  return new FirehoseRequestError('too-large', `the body is larger than ${maxBytes} bytes`);
}

/**
 * The answer Firehose expects: JSON `{ requestId, timestamp, errorMessage? }` with the request's
 * id echoed and the time of the answer. Firehose counts only 200 as delivered and retries
 * everything else (any other status, a malformed answer, a timeout after 3 minutes) until the
 * stream's retry duration runs out, then backs the records up to S3 when configured.
 * @param requestId the request's id: the body's, else the `X-Amz-Firehose-Request-Id` header's.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 * @see https://docs.aws.amazon.com/firehose/latest/dev/http_troubleshooting.html
 */
export function firehoseAnswer(requestId: string, status: number, now: Date, errorMessage?: string): Response {
  return Response.json(
    { requestId, timestamp: now.getTime(), ...(errorMessage === undefined ? {} : { errorMessage }) },
    { status },
  );
}
