// Runs the built `kuratchi-ses` (dist/cli/kuratchi-ses.js) as a child process, the way a user
// runs the package's bin, and collects its output and exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/kuratchi-ses.js', import.meta.url));

/** Environment of every run: no real AWS configuration can leak in, and nothing reaches AWS. */
export const BASE_ENV = {
  PATH: process.env.PATH,
  HOME: '/nonexistent-kuratchi-home',
  AWS_CONFIG_FILE: '/nonexistent-kuratchi-aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent-kuratchi-aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Fake credentials for runs against the fake AWS endpoint. */
export const FAKE_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDKURATCHICLI', AWS_SECRET_ACCESS_KEY: 'kuratchi-cli-secret' };

/** Runs the CLI; resolves to { code, stdout, stderr }. */
export function runCli(args, { env = {}, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...BASE_ENV, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
