// The Worker the pack test bundles in its scratch project: the README's first example as written
// (`./readme-1.ts`, copied from the installed README), plus one route that loads every subpath
// of the installed package in workerd and signs and verifies an SNS message with them.
import readme from './readme-1.ts';
import { subpaths } from './subpaths.ts';
import { verifySnsMessage } from 'kuratchi-sdk/email';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';

export * from './readme-1.ts';

/** The names each subpath exports in workerd, and whether a signed message verifies (and a tampered one does not). */
async function loaded(): Promise<Response> {
  const names = Object.fromEntries(Object.entries(subpaths).map(([key, module]) => [key, Object.keys(module).sort()]));
  const signer = await createSnsSigner();
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: 'pack-test',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events',
    Message: '{"eventType":"Open"}',
    Timestamp: new Date().toISOString(),
  });
  const options = { fetchCertificate: signer.fetchCertificate, allowedTopicArns: [signed.TopicArn] };
  const verified = (await verifySnsMessage(JSON.stringify(signed), options)).MessageId;
  const tampered = await verifySnsMessage({ ...signed, Message: '{"eventType":"Click"}' }, options).then(
    () => 'accepted',
    (error: Error) => error.name,
  );
  return Response.json({ names, verified, tampered });
}

export default {
  ...readme,
  fetch: (request, env, ctx) =>
    new URL(request.url).pathname === '/subpaths' ? loaded() : readme.fetch(request, env, ctx),
} satisfies typeof readme;
