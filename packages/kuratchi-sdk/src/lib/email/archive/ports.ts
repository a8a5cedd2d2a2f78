/**
 * The port of the raw archive of verified SNS messages (implemented on R2 by `r2-sns-archive.ts`).
 */

/**
 * What the raw archive keeps beside each SNS message (R2 `customMetadata`): enough to list an
 * organisation's messages and check a proof without reading every body.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2putoptions
 */
export interface ArchivedSnsMessageMetadata {
  type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  topicArn: string;
  snsMessageId: string;
  /** The SNS Timestamp as SNS wrote it (ISO 8601). */
  snsTimestamp: string;
  /** The SigningCertURL, normalised, and the archive key of its certificate. */
  certificateUrl: string;
  certificateKey: string;
  /** SHA-256 (hex) of the certificate PEM that verified the signature, recorded at archive time. */
  certificateSha256: string;
  /** A Notification of an SES event: its SES message id and event type. */
  sesMessageId?: string;
  eventType?: string;
}

/**
 * One SNS message as the archive keeps it: its POST body as received (with its signature) and its
 * metadata. The queue consumer archives these in batches (`archiveSnsMessageBatch`).
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html
 */
export interface ArchivedSnsMessage {
  body: string;
  metadata: ArchivedSnsMessageMetadata;
}

/**
 * One archived SNS message as listed: its key and metadata (bodies are read one by one).
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2listoptions
 */
export interface ArchivedSnsMessageEntry {
  key: string;
  metadata: ArchivedSnsMessageMetadata;
}

/**
 * A page of the archive's SNS messages, in key order (so by SNS Timestamp, hour by hour), and the
 * cursor of the next page (absent on the last).
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2objects-definition
 */
export interface ArchivedSnsMessagePage {
  entries: ArchivedSnsMessageEntry[];
  cursor?: string;
}

/**
 * The raw archive of verified SNS messages (an R2 bucket: `createR2SnsArchive`).
 * Every call may throw (R2 unavailable): the ingestor answers 5xx then, so SNS retries and
 * nothing is applied unarchived.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/
 */
export interface SnsArchive {
  /** Stores an SNS POST body byte for byte (UTF-8 of `body`) under `key`, with its metadata. */
  putMessage(key: string, body: string, metadata: ArchivedSnsMessageMetadata): Promise<void>;
  /**
   * Stores several SNS messages as one batch object under `key` (`sns-archive-batch.ts` says its
   * layout); each is then read at `<key>#<SNS MessageId>` (`batchEntryKey`).
   */
  putBatch(key: string, messages: readonly ArchivedSnsMessage[]): Promise<void>;
  /**
   * Stores a signing certificate's PEM under `key` unless it is there already (one object per
   * certificate URL), with its URL and SHA-256 as metadata.
   */
  putCertificate(key: string, pem: string, metadata: { url: string; sha256: string }): Promise<void>;
  /**
   * The archived body at `key` (a message's own object, or `<batch key>#<SNS MessageId>`), its metadata, and when it was stored (R2's `uploaded`, set by R2:
   * whoever writes the bucket cannot choose it), or null when there is none.
   */
  getMessage(key: string): Promise<{ body: string; metadata: ArchivedSnsMessageMetadata; uploaded: Date } | null>;
  /** The archived certificate PEM at `key`, or null when there is none. */
  getCertificate(key: string): Promise<string | null>;
  /**
   * Archived SNS messages whose key starts with `prefix` (default `sns/`), in key order, after
   * `cursor` (a page's) or else after the key `startAfter`: the messages of up to `limit` objects,
   * a batch object's each listed at its entry key, and at most `limit` messages unless one batch
   * object holds more.
   */
  listMessages(options: {
    prefix?: string;
    cursor?: string;
    startAfter?: string;
    limit: number;
  }): Promise<ArchivedSnsMessagePage>;
}
