import type { SesEventSource } from 'kuratchi-sdk/internal/events';
/** Label/value pairs worth showing for one SES event of an email's timeline. */
export function timelineDetails(eventType: string, detail: Record<string, unknown>): Array<[string, string]> {
  const pairs: Array<[string, unknown]> = [];
  const first = (key: string) =>
    Array.isArray(detail[key]) ? (detail[key] as Array<Record<string, unknown>>)[0] : undefined;
  // Which recipients of a message to several the event concerns (To, CC and BCC alike).
  const addresses = (key: string) =>
    Array.isArray(detail[key])
      ? (detail[key] as unknown[])
          .map((r) => (typeof r === 'string' ? r : (r as Record<string, unknown>)?.['emailAddress']))
          .filter((a): a is string => typeof a === 'string')
          .join(', ')
      : undefined;
  switch (eventType) {
    case 'Bounce': {
      const recipient = first('bouncedRecipients');
      pairs.push(['Bounce type', `${String(detail['bounceType'])} / ${String(detail['bounceSubType'])}`]);
      pairs.push(
        ['Recipients', addresses('bouncedRecipients')],
        ['Diagnostic', recipient?.['diagnosticCode']],
        ['Status', recipient?.['status']],
        ['Reporting MTA', detail['reportingMTA']],
      );
      break;
    }
    case 'Delivery':
      pairs.push(
        ['Recipients', addresses('recipients')],
        ['SMTP response', detail['smtpResponse']],
        ['Reporting MTA', detail['reportingMTA']],
        [
          'Processing time',
          detail['processingTimeMillis'] !== undefined ? `${String(detail['processingTimeMillis'])} ms` : undefined,
        ],
      );
      break;
    case 'Open':
      pairs.push(['IP address', detail['ipAddress']], ['User agent', detail['userAgent']]);
      break;
    case 'Click':
      pairs.push(['Link', detail['link']], ['IP address', detail['ipAddress']], ['User agent', detail['userAgent']]);
      break;
    case 'DeliveryDelay':
      pairs.push(
        ['Delay type', detail['delayType']],
        ['Recipients', addresses('delayedRecipients')],
        ['Diagnostic', first('delayedRecipients')?.['diagnosticCode']],
        ['Gives up at', detail['expirationTime']],
      );
      break;
    case 'Complaint':
      pairs.push(
        ['Recipients', addresses('complainedRecipients')],
        ['Feedback type', detail['complaintFeedbackType']],
        ['Sub-type', detail['complaintSubType']],
        ['User agent', detail['userAgent']],
      );
      break;
    case 'Reject':
      pairs.push(['Reason', detail['reason']]);
      break;
    case 'Rendering Failure':
      pairs.push(['Template', detail['templateName']], ['Error', detail['errorMessage']]);
      break;
    case 'Subscription':
      pairs.push(
        ['Contact list', detail['contactList']],
        ['Source', detail['source']],
        ['New preferences', detail['newTopicPreferences'] ? JSON.stringify(detail['newTopicPreferences']) : undefined],
      );
      break;
  }
  return pairs
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined && pair[1] !== null && pair[1] !== '')
    .map(([label, value]) => [label, String(value)]);
}

/**
 * How the timeline names an event's source when it did not come straight from the webhook.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination.html
 */
export const SOURCE_LABELS: Record<SesEventSource, string> = {
  sns: 'SNS',
  redrive: 'SNS dead-letter queue',
  firehose: 'Firehose',
  import: 'import',
  rebuild: 'archive rebuild',
  reconcile: 'reconciliation',
};
