import type { IncidentRecord } from './incident-store';

/** Which transition(s) one message announces. */
export type NoticeEvent = 'opened' | 'cleared' | 'opened-and-cleared';

/**
 * The JSON body POSTed to the alert webhook. `text` is what Slack's incoming webhooks show (and
 * Mattermost, Rocket.Chat, Google Chat read the same field; Discord through its `/slack` URL);
 * `alert` carries the same facts as data for tools that parse them.
 * @see https://api.slack.com/messaging/webhooks
 * @see https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks/
 */
export interface AlertWebhookBody {
  text: string;
  alert: {
    event: NoticeEvent;
    kind: IncidentRecord['kind'];
    key: string;
    severity: IncidentRecord['severity'];
    organizationId: string | null;
    title: string;
    detail: string;
    openedAt: string;
    clearedAt: string | null;
  };
}

/** The webhook body announcing `event` of `incident`. */
export function alertWebhookBody(incident: IncidentRecord, event: NoticeEvent): AlertWebhookBody {
  const opened = new Date(incident.openedAt).toISOString();
  const cleared = incident.clearedAt === null ? null : new Date(incident.clearedAt).toISOString();
  const lasted = incident.clearedAt === null ? '' : ` after ${duration(incident.clearedAt - incident.openedAt)}`;
  const text =
    event === 'opened'
      ? `[kuratchi ${incident.severity}] ${incident.title}\n${incident.detail}`
      : event === 'cleared'
        ? `[kuratchi cleared] ${incident.title} — cleared${lasted}`
        : `[kuratchi ${incident.severity}, already cleared] ${incident.title} — from ${opened} to ${cleared}${lasted}\n${incident.detail}`;
  return {
    text,
    alert: {
      event,
      kind: incident.kind,
      key: incident.key,
      severity: incident.severity,
      organizationId: incident.organizationId,
      title: incident.title,
      detail: incident.detail,
      openedAt: opened,
      clearedAt: cleared,
    },
  };
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}
