import { error } from '@sveltejs/kit';
import { createD1EmailQueries, listProofEvents, createR2SnsArchive } from 'kuratchi-sdk/internal/d1';
import { buildProofBundle } from 'kuratchi-sdk/internal/events';
import { readRetentionSettings } from '../retention/settings';
import { retentionLookup } from '../retention/lookup';

/**
 * The proof bundle of one email of the signed-in user's active organisation (looked up in that
 * organisation's own database: another organisation's id is a 404), from the raw archive: the
 * original signed SNS messages of its events, their certificates, and the events not provable
 * (`archive-expired` when the archive's retention deleted the message), and `eventsExpired` with
 * the organisation's events cutoff when the email is older than it (its older events are purged).
 * `kuratchi-ses verify-proof` checks it offline (docs/security.md says what it proves).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/
 */
export async function proofResponse(
  locals: App.Locals,
  env: DashboardEnv | undefined,
  emailId: string,
  now: Date,
): Promise<Response> {
  if (!locals.session) error(401, 'Sign in first');
  const db = await locals.kuratchi.orgDatabaseClient(locals.session.organization.id);
  const email = await createD1EmailQueries(db).getEmail(emailId);
  if (!email) error(404, 'No such email');
  if (!email.sesMessageId) error(409, 'This email was never accepted by SES: there is nothing to prove');
  if (!env?.SES_ARCHIVE) error(409, 'The raw archive is not bound (SES_ARCHIVE): proofs need it');
  const organizationId = locals.session.organization.id;
  const cutoff = (await retentionLookup(env)([organizationId], now)).get(organizationId);
  const bundle = await buildProofBundle(createR2SnsArchive(env.SES_ARCHIVE), {
    emailId: email.id,
    sesMessageId: email.sesMessageId,
    events: await listProofEvents(db, email.id),
    now,
    // A message gone after KURATCHI_RETENTION_ARCHIVE_DAYS is named expired, not missing.
    archiveRetentionDays: readRetentionSettings(env).archiveDays,
    ...(cutoff ? { eventsRetention: { cutoff: cutoff.events, email } } : {}),
  });
  return new Response(JSON.stringify(bundle, null, 2), {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="proof-${email.id}.json"`,
      'cache-control': 'no-store',
    },
  });
}
