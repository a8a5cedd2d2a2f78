import { setupSESEventTracking, type SetupReport } from 'kuratchi-sdk/email';

/** The seed's call, as written: flat credentials and a topic of yours; nothing is subscribed here. */
export async function seedSetup(
  region: string,
  accessKeyId: string,
  secretAccessKey: string,
  snsTopicArn: string,
  configurationSetName: string,
): Promise<SetupReport> {
  const report = await setupSESEventTracking({
    region,
    accessKeyId,
    secretAccessKey,
    snsTopicArn,
    configurationSetName,
  });
  // What only you can do: the statement your topic's policy lacks, the subscription to make.
  for (const step of report.nextSteps) console.log('to do:', step);
  return report;
}
