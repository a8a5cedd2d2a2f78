import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { buildSesEvent, createSnsSigner, type SesEventSpec, type SnsSigner } from 'kuratchi-sdk/email/testing';
import { base64ToBytes } from 'kuratchi-sdk/internal/encoding';
import { durableObjectDatabase } from 'kuratchi-sdk/internal/d1';

export const TOPIC = env.KURATCHI_ALLOWED_TOPIC_ARNS;
export const WEBHOOK = 'http://127.0.0.1/api/webhooks/ses-events';
/** Acme and Globex on D1 bindings, Initech on its Durable Object (ORG_DO). */
export const ORGS = { acme: 'org-acme', globex: 'org-globex', initech: 'org-initech' } as const;

/** The signer whose certificate the test outbound service serves at its SNS URL. */
export function testSigner(): Promise<SnsSigner> {
  return createSnsSigner({
    certUrl: env.TEST_SIGNER_CERT_URL,
    certificate: { pem: env.TEST_SIGNER_CERT_PEM, privateKeyPkcs8: base64ToBytes(env.TEST_SIGNER_KEY_PKCS8).buffer },
  });
}

/** Registers the test organisations (idempotent). */
export async function seedOrganizations(): Promise<void> {
  await env.ADMIN_DB.batch(
    [
      [ORGS.acme, 'Acme', 'd1', 'ORG_DB_ACME'],
      [ORGS.globex, 'Globex', 'd1', 'ORG_DB_GLOBEX'],
      [ORGS.initech, 'Initech', 'durable-object', 'ORG_DO'],
    ].map(([id, name, kind, binding]) =>
      env.ADMIN_DB.prepare(
        `INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, ?, ?, ?, 0)
         ON CONFLICT (id) DO NOTHING`,
      ).bind(id, name, kind, binding),
    ),
  );
}

/**
 * Lets a test put a fresh organisation on a D1 binding the tests share: one organisation per D1
 * database (admin migration 0016), and the tests have two. The organisations that held it are
 * pointed at no database.
 */
export async function releaseD1Binding(binding: string): Promise<void> {
  await env.ADMIN_DB.batch([
    env.ADMIN_DB.prepare(
      `UPDATE organizations SET database_binding = 'RELEASED_' || id WHERE database_kind = 'd1' AND database_binding = ?`,
    ).bind(binding),
    env.ADMIN_DB.prepare('UPDATE organizations SET former_d1_binding = NULL WHERE former_d1_binding = ?').bind(binding),
  ]);
}

/** Initech's database: its object in ORG_DO, through D1's API (kuratchi-sdk's durableObjectDatabase). */
export function initechDatabase(): D1Database {
  return durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(ORGS.initech)) as never);
}

/** An email row plus its lookup row, as sendEmail writes them. */
export async function sentEmail(db: D1Database, organizationId: string) {
  const emailId = crypto.randomUUID();
  const sesMessageId = `ses-${emailId}`;
  await db
    .prepare(
      `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
       VALUES (?, ?, 'sender@example.com', 'Hello', 'pending', ?, 1, 1)`,
    )
    .bind(emailId, `${emailId}@example.com`, sesMessageId)
    .run();
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, organizationId, emailId)
    .run();
  return { emailId, sesMessageId, recipient: `${emailId}@example.com` };
}

/** A signed Notification carrying an SES event, as SNS would POST it. */
export async function signedEvent(
  signer: SnsSigner,
  spec: Omit<SesEventSpec, 'time'> & { time?: Date },
  overrides: Record<string, unknown> = {},
) {
  const event = buildSesEvent({ time: new Date(Date.now() - 60_000), ...spec });
  return JSON.stringify(
    await signer.sign({
      Type: 'Notification',
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: JSON.stringify(event),
      Timestamp: new Date().toISOString(),
      ...overrides,
    } as never),
  );
}

/** POSTs to the built Worker as SNS does (text/plain, no Origin), with an optional env override. */
export async function post(
  body: BodyInit,
  options: { url?: string; headers?: Record<string, string>; env?: Record<string, unknown> } = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(options.url ?? WEBHOOK, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
      ...options.headers,
    },
    body,
  });
  const response = await worker.fetch!(request as never, { ...env, ...options.env }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** Requests the Worker sent out since the last call. */
export async function takeOutbound(): Promise<Array<{ method: string; url: string }>> {
  return (await env.OUTBOUND_LOG.fetch('http://outbound.log/')).json();
}

/** A fingerprint of every table the webhook may write (to prove a refusal wrote nothing). */
export async function writes(): Promise<string> {
  const counts = await Promise.all(
    [
      [env.ADMIN_DB, 'parked_email_events'],
      [env.ADMIN_DB, 'email_event_dead_letters'],
      [env.ADMIN_DB, 'sns_subscription_messages'],
      [env.ADMIN_DB, 'email_message_lookup'],
      [env.ORG_DB_ACME, 'email_events'],
      [env.ORG_DB_GLOBEX, 'email_events'],
      [env.ORG_DB_ACME, 'email_suppressions'],
      [env.ORG_DB_ACME, "emails WHERE status != 'pending'"],
    ].map(
      async ([db, table]) =>
        (await (db as D1Database).prepare(`SELECT count(*) AS n FROM ${table as string}`).first<{ n: number }>())?.n,
    ),
  );
  return counts.join(',');
}
