import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { freePort, logTail, processGroupAlive, sleep } from '../../../scripts/lib/processes.mjs';
import { PRODUCTION_CONFIG, ROOT, runWrangler, WRANGLER_BIN, wranglerEnv } from '../../../scripts/lib/wrangler.mjs';
import { waitFor } from '../../../scripts/wait-for.mjs';

/**
 * A deployment as a new user gets it: the shipped wrangler.toml on `wrangler dev`, its admin
 * database migrated and otherwise empty (no demo seed, no user, no organisation), on a free
 * port and a state directory of its own, so it runs beside the demo server of the other specs.
 */
export interface FreshDeployment {
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** Stops wrangler dev (and workerd, its process group); the state stays for a restart. */
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev` with the production configuration (`wrangler.toml`: what
 * `kuratchi-ses deploy` deploys) on `stateDir` with `vars` (as `--var`): with `empty`, the directory is
 * emptied first and the admin migrations applied, as `kuratchi-ses deploy` applies them; without,
 * it starts again on what an earlier run left (a redeploy with other settings).
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#dev
 * @see https://developers.cloudflare.com/d1/reference/migrations/
 */
export async function startDeployment(
  stateDir: string,
  vars: Record<string, string>,
  { empty, deadlineMs }: { empty: boolean; deadlineMs: number },
): Promise<FreshDeployment> {
  if (empty) {
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true });
    const migrated = runWrangler(['d1', 'migrations', 'apply', 'ADMIN_DB', '--local', '--persist-to', stateDir], {
      timeoutMs: deadlineMs,
      config: PRODUCTION_CONFIG,
    });
    if (migrated.status !== 0) throw new Error(`migrating ADMIN_DB failed:\n${migrated.stdout}\n${migrated.stderr}`);
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = join(stateDir, `wrangler-${port}.log`);
  const log = createWriteStream(logFile);
  const server = spawn(
    process.execPath,
    [
      WRANGLER_BIN,
      'dev',
      '--config',
      PRODUCTION_CONFIG,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--show-interactive-dev-session=false',
      '--persist-to',
      stateDir,
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ],
    { cwd: ROOT, env: wranglerEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const pid = server.pid!;
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    server.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) process.kill(-pid, 'SIGTERM');
    await Promise.race([exit, sleep(10_000)]);
    const deadline = Date.now() + 10_000;
    while (processGroupAlive(pid) && Date.now() < deadline) await sleep(200);
    if (processGroupAlive(pid)) process.kill(-pid, 'SIGKILL');
  };
  try {
    await waitFor(
      async () => {
        const response = await fetch(`${base}/auth/signin`);
        await response.body?.cancel();
        return response.status === 200;
      },
      {
        deadlineMs,
        what: `the fresh deployment to answer on ${base}/auth/signin`,
        intervalMs: 300,
        giveUp: () => exited && `wrangler dev exited:\n${logTail(logFile)}`,
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, stop };
}

/** The built `kuratchi-ses` as a user runs it (packages/kuratchi-sdk/dist), with `env` added. */
export function kuratchiSes(args: string[], env: Record<string, string>) {
  const run = spawnSync(process.execPath, [join(ROOT, 'packages/kuratchi-sdk/dist/cli/kuratchi-ses.js'), ...args], {
    env: { PATH: process.env.PATH, HOME: '/nonexistent-kuratchi-home', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A SendEmail the local SES received: its JSON body and the MessageId it answered. */
export interface SentMail {
  messageId: string;
  body: {
    FromEmailAddress: string;
    Destination: { ToAddresses: string[] };
    Content: { Simple: { Subject: { Data: string }; Body: { Text?: { Data: string }; Html?: unknown } } };
  };
}

/**
 * The Worker's SES for the test (its AWS_ENDPOINT_URL): a loopback HTTP server that accepts each
 * SESv2 SendEmail with a MessageId of its own and keeps what it received. It publishes no events:
 * the test posts them, signed, as SNS would.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export async function startLocalSes(): Promise<{ endpoint: string; sent: SentMail[]; close: () => void }> {
  const sent: SentMail[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v2/email/outbound-emails') {
        const messageId = `0100fresh-${String(sent.length + 1).padStart(6, '0')}-000000`;
        sent.push({ messageId, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ MessageId: messageId }));
        return;
      }
      res
        .writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'BadRequestException' })
        .end(JSON.stringify({ message: `not simulated: ${req.method} ${req.url}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${address.port}`, sent, close: () => server.close() };
}
