import { OPS_TOKEN_SECRET } from './release-steps.js';
import { tty } from '../terminal-text.js';
import type { Print } from '../command.js';

/** The webhook's path on the dashboard: the URL to give `kuratchi-ses setup`. */
export const WEBHOOK_PATH = '/api/webhooks/ses-events';

/** What the end of a deploy prints about. */
export interface DeployResult {
  /** The Worker's URL, when wrangler printed one. */
  url: string | null;
  /** The operations token set now (printed once), or null when one was set before. */
  token: string | null;
  dryRun: boolean;
  mode: 'queued' | 'direct';
  /** The allowed topics in the configuration. */
  topics: readonly string[];
}

/**
 * The end of a deploy: the Worker's URL, the operations token if it was set now (the only time it
 * is shown), the webhook URL for `kuratchi-ses setup`, and the next steps to a working
 * deployment: connect SES, allow its topic, create the first superadmin.
 */
export function printNextSteps(out: Print, result: DeployResult): void {
  const dashboard = result.url ?? '<the Worker URL wrangler deploy prints>';
  const webhook = `${dashboard}${WEBHOOK_PATH}`;
  out(tty``);
  out(
    result.dryRun
      ? tty`Dry run: nothing was changed. Run without --dry-run to do the above.`
      : tty`Deployed in ${result.mode} mode: ${dashboard}`,
  );
  if (result.token) {
    out(tty`Operations token (${OPS_TOKEN_SECRET}), shown once, keep it safe:`);
    out(tty`  ${result.token}`);
  }
  out(tty`Webhook URL for kuratchi-ses setup: ${webhook}`);
  out(tty`Next:`);
  out(tty`  1. npx kuratchi-ses setup --region <your SES region> --webhook-url ${webhook}`);
  out(
    result.topics.length
      ? tty`  2. allowed topics: ${result.topics.join(', ')} (add one with --topic-arn)`
      : tty`  2. npx kuratchi-ses deploy --topic-arn <the topic ARN setup prints>   (the webhook accepts only its allowed topics)`,
  );
  const token = result.token ? '<the token above>' : '<your operations token>';
  out(
    tty`  3. ${OPS_TOKEN_SECRET}=${token} npx kuratchi-ses user create --superadmin --email <you> --dashboard-url ${dashboard}`,
  );
}
