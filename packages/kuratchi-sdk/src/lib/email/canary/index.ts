/**
 * `kuratchi-sdk/internal/canary`: canary runs through the SES mailbox simulator. Each run sends a few
 * emails through `sendEmail` (so they take the real path: configuration set, tags, tracking rows)
 * to the simulator, records the events each must produce, and measures how long each takes to come
 * back through SES, SNS, the webhook, the queue and D1. Canary emails are marked (`emails.canary`)
 * and kept out of the organisation's statistics. Re-exports only. Loads the AWS SDK's SESv2 client.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 * @module
 */
export {
  startCanaryRun,
  checkCanaryRun,
  checkWaitingCanaryRuns,
  latestCanaryRuns,
  DEFAULT_CANARY_DEADLINE_MS,
} from './canary-run.js';
export type { CanaryConfig, CanaryReadConfig } from './canary-run.js';
export { decideCanaryRun, canaryRunReport } from './decide.js';
export { CANARY_SCENARIOS, CANARY_TAG, CANARY_EMAIL_TYPE } from './scenarios.js';
export type { CanaryScenario } from './scenarios.js';
export type { CanaryRun, CanaryRunReport, CanaryRunStatus, CanaryExpectedEvent, CanaryTrigger } from './types.js';
export {
  MAILBOX_SIMULATOR_DOMAIN,
  MAILBOX_SIMULATOR_SCENARIOS,
  mailboxSimulatorAddress,
  isMailboxSimulatorAddress,
} from '../shared/mailbox-simulator.js';
export type { MailboxSimulatorScenario } from '../shared/mailbox-simulator.js';
