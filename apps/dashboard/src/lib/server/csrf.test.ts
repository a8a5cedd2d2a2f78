import { describe, expect, it } from 'vitest';
import { crossSiteFormRejection } from './csrf';

const APP = 'https://dash.example.com';
const post = (path: string, headers: Record<string, string>, body?: BodyInit) =>
  new Request(`${APP}${path}`, { method: 'POST', headers, ...(body !== undefined ? { body } : {}) });
const rejection = (request: Request) => crossSiteFormRejection(request, new URL(request.url))?.status ?? null;

describe('crossSiteFormRejection', () => {
  it('refuses a cross-site form post, and a post with no Content-Type at all (a body-less sign-out)', () => {
    const evil = { origin: 'https://evil.dash.example.com' };
    expect(
      rejection(post('/auth/signout', { ...evil, 'content-type': 'application/x-www-form-urlencoded' }, 'a=1')),
    ).toBe(403);
    expect(rejection(post('/auth/signout', evil))).toBe(403);
    expect(rejection(post('/auth/signout', {}))).toBe(403);
  });

  it('lets through the app’s own posts, JSON (a preflight guards it), and the exempt SNS webhook', () => {
    expect(rejection(post('/auth/signout', { origin: APP }))).toBeNull();
    expect(
      rejection(post('/auth/signout', { origin: APP, 'content-type': 'multipart/form-data; boundary=x' }, '--x--')),
    ).toBeNull();
    expect(rejection(post('/api/ops/reconcile', { 'content-type': 'application/json' }, '{}'))).toBeNull();
    // The operations API takes a bearer token, never the session cookie: a body-less POST is its own to judge.
    expect(rejection(post('/api/ops/canary', {}))).toBeNull();
    expect(
      rejection(post('/api/webhooks/ses-events', { 'content-type': 'text/plain; charset=UTF-8' }, '{}')),
    ).toBeNull();
    expect(rejection(new Request(`${APP}/emails`, { headers: { origin: 'https://evil.example' } }))).toBeNull();
  });
});
