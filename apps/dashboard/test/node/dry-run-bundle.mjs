// The dashboard Worker as `wrangler deploy --dry-run` bundles it from the root wrangler.toml (the
// production configuration), offline, built once for all the node tests of a run rather than once
// per test file: the bundle is kept in .wrangler/node-tests/dry-run with a stamp of its inputs (the
// sizes and times of the files it is made from), and rebuilt whenever they changed. First the
// configuration goes through `kuratchi-ses deploy`'s own check: one that cannot deploy the
// dashboard (a placeholder id, no admin database, no organisation namespace, a queue nobody
// consumes) fails every test that serves the bundle.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import {
  deployConfigProblems,
  readDeployConfig,
} from '../../../../packages/kuratchi-sdk/dist/cli/deploy/wrangler-config.js';
import { bundleDashboard, PRODUCTION_CONFIG, ROOT as root } from '../../../../scripts/lib/wrangler.mjs';

const kept = join(root, 'apps/dashboard/.wrangler/node-tests/dry-run');
/** What the bundle is made of: wrangler.toml, our entry and its sources, the adapter's build, the SDK's. */
const INPUTS = [
  'wrangler.toml',
  'apps/dashboard/src',
  'apps/dashboard/.svelte-kit/cloudflare',
  'packages/kuratchi-sdk/dist',
];

function stampOf() {
  const lines = [];
  const visit = (path) => {
    if (!existsSync(path)) return lines.push(`${relative(root, path)} missing`);
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path).sort()) visit(join(path, entry));
    else lines.push(`${relative(root, path)} ${stat.size} ${stat.mtimeMs}`);
  };
  for (const input of INPUTS) visit(join(root, input));
  return lines.join('\n');
}

/**
 * The bundle's directory (`worker.js` in it) and what wrangler printed (`output`: the bindings
 * it listed); built now unless the kept one was made from the same inputs.
 * @returns {{ dir: string, output: string }}
 */
export function dryRunBundle() {
  const problems = deployConfigProblems(readDeployConfig(readFileSync(PRODUCTION_CONFIG, 'utf8')));
  if (problems.length) throw new Error(`wrangler.toml cannot deploy the dashboard:\n- ${problems.join('\n- ')}`);
  const stamp = stampOf();
  if (existsSync(join(kept, 'stamp.txt')) && readFileSync(join(kept, 'stamp.txt'), 'utf8') === stamp)
    return { dir: kept, output: readFileSync(join(kept, 'output.txt'), 'utf8') };
  mkdirSync(join(kept, '..'), { recursive: true });
  const dir = mkdtempSync(join(kept, '..', 'building-'));
  const output = bundleDashboard(dir);
  writeFileSync(join(dir, 'output.txt'), output);
  writeFileSync(join(dir, 'stamp.txt'), stamp);
  try {
    rmSync(kept, { recursive: true, force: true });
    renameSync(dir, kept);
    return { dir: kept, output };
  } catch {
    return { dir, output }; // another test file kept its own meanwhile: use this one
  }
}
