import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW, testIso } from '../../../../test/clock.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { SnsVerificationError, type SnsMessageError } from '../sns/errors.js';
import { ingestionCounterNames } from './answer-figures.js';
import { parseSnsMessage } from '../sns/sns-message.js';
import { verifySnsMessage } from '../sns/sns-verify.js';
import {
  snsRetriesStatus,
  WEBHOOK_CONTRACT,
  WEBHOOK_RULES,
  webhookAnswer,
  type WebhookAnswer,
} from './webhook-contract.js';

const docs = import.meta.glob<string>('../../../../../../docs/webhook.md', {
  query: '?raw',
  import: 'default',
  eager: true,
});
const answers = Object.entries(WEBHOOK_CONTRACT) as Array<[WebhookAnswer, (typeof WEBHOOK_CONTRACT)[WebhookAnswer]]>;
const named = (test: (rule: (typeof WEBHOOK_CONTRACT)[WebhookAnswer]) => boolean) =>
  answers
    .filter(([, rule]) => test(rule))
    .map(([name]) => name)
    .sort();

describe('the webhook contract (ARCHITECTURE.md, "The webhook contract")', () => {
  it('answers 200 for what was processed, a duplicate, parked, expired or deliberately ignored', () => {
    expect(named((r) => r.status === 200)).toEqual(
      [
        'applied',
        'dead-lettered',
        'duplicate',
        'expired',
        'ignored',
        'orphaned',
        'parked',
        'queued',
        'subscription-confirmed',
        'unsubscribe-recorded',
      ].sort(),
    );
  });

  it('answers 400 malformed, 401 unauthorized, 403 forbidden and 413 too large, each counted as rejected', () => {
    expect(
      answers.filter(([, r]) => r.status >= 400 && r.status < 500).map(([name, r]) => [name, r.status, r.outcome]),
    ).toEqual([
      ['malformed', 400, 'malformed'],
      ['unauthorized', 401, 'forbidden'],
      ['forbidden', 403, 'forbidden'],
      ['too-large', 413, 'too-large'],
    ]);
    expect(named((r) => r.rejected)).toEqual(['forbidden', 'malformed', 'too-large', 'unauthorized']);
  });

  it('answers 5xx only for what a retry can fix, and SNS retries exactly those', () => {
    expect(named((r) => r.status >= 500)).toEqual([
      'internal-error',
      'misconfigured',
      'subscription-failed',
      'unavailable',
    ]);
    expect(named((r) => r.snsRetries)).toEqual([
      'internal-error',
      'misconfigured',
      'subscription-failed',
      'unavailable',
    ]);
  });

  it('logs every 5xx as an error and everything else as info', () => {
    expect(named((r) => r.logLevel === 'error')).toEqual(named((r) => r.status >= 500));
  });

  it('follows AWS on retries: 5xx and 429 are retried, no other 4xx', () => {
    expect([500, 502, 503, 504, 599, 429].map(snsRetriesStatus)).toEqual([true, true, true, true, true, true]);
    expect([200, 204, 400, 401, 403, 404, 413, 499, 600].map(snsRetriesStatus)).toEqual(Array(9).fill(false));
  });
});

describe('webhookAnswer', () => {
  it('takes the status and outcome from the contract, and puts the code in body and log', () => {
    expect(webhookAnswer('unauthorized', {}, 'unauthorized')).toEqual({
      answer: 'unauthorized',
      status: 401,
      body: { outcome: 'forbidden', code: 'unauthorized' },
      log: { outcome: 'forbidden', code: 'unauthorized' },
    });
    const misconfigured = webhookAnswer('misconfigured', { error: 'ADMIN_DB is missing' }, 'misconfigured');
    expect(misconfigured).toMatchObject({ status: 503, body: { outcome: 'unavailable', code: 'misconfigured' } });
    expect(misconfigured.log).toEqual({ outcome: 'unavailable', code: 'misconfigured', error: 'ADMIN_DB is missing' });
    expect(JSON.stringify(misconfigured.body)).not.toContain('ADMIN_DB');
  });

  it('counts an answer as rejected exactly when the contract says so', () => {
    expect(ingestionCounterNames(webhookAnswer('unauthorized', {}, 'unauthorized'))).toEqual([
      'received',
      'outcome:forbidden',
      'rejected:unauthorized',
    ]);
    expect(ingestionCounterNames(webhookAnswer('malformed', {}, 'not-utf8'))).toEqual([
      'received',
      'outcome:malformed',
      'rejected:not-utf8',
    ]);
    expect(ingestionCounterNames(webhookAnswer('misconfigured', {}, 'misconfigured'))).toEqual([
      'received',
      'outcome:unavailable',
    ]);
    expect(ingestionCounterNames(webhookAnswer('applied', { type: 'Notification' }))).toEqual([
      'received',
      'outcome:applied',
      'verified',
      'notification',
    ]);
  });
});

