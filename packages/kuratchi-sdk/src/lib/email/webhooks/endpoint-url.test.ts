import { describe, expect, it } from 'vitest';
import { parseWebhookEndpointUrl } from './endpoint-url.js';
import { WebhookEndpointError } from './errors.js';

function refusal(text: string, development = false): string {
  try {
    parseWebhookEndpointUrl(text, { development });
  } catch (error) {
    if (error instanceof WebhookEndpointError && error.code === 'invalid-url') return error.message;
    throw error;
  }
  return 'accepted';
}

describe('parseWebhookEndpointUrl', () => {
  it('accepts https on a public name or address', () => {
    expect(parseWebhookEndpointUrl(' https://hooks.example.com/kuratchi?x=1 ').href).toBe(
      'https://hooks.example.com/kuratchi?x=1',
    );
    expect(refusal('https://203.0.113.9:8443/in')).toBe('accepted');
    expect(refusal('https://[2001:db8::1]/in')).toBe('accepted');
  });

  it('refuses anything but https, and credentials in the URL', () => {
    expect(refusal('http://hooks.example.com/')).toBe('must use https');
    expect(refusal('ftp://hooks.example.com/')).toBe('must use https');
    expect(refusal('hooks.example.com')).toMatch(/not a URL/);
    expect(refusal('https://user:pw@hooks.example.com/')).toMatch(/user name or password/);
  });

  it.each([
    'https://127.0.0.1/',
    'https://127.1/',
    'https://0x7f000001/',
    'https://10.1.2.3/',
    'https://172.20.0.1/',
    'https://192.168.1.1/',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/',
    'https://0.0.0.0/',
    'https://[::1]/',
    'https://[fe80::1]/',
    'https://[fd00::1]/',
    'https://[::ffff:10.0.0.1]/',
    'https://localhost/',
    'https://api.localhost/',
    'https://printer.local/',
    'https://db.internal/',
    'https://localhost./',
    'https://db.internal../',
    'https://[::127.0.0.1]/',
    'https://[64:ff9b::a00:1]/',
    'https://[64:ff9b:1::1]/',
    'https://[2002:7f00:1::]/',
  ])('refuses a private, loopback or link-local host: %s', (text) => {
    expect(refusal(text)).toMatch(/private, loopback or link-local/);
  });

  it('in development allows http://127.0.0.1 only, nothing else private', () => {
    expect(refusal('http://127.0.0.1:8862/hook', true)).toBe('accepted');
    expect(refusal('http://127.0.0.1:8862/hook')).toBe('must use https');
    expect(refusal('http://10.0.0.1/hook', true)).toBe('must use https');
    expect(refusal('https://192.168.0.2/hook', true)).toMatch(/private/);
    expect(refusal('http://localhost:8862/hook', true)).toBe('must use https');
  });
});
