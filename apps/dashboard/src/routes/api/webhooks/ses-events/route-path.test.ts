import { SES_WEBHOOK_PATH } from 'kuratchi-sdk/internal/events';
import { describe, expect, it } from 'vitest';
import { isPublicPath } from '../../../../lib/server/auth/guard';
import { crossSiteFormRejection } from '../../../../lib/server/csrf';

/** Every `+server.ts` of the app, as source text, keyed by its file path. */
const endpoints = import.meta.glob<string>('/src/routes/**/+server.ts', {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** The URL path a SvelteKit route file serves: its directory under src/routes, without `(group)` segments. */
function routePath(file: string): string {
  const directory = file.replace(/^\/src\/routes/, '').replace(/\/\+server\.ts$/, '');
  return (
    directory
      .split('/')
      .filter((segment) => !/^\(.*\)$/.test(segment))
      .join('/') || '/'
  );
}

const snsPost = (path: string) =>
  new Request(`http://127.0.0.1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
    body: '{}',
  });

describe('SES_WEBHOOK_PATH is where the webhook is', () => {
  it('is the directory of the only route that hands requests to the SES webhook', () => {
    const webhookRoutes = Object.entries(endpoints)
      .filter(([, source]) => source.includes('handleSesWebhook'))
      .map(([file]) => routePath(file));
    expect(Object.keys(endpoints).length).toBeGreaterThan(1);
    expect(webhookRoutes).toEqual([SES_WEBHOOK_PATH]);
  });

  it('is the path the CSRF check exempts, and no neighbour of it', () => {
    expect(
      crossSiteFormRejection(snsPost(SES_WEBHOOK_PATH), new URL(`http://127.0.0.1${SES_WEBHOOK_PATH}`)),
    ).toBeNull();
    for (const path of [`${SES_WEBHOOK_PATH}/`, `${SES_WEBHOOK_PATH}x`, '/api/webhooks']) {
      expect(crossSiteFormRejection(snsPost(path), new URL(`http://127.0.0.1${path}`))?.status, path).toBe(403);
    }
  });

  it('is the path the sign-in guard lets through, and no neighbour of it', () => {
    expect(isPublicPath(SES_WEBHOOK_PATH)).toBe(true);
    expect([`${SES_WEBHOOK_PATH}/`, `${SES_WEBHOOK_PATH}x`, '/api/webhooks'].map(isPublicPath)).toEqual([
      false,
      false,
      false,
    ]);
  });
});
