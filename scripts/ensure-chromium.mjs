// Makes sure the browser for the end-to-end tests is there: Debian's Chromium (never a browser
// downloaded by Playwright). Installs it with apt when missing and running as root; otherwise
// says what to do. CHROMIUM_PATH points the tests at another Chromium binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
if (!canInstall) {
  console.error(
    `✗ Chromium is not at ${path}. Install Debian's package (sudo apt-get install -y chromium) or set CHROMIUM_PATH.`,
  );
  process.exit(1);
}
console.log('• installing Debian chromium for the end-to-end tests (apt-get, about a minute)');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', 'chromium'],
]) {
  const run = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (run.status !== 0) {
    console.error(`✗ apt-get ${args.join(' ')} failed (${run.status})`);
    process.exit(1);
  }
}
if (!existsSync(path)) {
  console.error(`✗ apt installed chromium but ${path} is missing`);
  process.exit(1);
}
