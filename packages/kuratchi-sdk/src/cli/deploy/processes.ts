import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** What a finished process printed and its exit status. */
export interface ProcessResult {
  status: number;
  stdout: string;
  stderr: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` in the directories of `PATH`, or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/**
 * The wrangler `kuratchi-ses deploy` runs: `wrangler` on `PATH` (`npx` and `pnpm exec` put the
 * clone's node_modules/.bin first, so that is the repository's pinned wrangler), else
 * `node_modules/.bin/wrangler` in `fromDir` or a directory above it (the clone's, when run
 * otherwise); null when neither exists.
 */
export function findWrangler(fromDir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const onPath = findOnPath('wrangler', env);
  if (onPath) return onPath;
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '.bin', 'wrangler');
    if (isExecutable(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Runs `command args` in `cwd` with its stdin closed after `input` (so that wrangler, seeing no
 * terminal, never prompts: it reads a secret's value from stdin and applies migrations without
 * asking), and collects what it prints.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#secret-put
 */
export function runProcess(
  command: string,
  args: readonly string[],
  { cwd, input = '', env = process.env }: { cwd: string; input?: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ status: 127, stdout, stderr: `${stderr}${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ status: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on('error', () => {}); // a process that exits without reading its input
    child.stdin.end(input);
  });
}
