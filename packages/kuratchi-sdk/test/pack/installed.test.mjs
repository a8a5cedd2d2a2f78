// kuratchi-sdk as npm users get it: `npm pack` from a clean copy of the sources (prepack builds),
// the tarball installed into a scratch project outside the workspace (offline), and there: every
// `exports` entry resolves, the README's TypeScript examples type-check against the installed
// types, its first example runs in workerd (bundled by wrangler as a deploy would) with every
// subpath loaded beside it, and the installed `kuratchi-ses` answers `--help` for every command
// the README lists. Runs as its own phase of `pnpm test` (`pnpm run test:pack`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Miniflare, Response as MiniflareResponse } from 'miniflare';
import { applyMigrationFiles } from '../../../../scripts/d1-migration-files.mjs';
import { WRANGLER_BIN, wranglerEnv } from '../../../../scripts/lib/wrangler.mjs';
import { waitFor } from '../../../../scripts/wait-for.mjs';
import { installScratch, PACKAGE_DIR, packFromSources, PKG, run, scratchDir } from './packed.mjs';

/** The subpaths that are modules (every `exports` entry but files: the migrations, package.json). */
const MODULE_SUBPATHS = Object.entries(PKG.exports)
  .filter(([, target]) => typeof target === 'object')
  .map(([key]) => key);
/** `kuratchi-sdk/…` of an `exports` key. */
const specifier = (key) => `kuratchi-sdk/${key.slice(2)}`;

let dir = '';
/** @type {{ tarball: string, files: Array<{ path: string, mode: number }> }} */
let packed;
/** The scratch project, and the installed package in it. */
let app = '';
let installed = '';

before(() => {
  dir = scratchDir();
  packed = packFromSources(dir);
  app = installScratch(join(dir, 'app'), packed.tarball, ['typescript', '@cloudflare/workers-types']);
  installed = join(app, 'node_modules/kuratchi-sdk');
});

after(() => {
  if (dir && !process.env.KURATCHI_KEEP_PACK_SCRATCH) rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds every file exports and bin name, every migration, the README, and no tests, fixtures, sources or maps', () => {
    const files = new Map(packed.files.map((file) => [file.path, file.mode]));
    for (const [key, target] of Object.entries(PKG.exports)) {
      if (key.includes('*')) continue;
      for (const file of typeof target === 'string' ? [target] : Object.values(target))
        assert.ok(files.has(file.slice(2)), `exports ${key}: ${file} is in the tarball`);
    }
    for (const kind of ['admin', 'org'])
      for (const name of readdirSync(join(PACKAGE_DIR, 'migrations', kind)))
        assert.ok(files.has(`migrations/${kind}/${name}`), `migrations/${kind}/${name} is in the tarball`);
    for (const bin of Object.values(PKG.bin)) {
      const mode = files.get(bin.slice(2));
      assert.ok(mode !== undefined && (mode & 0o111) !== 0, `bin ${bin} is in the tarball, executable`);
    }
    assert.ok(files.has('README.md') && files.has('package.json'));
    const unwanted = [...files.keys()].filter((path) =>
      /\.test\.|\/fixtures\/|^src\/|^test\/|^scripts\/|\.map$/.test(path),
    );
    assert.deepEqual(unwanted, [], 'nothing but what users run and read');
  });
});

