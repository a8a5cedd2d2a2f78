import {
  addTally,
  applySesEventMessages,
  createIngestionTally,
  unsignedEventMessages,
  type SesEventQueueMessage,
} from 'kuratchi-sdk/internal/events';
import { z } from 'zod';
import type { DashboardConfig } from '../config';
import { d1EventSink } from '../event-sink';
import { addCount, countAfterResponse } from 'kuratchi-sdk/internal/tracking';
import { readJsonBody } from './request';

/**
 * Most records per request: the consumer's batch size, whose D1 cost (a handful of queries per
 * event) fits one Worker invocation's query limit.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export const IMPORT_MAX_RECORDS = 100;

/** What became of one imported record; `refused`: not an SES event record; `retry`: try it again. */
export type ImportOutcome =
  'applied' | 'duplicate' | 'parked' | 'orphaned' | 'dead-lettered' | 'expired' | 'unreadable' | 'refused' | 'retry';

const importBody = z
  .object({
    records: z.array(z.string().min(1).max(262_144)).min(1).max(IMPORT_MAX_RECORDS),
  })
  .strict();

/**
 * `POST /api/ops/events/import` with JSON `{ records: [ "<SES event record JSON>", … ] }` (≤100):
 * the records `kuratchi-ses import` read from Firehose's S3 objects, applied inside the request
 * as unsigned events of source `import` (`unsignedSesEventMessage`: their identity is their
 * content, so importing a file twice, or a record that also came by SNS or Firehose, counts
 * once). Answers `{ outcomes }`, one per record in order; 503 when any is `retry` (a database
 * error): the CLI sends those again. Trusted because the caller holds the ops token: these
 * records carry no SNS signature.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-firehose-contents.html
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function importEvents(
  platform: App.Platform | undefined,
  config: DashboardConfig,
  request: Request,
  now: Date,
): Promise<Response> {
  const body = await readJsonBody(request, importBody);
  if ('refusal' in body) return body.refusal;
  const results = await unsignedEventMessages(body.data.records, 'import', now);
  const messages: SesEventQueueMessage[] = [];
  const at: number[] = [];
  const outcomes: ImportOutcome[] = results.map((result, i) => {
    if ('refused' in result) return 'refused';
    at.push(i);
    messages.push(result.message);
    return 'retry';
  });
  const tally = createIngestionTally();
  addCount(tally.counts, 'import:refused', outcomes.length - messages.length);
  const sink = d1EventSink(platform!.env, config);
  if (messages.length) {
    // Recorded, and judged by retention's cutoffs, at this request's time.
    const applied = await applySesEventMessages({ ...sink, now: () => now }, messages);
    applied.outcomes.forEach((outcome, j) => (outcomes[at[j]!] = outcome));
    addTally(tally, applied, false); // old events: outcomes counted, lags not
  }
  void countAfterResponse(sink.adminStore, platform?.context, 'ses-import', tally, now.getTime());
  const retry = outcomes.includes('retry');
  console[retry ? 'error' : 'log'](
    JSON.stringify({ msg: 'ses-import', records: outcomes.length, counts: Object.fromEntries(tally.counts) }),
  );
  return Response.json({ outcomes }, { status: retry ? 503 : 200 });
}
