import { getSESEventTrackingStatus, setupSESEventTracking } from 'kuratchi-sdk/email';

const webhookUrl = 'https://dash.example.com/api/webhooks/ses-events';

// Once per deployment, from Node (credentials from the AWS SDK's default chain).
const report = await setupSESEventTracking({ region: 'eu-west-1', webhookUrl });
for (const step of report.steps) console.log(step.status, step.step, step.detail, step.error ?? '');
console.log('add to KURATCHI_ALLOWED_TOPIC_ARNS:', report.topicArn);

const status = await getSESEventTrackingStatus({ region: 'eu-west-1', webhookUrl });
if (!status.ready) console.log(status.problems);
