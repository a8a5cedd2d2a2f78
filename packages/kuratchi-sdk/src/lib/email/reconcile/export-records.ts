import type { GetMessageInsightsResponse, InsightsEvent } from '@aws-sdk/client-sesv2';

/**
 * The records of a message-insights export file (`DataFormat` JSON), in file order; `null` for
 * an entry that is not a message-insights record (counted, never applied).
 *
 * The API reference documents the job (CreateExportJob, ExportDestination `DataFormat` CSV|JSON)
 * but not the layout of the file it writes. This reads each record as the message-insights object
 * the same API documents for one message (GetMessageInsights' response: `MessageId`,
 * `FromEmailAddress`, `Subject`, `EmailTags`, `Insights[]` of `Destination`, `Isp`, `Events[]` of
 * `Timestamp`, `Type`, `Details`), whether the file is one JSON array or one record per line,
 * with `Timestamp` as epoch seconds (REST-JSON) or an ISO 8601 string. A record without `MessageId`
 * and `Insights` (for instance a flat row with only `LastDeliveryEvent`, which carries no event
 * time and so could never match SES's own copy of the event) is `null`.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ExportDestination.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_InsightsEvent.html
 */
export function readExportRecords(text: string): Array<GetMessageInsightsResponse | null> {
  const trimmed = text.trim();
  if (!trimmed) return [];
  let entries: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      entries = Array.isArray(parsed) ? parsed : [null];
    } catch {
      entries = [null];
    }
  } else {
    entries = trimmed
      .split('\n')
      .filter((line) => line.trim())
      .map(parseLine);
  }
  return entries.map(insightsRecord);
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

function insightsRecord(entry: unknown): GetMessageInsightsResponse | null {
  if (!entry || typeof entry !== 'object') return null;
  const record = entry as Record<string, unknown>;
  if (typeof record['MessageId'] !== 'string' || !Array.isArray(record['Insights'])) return null;
  const insights = (record['Insights'] as unknown[]).flatMap((item) => {
    if (!item || typeof item !== 'object') return [];
    const insight = item as Record<string, unknown>;
    const events = Array.isArray(insight['Events']) ? (insight['Events'] as unknown[]).flatMap(insightsEvent) : [];
    return [{ ...insight, Events: events }];
  });
  return { ...(record as GetMessageInsightsResponse), Insights: insights };
}

function insightsEvent(item: unknown): InsightsEvent[] {
  if (!item || typeof item !== 'object') return [];
  const event = item as Record<string, unknown>;
  const at = event['Timestamp'];
  const time = typeof at === 'number' ? new Date(at * 1000) : typeof at === 'string' ? new Date(at) : undefined;
  if (!time || Number.isNaN(time.getTime())) return [];
  return [{ ...(event as InsightsEvent), Timestamp: time }];
}

/** An export file none of whose entries is a message-insights record: its layout is not the one we read. */
export class ExportFileShapeError extends Error {
  override name = 'ExportFileShapeError';
}

/**
 * The records of a whole export file, refused (an {@link ExportFileShapeError}) when it has
 * entries and none is a message-insights record: a layout other than the one
 * {@link readExportRecords} assumes (undocumented, so it may change) must stop the import with a
 * clear error, not import nothing. A file with some such entries among records is read (they are
 * counted as unreadable); an empty file has nothing to import.
 */
export function requireInsightsRecords<T>(records: ReadonlyArray<T | null>, url: string): Array<T | null> {
  if (records.length > 0 && records.every((record) => record === null))
    throw new ExportFileShapeError(
      `the export file at ${url} has ${records.length} entries and none is a message-insights record (MessageId and Insights[]): its layout is not the one this importer reads; nothing imported`,
    );
  return [...records];
}