describe('WEBHOOK_RULES name the limits in force', () => {
  const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
  let signer: SnsSigner;
  beforeAll(async () => {
    signer = await createSnsSigner();
  });
  const signed = (offsetMs: number) =>
    signer.sign({
      Type: 'Notification',
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: '{}',
      Timestamp: testIso(offsetMs),
    });
  const verify = async (offsetMs: number) =>
    verifySnsMessage(await signed(offsetMs), {
      now: TEST_NOW,
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
    }).then(
      () => 'verified',
      (error: SnsVerificationError) => error.code,
    );

  it('the body limit is the one parseSnsMessage applies', () => {
    const codeOf = (body: string) => {
      try {
        parseSnsMessage(body);
        return 'parsed';
      } catch (error) {
        return (error as SnsMessageError).code;
      }
    };
    // At the limit the body is read (and is simply not an envelope); one byte more is too large.
    expect(codeOf(`"${'x'.repeat(WEBHOOK_RULES.maxBodyBytes - 2)}"`)).toBe('invalid-envelope');
    expect(codeOf(`"${'x'.repeat(WEBHOOK_RULES.maxBodyBytes - 1)}"`)).toBe('too-large');
  });

  it('the Timestamp window is the one verification applies by default', async () => {
    expect(await verify(-WEBHOOK_RULES.maxAgeSeconds * 1000)).toBe('verified');
    expect(await verify(-WEBHOOK_RULES.maxAgeSeconds * 1000 - 1)).toBe('timestamp-too-old');
    expect(await verify(WEBHOOK_RULES.maxFutureSkewSeconds * 1000)).toBe('verified');
    expect(await verify(WEBHOOK_RULES.maxFutureSkewSeconds * 1000 + 1)).toBe('timestamp-in-future');
  });

  it('the SigningCertURL rule is the one verification applies', () => {
    expect(WEBHOOK_RULES.signingCertPath.test(signer.certPath)).toBe(true);
    expect(
      WEBHOOK_RULES.assertSigningCertUrl(`https://sns.eu-west-1.amazonaws.com${signer.certPath}`, TOPIC).pathname,
    ).toBe(signer.certPath);
    expect(() => WEBHOOK_RULES.assertSigningCertUrl('https://sns.eu-west-1.amazonaws.com/cert.pem', TOPIC)).toThrow(
      SnsVerificationError,
    );
    expect(WEBHOOK_RULES.maxAgeSeconds * 1000).toBeLessThanOrEqual(WEBHOOK_RULES.snsRetryWindowMs);
  });
});

describe('docs/webhook.md', () => {
  const text = Object.values(docs)[0] ?? '';
  const rows = statusTable(text);

  it('has the status table', () => {
    expect(Object.keys(docs)).toHaveLength(1);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('lists every answer of the contract, with its status, outcome, retries, rejection, log level and meaning', () => {
    const expected = answers.map(([name, r]) => ({
      answer: name,
      status: String(r.status),
      outcome: r.outcome,
      'SNS retries': r.snsRetries ? 'yes' : 'no',
      rejected: r.rejected ? 'yes' : 'no',
      log: r.logLevel,
      meaning: r.meaning,
    }));
    expect(rows).toEqual(expected);
  });
});

/** The rows of the table whose header starts with `answer`, as objects keyed by header (backticks dropped). */
function statusTable(markdown: string): Array<Record<string, string>> {
  const lines = markdown.split('\n').map((line) => line.trim());
  const start = lines.findIndex((line) => /^\|\s*answer\s*\|/.test(line));
  if (start < 0) return [];
  const cells = (line: string) =>
    line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split('|')
      .map((cell) => cell.trim());
  const header = cells(lines[start]!).map((cell) => cell.replace(/`/g, ''));
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const values = cells(line);
    rows.push(
      Object.fromEntries(
        header.map((name, i) => [name, i === header.length - 1 ? values[i]! : values[i]!.replace(/`/g, '')]),
      ),
    );
  }
  return rows;
}
