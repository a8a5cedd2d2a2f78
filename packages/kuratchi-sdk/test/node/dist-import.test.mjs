// Runs in plain Node (not workerd): the built package resolves through its `exports` map and its
// verifier works on Node's WebCrypto, exactly as a consumer would import it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('kuratchi-sdk/email exports the ingestion API from dist/', async () => {
  // The ingestion API lives in the subpaths of its concerns (verify, events, d1).
  const email = {
    ...(await import('kuratchi-sdk/internal/verify')),
    ...(await import('kuratchi-sdk/internal/events')),
    ...(await import('kuratchi-sdk/internal/d1')),
  };
  for (const name of [
    'verifySnsMessage',
    'parseSnsMessage',
    'parseSesEvent',
    'applyEvent',
    'createSesEventIngestor',
    'applyParkedEvents',
    'consumeSesEventBatch',
    'consumeSesEventQueue',
    'deadLetterSesEventQueue',
    'readSesEventQueueMessage',
    'createOrgBindingCache',
    'createD1AdminStore',
    'createD1OrgEmailStore',
    'getAdminDb',
    'createOrgDatabaseClient',
    'SnsMessageError',
    'SnsVerificationError',
    'SesEventParseError',
  ]) {
    assert.equal(typeof email[name], 'function', `${name} is exported`);
  }
});

test('a message signed by the testing signer verifies with the built verifier, and a tampered one does not', async () => {
  const { verifySnsMessage, SnsVerificationError } = await import('kuratchi-sdk/internal/verify');
  const { createSnsSigner } = await import('kuratchi-sdk/email/testing');
  const signer = await createSnsSigner();
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: 'node-dist-check',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events',
    Message: '{"eventType":"Open"}',
    Timestamp: new Date().toISOString(),
  });
  const options = { fetchCertificate: signer.fetchCertificate, allowedTopicArns: [signed.TopicArn] };
  const verified = await verifySnsMessage(JSON.stringify(signed), options);
  assert.equal(verified.MessageId, 'node-dist-check');
  await assert.rejects(verifySnsMessage({ ...signed, Message: '{"eventType":"Click"}' }, options), (error) => {
    assert.ok(error instanceof SnsVerificationError);
    assert.equal(error.code, 'signature-mismatch');
    return true;
  });
});
