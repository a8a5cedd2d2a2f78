import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';
import { bytesToBase64 } from 'kuratchi-sdk/internal/encoding';
import { createFakeHttp } from './test/fake-http-server.ts';

/**
 * Test files that need an isolate of their own: they watch its outbound requests or its archive,
 * where an isolate fetches and archives the signing certificate once.
 */
const FRESH_ISOLATE = [
  'src/routes/api/webhooks/ses-events/archive.test.ts',
  'src/routes/api/webhooks/ses-events/server.test.ts',
  'src/routes/api/webhooks/ses-events/attack-corpus.test.ts',
  'src/routes/api/ops/sns/redrive/redrive.test.ts',
  'src/routes/api/ops/rebuild/ops.test.ts',
  'src/routes/(app)/emails/[id]/proof.test.ts',
  // Hundreds of organisation objects: in the shared workerd, every later file's setup would empty
  // and migrate each of them again (test/apply-migrations.ts), minutes per file.
  'src/lib/server/scheduled/invocation-budget.test.ts',
  'src/lib/server/alerts/providers/events-stopped.test.ts',
];

/** Info lines of the Worker's log that the tests do not print (see `onConsoleLog` below). */
const QUIET_LOG = /^\{"msg":"ses-queue",|^\{"msg":"ses-webhook",.*"status":200,"ms":\d+\}\s*$/;

/** The SNS topic the test Worker accepts. */
export const TEST_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';

/**
 * Route tests run the real SvelteKit build (`.svelte-kit/cloudflare/_worker.js`, built by
 * `vite build` first, inside our entry src/worker.ts) inside workerd with local D1. Every outbound request of the Worker (the
 * signing-certificate fetch, the SubscribeURL visit) goes to `outboundService` below, here in
 * Node: it serves the test signer's certificate at its SNS URL, answers SubscribeURLs, and
 * records every request, which tests read back through the OUTBOUND_LOG service binding.
 */
export default defineConfig(async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const signer = await createSnsSigner();
  const certUrl = signer.certUrlFor(TEST_TOPIC_ARN);
  const outbound: Array<{ method: string; url: string }> = [];
  const fakeHttp = createFakeHttp();

  return {
    resolve: {
      // $worker: the Worker as deployed (our entry, src/worker.ts, around the adapter's build).
      alias: {
        $worker: fileURLToPath(new URL('./src/worker.ts', import.meta.url)),
        '$sveltekit-worker': fileURLToPath(new URL('./.svelte-kit/cloudflare/_worker.js', import.meta.url)),
      },
    },
    plugins: [
      cloudflareTest({
        // Exports the organisation Durable Object class (ORG_DO below).
        main: './test/durable-objects-worker.ts',
        miniflare: {
          compatibilityDate: '2026-05-01',
          d1Databases: ['ADMIN_DB', 'ORG_DB_ACME', 'ORG_DB_GLOBEX'],
          // Organisations on SQLite-backed Durable Objects, as wrangler.toml binds them.
          durableObjects: { ORG_DO: { className: 'OrganizationDatabase', useSQLite: true } },
          // The raw archive on local R2, bound under a test name: the tests that archive pass it
          // as SES_ARCHIVE (`post(..., { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE } })`), the
          // others run without it, as a deployment without the binding does.
          r2Buckets: ['TEST_SES_ARCHIVE'],
          bindings: {
            KURATCHI_ENVIRONMENT: 'production',
            KURATCHI_ALLOWED_TOPIC_ARNS: TEST_TOPIC_ARN,
            ADMIN_MIGRATIONS: await readD1Migrations(`${root}/packages/kuratchi-sdk/migrations/admin`),
            ORG_MIGRATIONS: await readD1Migrations(`${root}/packages/kuratchi-sdk/migrations/org`),
            TEST_SIGNER_CERT_URL: certUrl,
            TEST_SIGNER_CERT_PEM: signer.certificatePem,
            TEST_SIGNER_KEY_PKCS8: bytesToBase64(new Uint8Array(signer.certificate.privateKeyPkcs8)),
            // test/clock.ts: the pinned `now` of the unit tests, moved by the time-shift check.
            KURATCHI_TEST_NOW: process.env.KURATCHI_TEST_NOW ?? '',
          },
          outboundService: async (request: Request) => {
            outbound.push({ method: request.method, url: request.url });
            const scripted = await fakeHttp.answer(request);
            if (scripted) return scripted;
            if (request.url === certUrl) return new Response(signer.certificatePem);
            const url = new URL(request.url);
            if (url.searchParams.get('Action') === 'Redirect') {
              return new Response(null, { status: 302, headers: { location: 'https://evil.example/confirm' } });
            }
            if (url.searchParams.get('Action') === 'ConfirmSubscription') {
              return new Response('<ConfirmSubscriptionResponse/>', { headers: { 'content-type': 'text/xml' } });
            }
            return new Response('not found', { status: 404 });
          },
          serviceBindings: {
            OUTBOUND_LOG: async () => Response.json(outbound.splice(0)),
            // test/fake-http.ts: scripts answers for a host (a fake SESv2 endpoint, an alert
            // webhook) and reads back the requests it received.
            FAKE_HTTP: (request: Request) => fakeHttp.control(request),
          },
        },
      }),
    ],
    test: {
      setupFiles: ['./test/apply-migrations.ts'],
      // One workerd for most files (loading the Worker's bundle once per file cost seconds each):
      // each file starts from empty storage (test/apply-migrations.ts). The files that watch what
      // a fresh isolate does first (fetch and archive the signing certificate) get their own.
      projects: [
        {
          extends: true,
          test: { name: 'shared', include: ['src/**/*.test.ts'], exclude: FRESH_ISOLATE, isolate: false },
        },
        { extends: true, test: { name: 'fresh', include: FRESH_ISOLATE, isolate: true } },
      ],
      // Tests here drive workerd and local D1 (property runs, fault injection): a per-test limit
      // is a hang detector, not a speed target (speed lives in pnpm bench), so it leaves room
      // for a 2-core CI machine shared with other work (a test taking 5 s idle took 50 s with
      // both cores busy elsewhere); the few longer tests set their own.
      testTimeout: 300_000,
      hookTimeout: 300_000,
      // The Worker's one-line JSON log of each answered request and consumed batch (thousands in
      // the soak and property runs) is noise here, and printing it costs the suite time; warnings
      // and errors are kept.
      onConsoleLog: (log, type) => !(type === 'stdout' && QUIET_LOG.test(log)),
    },
  };
});
