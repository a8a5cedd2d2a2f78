// Keeps every core busy, to prove the suite does not depend on an idle machine: run a suite with
// this beside it (docs/guides/develop.md). One busy worker thread per core (or CPU_HOG_THREADS), until
// the command given after `--` exits (its exit code is passed on), or for CPU_HOG_SECONDS, or
// until Ctrl-C.
//   node scripts/cpu-hog.mjs -- npx -y pnpm@12.4.2 --filter dashboard test:e2e
//   CPU_HOG_SECONDS=600 node scripts/cpu-hog.mjs
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';

if (!isMainThread) {
  // Busy work that the optimiser cannot drop; a worker thread ends when the process does.
  let x = 0;
  for (;;) x = (x * 1103515245 + 12345) % 2147483648;
}

const threads = Number(process.env.CPU_HOG_THREADS ?? availableParallelism());
const seconds = Number(process.env.CPU_HOG_SECONDS ?? 0);
if (!Number.isInteger(threads) || threads < 1) {
  console.error(`✗ CPU_HOG_THREADS must be a positive integer, not ${JSON.stringify(process.env.CPU_HOG_THREADS)}`);
  process.exit(2);
}
if (!Number.isFinite(seconds) || seconds < 0) {
  console.error(
    `✗ CPU_HOG_SECONDS must be a number of seconds ≥ 0, not ${JSON.stringify(process.env.CPU_HOG_SECONDS)}`,
  );
  process.exit(2);
}

for (let i = 0; i < threads; i++) new Worker(new URL(import.meta.url));
const command = process.argv.slice(process.argv.indexOf('--') + 1);
const hasCommand = process.argv.includes('--') && command.length > 0;
console.error(
  `• cpu-hog: ${threads} busy thread(s)${hasCommand ? ` while ${command.join(' ')} runs` : seconds ? ` for ${seconds} s` : ' until Ctrl-C'}`,
);
if (seconds) setTimeout(() => process.exit(0), seconds * 1000);
if (hasCommand) {
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => child.kill(signal));
}
