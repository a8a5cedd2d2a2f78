import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { readConfig } from './config';
import { webhookTracking } from './tracking';

/** The façade the webhook answers with is kept per env and development certificate, never shared. */
describe('webhookTracking', () => {
  const local = new URL('http://127.0.0.1/api/webhooks/ses-events');
  const remote = new URL('https://dashboard.example/api/webhooks/ses-events');

  it('is made once per env, and again for another env', () => {
    const one = { ...env } as DashboardEnv;
    const tracking = webhookTracking(one, readConfig(one), remote);
    expect(webhookTracking(one, readConfig(one), remote)).toBe(tracking);
    const other = { ...env } as DashboardEnv;
    expect(webhookTracking(other, readConfig(other), remote)).not.toBe(tracking);
    // The same configuration handed with another env (never readConfig's view) is not trusted either.
    expect(webhookTracking(other, readConfig(one), remote)).not.toBe(tracking);
  });

  it('in development, a loopback host (the demo certificate) and another host get their own', () => {
    const development = {
      ...env,
      KURATCHI_ENVIRONMENT: 'development',
      KURATCHI_SNS_DEV_CERTIFICATE_PEM: env.TEST_SIGNER_CERT_PEM,
    } as unknown as DashboardEnv;
    const config = readConfig(development);
    const loopback = webhookTracking(development, config, local);
    expect(webhookTracking(development, config, local)).toBe(loopback);
    expect(webhookTracking(development, config, remote)).not.toBe(loopback);
  });
});
