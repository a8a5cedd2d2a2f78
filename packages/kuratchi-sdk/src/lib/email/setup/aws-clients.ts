import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { clientCredentials } from './credentials.js';
import type { SesEventTrackingClients, SesEventTrackingTarget } from './options.js';

/**
 * The SNS, SESv2, SQS and STS clients of one run: the injected ones, the others created for the
 * target's region, credentials (nested or flat: `credentials.ts`), profile and endpoint override.
 */
export function resolveClients(target: SesEventTrackingTarget): SesEventTrackingClients {
  const credentials = clientCredentials(target);
  const config = {
    region: target.region,
    ...(credentials ? { credentials } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    ...(target.awsEndpoint ? { endpoint: target.awsEndpoint } : {}),
  };
  return {
    sns: target.clients?.sns ?? new SNSClient(config),
    sesv2: target.clients?.sesv2 ?? new SESv2Client(config),
    sts: target.clients?.sts ?? new STSClient(config),
    sqs: target.clients?.sqs ?? new SQSClient(config),
  };
}