describe('the installed package', () => {
  it('resolves every exports entry, and each module subpath loads in Node unless it needs the Workers runtime', () => {
    const migrations = ['admin', 'org'].flatMap((kind) =>
      readdirSync(join(PACKAGE_DIR, 'migrations', kind)).map((name) => `kuratchi-sdk/migrations/${kind}/${name}`),
    );
    writeFileSync(
      join(app, 'resolve.mjs'),
      `import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const out = {};
for (const specifier of JSON.parse(process.argv[2])) {
  try {
    const url = import.meta.resolve(specifier);
    out[specifier] = url.endsWith('.js')
      ? { names: Object.keys(await import(specifier)).length }
      : { exists: existsSync(fileURLToPath(url)) };
  } catch (error) {
    out[specifier] = { error: error.message };
  }
}
console.log(JSON.stringify(out));
`,
    );
    const specifiers = [...MODULE_SUBPATHS.map(specifier), ...migrations, 'kuratchi-sdk/package.json'];
    const results = JSON.parse(run(process.execPath, ['resolve.mjs', JSON.stringify(specifiers)], app));
    for (const name of specifiers) {
      const result = results[name];
      if (result.error) assert.match(result.error, /cloudflare:/, `${name} fails in Node only for the Workers runtime`);
      else if ('names' in result) assert.ok(result.names > 0, `${name} exports something`);
      else assert.equal(result.exists, true, `${name} is a file`);
    }
    assert.deepEqual(
      specifiers.filter((name) => results[name].error),
      ['kuratchi-sdk/email/durable-object'],
      'only the Durable Object needs the Workers runtime',
    );
  });

  it("type-checks the README's TypeScript examples and every subpath against the installed types", () => {
    const examples = [...readFileSync(join(installed, 'README.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)];
    assert.ok(examples.length >= 1, 'the README has a TypeScript example');
    examples.forEach(([, code], i) => writeFileSync(join(app, `readme-${i + 1}.ts`), code));
    writeFileSync(
      join(app, 'subpaths.ts'),
      [
        ...MODULE_SUBPATHS.map((key, i) => `import * as m${i} from '${specifier(key)}';`),
        `export const subpaths = { ${MODULE_SUBPATHS.map((key, i) => `'${key}': m${i}`).join(', ')} };`,
        '',
      ].join('\n'),
    );
    copyFileSync(new URL('worker.ts', import.meta.url), join(app, 'worker.ts'));
    // A Worker's project, as the README says (workers-types in compilerOptions.types), checked with
    // skipLibCheck off: a .d.ts missing from the tarball, or naming what is not there, fails here.
    // The AWS SDK's declarations name Node's types (hence skipLibCheck on in a Worker's project):
    // their errors, and only theirs, are expected; skipLibCheck hides exactly those.
    const worker = {
      compilerOptions: {
        target: 'es2022',
        module: 'es2022',
        moduleResolution: 'bundler',
        lib: ['es2023'],
        types: ['@cloudflare/workers-types'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        allowImportingTsExtensions: true,
        verbatimModuleSyntax: true,
      },
      include: ['*.ts'],
    };
    const tsc = join(app, 'node_modules/typescript/bin/tsc');
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(worker));
    const checked = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
    const errors = checked.stdout.split('\n').filter((line) => /^\S.*\(\d+,\d+\): error /.test(line));
    assert.ok(checked.status === 0 || errors.length > 0, checked.stdout + checked.stderr);
    assert.deepEqual(
      errors.filter((line) => !/^node_modules\/\.pnpm\/@(?:smithy|aws-sdk)\+[^/]+\/.*\.d\.ts\(/.test(line)),
      [],
      'no error in the examples or in the declarations of kuratchi-sdk',
    );

    // A Node project (scripts, the CLI's users): Node's own resolution of the exports map.
    const node = {
      compilerOptions: {
        ...worker.compilerOptions,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        skipLibCheck: true,
      },
      include: ['subpaths.ts'],
    };
    writeFileSync(join(app, 'tsconfig.node.json'), JSON.stringify(node));
    run(process.execPath, [tsc, '-p', 'tsconfig.node.json'], app);
  });

  it("runs the README's first example in workerd, bundled from the installed package, with every subpath loaded", async (t) => {
    writeFileSync(
      join(app, 'wrangler.toml'),
      'name = "pack-test"\nmain = "worker.ts"\ncompatibility_date = "2026-05-01"\n',
    );
    const outdir = join(dir, 'bundle');
    const bundled = run(
      process.execPath,
      [WRANGLER_BIN, 'deploy', '--dry-run', '--outdir', outdir],
      app,
      wranglerEnv(),
    );
    t.diagnostic(bundled.split('\n').slice(-3).join(' '));

    const testing = await import(pathToFileURL(join(installed, PKG.exports['./email/testing'].import)).href);
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
    const signer = await testing.createSnsSigner();
    const certificate = await signer.fetchCertificate(signer.certUrlFor(topicArn));
    const mf = new Miniflare({
      modules: [
        {
          type: 'ESModule',
          path: join(outdir, 'worker.js'),
          contents: readFileSync(join(outdir, 'worker.js'), 'utf8'),
        },
      ],
      modulesRoot: outdir,
      compatibilityDate: '2026-05-01',
      d1Databases: ['ADMIN_DB'],
      d1Persist: false,
      durableObjects: { ORG_DO: { className: 'OrganizationDatabase', useSQLite: true } },
      durableObjectsPersist: false,
      queueProducers: { SES_EVENTS_QUEUE: 'kuratchi-ses-events' },
      queueConsumers: { 'kuratchi-ses-events': { maxBatchTimeout: 1 } },
      bindings: { SES_TOPIC_ARN: topicArn },
      // The SNS signing certificate, where the verifier fetches it; nothing else leaves workerd.
      outboundService: (request) =>
        request.url === signer.certUrlFor(topicArn)
          ? new MiniflareResponse(certificate)
          : new MiniflareResponse('not here', { status: 404 }),
    });
    try {
      const admin = await mf.getD1Database('ADMIN_DB');
      await applyMigrationFiles(admin, join(installed, 'migrations/admin'));

      const loaded = await (await mf.dispatchFetch('http://localhost/subpaths')).json();
      assert.deepEqual(Object.keys(loaded.names), MODULE_SUBPATHS, 'every module subpath loads in workerd');
      for (const [key, names] of Object.entries(loaded.names)) assert.ok(names.length > 0, `${key} exports something`);
      assert.deepEqual([loaded.verified, loaded.tampered], ['pack-test', 'SnsVerificationError']);

      const now = new Date();
      const event = testing.buildSesEvent({ eventType: 'Delivery', messageId: 'pack-ses-1', time: now });
      const message = await signer.sign({
        Type: 'Notification',
        MessageId: 'pack-sns-1',
        TopicArn: topicArn,
        Message: JSON.stringify(event),
        Timestamp: now.toISOString(),
      });
      const post = (body) =>
        mf.dispatchFetch('http://localhost/', {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
          body: JSON.stringify(body),
        });
      const forged = await post({ ...message, Message: JSON.stringify({ ...event, eventType: 'Bounce' }) });
      assert.equal(forged.status, 403, await forged.text());
      const queued = await post(message);
      assert.equal(queued.status, 200, await queued.clone().text());
      // The queue handler records it: no email row has that SES id yet, so it waits in the park.
      await waitFor(
        async () =>
          (await admin
            .prepare('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?')
            .bind('pack-ses-1')
            .first('n')) === 1,
        { what: 'the queued event parked by the queue handler', deadlineMs: 60_000 },
      );
      const swept = await (await mf.getWorker()).scheduled({ scheduledTime: now, cron: '*/10 * * * *' });
      assert.equal(swept.outcome, 'ok');
    } finally {
      await mf.dispose();
    }
  });

  it('runs the installed kuratchi-ses: --version from its bin file (shebang, executable), --help for every command the README lists', () => {
    const binFile = join(installed, PKG.bin['kuratchi-ses']);
    assert.equal(run(binFile, ['--version'], app).trim(), PKG.version);
    const bin = join(app, 'node_modules/.bin/kuratchi-ses');
    assert.match(run(bin, ['--help'], app), /^Usage: kuratchi-ses <command>/);
    const listed = [...readFileSync(join(installed, 'README.md'), 'utf8').matchAll(/^\| \[`([a-z-]+)`\]\(/gm)].map(
      (m) => m[1],
    );
    assert.ok(listed.length >= 16, `the README lists the commands (${listed.join(', ')})`);
    for (const command of listed)
      assert.match(run(bin, [command, '--help'], app), new RegExp(`^Usage: kuratchi-ses ${command}\\b`), command);
  });
});
