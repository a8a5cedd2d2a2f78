// Small helpers of the Node tools (benchmarks, demo, node tests) that run servers as child
// processes: a free port, a pause, whether a process group still lives, and a log's last lines.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; the probe is closed before
 * this resolves, so another process could take it in between).
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close(() => reject(new Error(`a TCP probe has no port: ${address}`)));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}

/**
 * Resolves after `ms` milliseconds.
 * @param {number} ms
 * @returns {Promise<void>}
 */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Whether any process of the process group `pgid` still runs (signal 0 tests without sending).
 * @param {number} pgid
 * @see https://nodejs.org/api/process.html#processkillpid-signal
 */
export function processGroupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The last `lines` lines of a log file, or `(no log)` when it cannot be read.
 * @param {string} file
 * @param {number} [lines]
 */
export function logTail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
