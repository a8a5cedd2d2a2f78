import { env } from 'cloudflare:test';
import type { FakeHttpAnswer, FakeHttpRequest } from './fake-http-server';

export type { FakeHttpAnswer, FakeHttpRequest };

/**
 * Scripts the answers of `host` for the Worker's outbound requests (test/fake-http-server.ts)
 * and forgets what it received before. Use a host of the test's own, e.g. `ses.canary.test`,
 * and point the Worker at it (`AWS_ENDPOINT_URL: 'https://ses.canary.test'`).
 */
export async function scriptHost(host: string, answers: FakeHttpAnswer[]): Promise<void> {
  const response = await env.FAKE_HTTP.fetch(`http://fake/script?host=${encodeURIComponent(host)}`, {
    method: 'PUT',
    body: JSON.stringify(answers),
  });
  if (response.status !== 204) throw new Error(`fake-http script: ${response.status} ${await response.text()}`);
}

/** The requests `host` received since it was scripted, in order. */
export async function requestsTo(host: string): Promise<FakeHttpRequest[]> {
  const response = await env.FAKE_HTTP.fetch(`http://fake/requests?host=${encodeURIComponent(host)}`);
  return response.json();
}
