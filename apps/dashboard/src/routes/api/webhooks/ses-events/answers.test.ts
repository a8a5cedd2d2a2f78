import { env } from 'cloudflare:test';
import { WEBHOOK_CONTRACT } from 'kuratchi-sdk/internal/events';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { post, seedOrganizations } from '../../../../../test/support.js';

beforeAll(async () => {
  await seedOrganizations();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const counter = async (name: string) =>
  (
    await env.ADMIN_DB.prepare('SELECT count FROM ingestion_counters WHERE name = ?')
      .bind(name)
      .first<{ count: number }>()
  )?.count ?? 0;

/** POSTs once and returns the answer, the webhook's log lines (by console method) and how each counter moved. */
async function answered(body: BodyInit, options: Parameters<typeof post>[1], counters: string[]) {
  const before = await Promise.all(counters.map(counter));
  const info = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  const response = await post(body, options);
  const lines = (spy: typeof info) =>
    spy.mock.calls
      .map((call) => String(call[0]))
      .filter((line) => line.includes('"msg":"ses-webhook"'))
      .map((line) => JSON.parse(line));
  const logged = { info: lines(info), error: lines(error) };
  vi.restoreAllMocks();
  const after = await Promise.all(counters.map(counter));
  return { response, logged, moved: Object.fromEntries(counters.map((name, i) => [name, after[i]! - before[i]!])) };
}

function streamOf(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      sent += 16 * 1024;
    },
  });
}

describe('answers the route gives before the ingestor are logged and counted like the others', () => {
  it('misconfigured (503): one error line naming the problem, counted as received, not as rejected', async () => {
    const { response, logged, moved } = await answered('{}', { env: { KURATCHI_ALLOWED_TOPIC_ARNS: 'not-a-topic' } }, [
      'received',
      'outcome:unavailable',
      'rejected:misconfigured',
    ]);
    expect(response.status).toBe(WEBHOOK_CONTRACT.misconfigured.status);
    expect(await response.json()).toEqual({ outcome: 'unavailable', code: 'misconfigured' });
    expect(logged.info).toEqual([]);
    expect(logged.error).toHaveLength(1);
    expect(logged.error[0]).toMatchObject({
      msg: 'ses-webhook',
      outcome: 'unavailable',
      code: 'misconfigured',
      status: 503,
    });
    expect(logged.error[0].error).toContain('KURATCHI_ALLOWED_TOPIC_ARNS');
    expect(typeof logged.error[0].ms).toBe('number');
    expect(moved).toEqual({ received: 1, 'outcome:unavailable': 1, 'rejected:misconfigured': 0 });
  });

  it('misconfigured without ADMIN_DB: logged, and nothing to count in', async () => {
    const { response, logged } = await answered('{}', { env: { ADMIN_DB: undefined } }, []);
    expect(response.status).toBe(503);
    expect(logged.error).toHaveLength(1);
    expect(logged.error[0]).toMatchObject({ code: 'misconfigured', status: 503 });
    expect(logged.error[0].error).toContain('ADMIN_DB');
  });

  const refusals: Array<[string, BodyInit, Parameters<typeof post>[1], number, string]> = [
    ['unauthorized', '{}', { env: { KURATCHI_WEBHOOK_BASIC_AUTH: 'sns:s3cret-Pa55' } }, 401, 'unauthorized'],
    ['too large (streamed)', streamOf(300 * 1024), {}, 413, 'too-large'],
    ['too large (declared)', 'x'.repeat(256 * 1024 + 1), {}, 413, 'too-large'],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), {}, 400, 'not-utf8'],
  ];
  for (const [name, body, options, status, code] of refusals) {
    it(`${name} (${status}): one info line and a rejected:${code} count`, async () => {
      const { response, logged, moved } = await answered(body, options, ['received', `rejected:${code}`]);
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ code });
      expect(logged.error).toEqual([]);
      expect(logged.info).toHaveLength(1);
      expect(logged.info[0]).toMatchObject({ msg: 'ses-webhook', code, status });
      expect(moved).toEqual({ received: 1, [`rejected:${code}`]: 1 });
    });
  }
});
