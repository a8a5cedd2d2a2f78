import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of docs/architecture.md, read off the import specifiers of every source
 * file under src/lib/email (tests and fixtures excluded: they may wire slices together).
 * A folder is one slice; an import may only point at a slice its folder is allowed to use, so the
 * graph stays one-way (from what calls to what is called):
 * - `model.ts` (the tracking vocabulary), `shared/` (code more than one slice needs) and `ses/`
 *   (the one SESv2 client) import nothing of the others;
 * - `sns/` proves a POST comes from AWS: shared/;
 * - `ses-events/` says what an SES event means: model.ts, shared/;
 * - `routing/` finds an event's organisation, records it there or parks it, dead-letters it:
 *   ses-events/, model.ts, shared/;
 * - `archive/` keeps the raw SNS messages and proves events from them: sns/, ses-events/, model.ts, shared/;
 * - `organizations/` is where each organisation's database lives and its move: routing/, archive/,
 *   model.ts, shared/;
 * - `ingest/` is every way events come in: sns/, ses-events/, routing/, archive/, model.ts, shared/;
 * - `tenants/` (one SES tenant per organisation): ses/, model.ts, shared/;
 * - `guard/` (the reputation guard): tenants/, ses/, model.ts, shared/;
 * - `send/` records and sends: routing/, organizations/, guard/, tenants/, ses-events/, ses/, model.ts, shared/;
 * - `email-log/` reads the email log: routing/ (the email row's columns), send/ (the suppression
 *   list), model.ts, shared/;
 * - `setup/` (AWS resources): sns/, model.ts, shared/ (never send/);
 * - `reconcile/` asks SES about emails with no outcome: ingest/, routing/, ses-events/, ses/, model.ts, shared/;
 * - `canary/` sends through send/: send/, ses-events/, ses/, model.ts, shared/ (not setup/);
 * - `testing/` builds signed messages and events: sns/, ses-events/, model.ts, shared/;
 * - `durable-object/` runs an organisation's statements on the object's SQLite: organizations/,
 *   routing/, model.ts (imported only by the Worker);
 * - `tracking/` is the façade (`createEmailTracking`): sns/, ingest/, routing/, organizations/,
 *   archive/, send/, model.ts, shared/;
 * - `webhooks/` (signed outbound webhooks): ses-events/, model.ts, shared/;
 * - `retention/` (how long data is kept, the purge): model.ts, shared/;
 * - `subpaths/` holds the barrels of the package subpaths that span several slices
 *   (`kuratchi-sdk/internal/events`, `kuratchi-sdk/internal/d1`); `index.ts` may re-export every slice
 *   but durable-object/;
 * - every `index.ts` and every `subpaths/` file re-exports only;
 * - nothing imports a path outside src/lib/email: not the CLI (src/cli), which reaches the
 *   library through its package exports.
 */
const sources = import.meta.glob<string>(['./**/*.ts', '!./**/*.test.ts', '!./**/fixtures/**'], {
  eager: true,
  query: '?raw',
  import: 'default',
});

/** A folder of src/lib/email, a root file (`index.ts`, `model.ts`), or anything outside it. */
type Concern =
  | 'index'
  | 'model'
  | 'shared'
  | 'ses'
  | 'sns'
  | 'ses-events'
  | 'routing'
  | 'archive'
  | 'organizations'
  | 'ingest'
  | 'email-log'
  | 'send'
  | 'guard'
  | 'tenants'
  | 'setup'
  | 'reconcile'
  | 'canary'
  | 'testing'
  | 'durable-object'
  | 'subpaths'
  | 'tracking'
  | 'webhooks'
  | 'retention'
  | 'outside';

const BASE: readonly Concern[] = ['model', 'shared'];

const MAY_IMPORT: Record<Exclude<Concern, 'outside'>, readonly Concern[]> = {
  index: [
    ...BASE,
    'ses',
    'sns',
    'ses-events',
    'routing',
    'archive',
    'organizations',
    'ingest',
    'email-log',
    'send',
    'guard',
    'tenants',
    'setup',
    'reconcile',
    'canary',
    'testing',
    'subpaths',
    'tracking',
    'webhooks',
    'retention',
  ],
  model: [],
  shared: [],
  ses: [],
  sns: ['shared'],
  'ses-events': BASE,
  routing: [...BASE, 'ses-events'],
  archive: [...BASE, 'sns', 'ses-events'],
  organizations: [...BASE, 'routing', 'archive'],
  ingest: [...BASE, 'sns', 'ses-events', 'routing', 'archive'],
  tenants: [...BASE, 'ses'],
  guard: [...BASE, 'tenants', 'ses'],
  send: [...BASE, 'routing', 'organizations', 'guard', 'tenants', 'ses-events', 'ses'],
  'email-log': [...BASE, 'routing', 'send'],
  setup: [...BASE, 'sns'],
  reconcile: [...BASE, 'ingest', 'routing', 'ses-events', 'ses'],
  canary: [...BASE, 'send', 'ses-events', 'ses'],
  testing: [...BASE, 'sns', 'ses-events'],
  'durable-object': ['model', 'organizations', 'routing'],
  // The façade wires the slices a Worker needs: ingestion, routing, organisations, archive, sending.
  tracking: [...BASE, 'sns', 'ingest', 'routing', 'organizations', 'archive', 'send'],
  // Outbound webhooks: endpoints, signatures; what an SES event is (its type, its content identity).
  webhooks: [...BASE, 'ses-events'],
  // Retention: its policy, the admin rows, the purge (plain SQL on the databases it is given).
  retention: BASE,
  subpaths: [...BASE, 'sns', 'ses-events', 'routing', 'archive', 'organizations', 'ingest', 'email-log', 'reconcile'],
};

/** The concern of a path relative to src/lib/email (`routing/record.ts` -> `routing`). */
function concernOf(path: string): Concern {
  const segments = path.split('/');
  if (segments[0] === '..') return 'outside';
  if (segments.length === 1) return path.startsWith('index.') ? 'index' : 'model';
  return segments[0] as Concern;
}

/** `ingest/x.ts` + `../routing/y.js` -> `routing/y.js`; a path that leaves src/lib/email keeps its `..`. */
function resolve(from: string, specifier: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const part of specifier.split('/')) {
    if (part === '.' || part === '') continue;
    if (part === '..' && parts.length && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** Relative import specifiers of a source (static, re-export and dynamic), comments removed. */
function relativeImports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith('.'));
}

/** Each import of the source at `path` (relative to src/lib/email) that the rule forbids. */
function violations(path: string, text: string): string[] {
  const concern = concernOf(path);
  const allowed = MAY_IMPORT[concern as Exclude<Concern, 'outside'>];
  return relativeImports(text)
    .map((specifier) => resolve(path, specifier))
    .filter((target) => {
      const to = concernOf(target);
      const sameFolder = to === concern && to !== 'model' && to !== 'index';
      return !sameFolder && !allowed.includes(to);
    })
    .map((target) => `${path} imports ${target} (${concernOf(target)})`);
}

const files = Object.entries(sources).map(([path, text]) => ({ path: path.replace(/^\.\//, ''), text }));

describe('dependency rule between folders', () => {
  it('finds the sources, and tells an allowed import from a forbidden one', () => {
    expect(files.length).toBeGreaterThan(60);
    expect(violations('routing/x.ts', "import { detailsKey } from '../ses-events/apply.js';")).toEqual([]);
    expect(violations('ses-events/x.ts', "import type {\n  AdminStore,\n} from '../routing/ports.js';")).toEqual([
      'ses-events/x.ts imports routing/ports.js (routing)',
    ]);
    expect(violations('ingest/x.ts', "import { a } from '../organizations/org-move.js';")).toHaveLength(1);
    expect(violations('send/x.ts', "export { a } from '../setup/defaults.js';")).toHaveLength(1);
    expect(violations('shared/x.ts', "const m = await import('../model.js');")).toHaveLength(1);
    expect(violations('ingest/x.ts', "import { main } from '../../../cli/main.js';")).toEqual([
      'ingest/x.ts imports ../../cli/main.js (outside)',
    ]);
    expect(violations('sns/x.ts', "/** see `import('../routing/x.js')` */\nimport { b } from './y.js';")).toEqual([]);
  });

  for (const { path, text } of files) {
    it(`${path} imports only what ${concernOf(path)} may use`, () => {
      expect(violations(path, text)).toEqual([]);
    });
  }
});

/** A barrel: an `index.ts` or a file of `subpaths/`, the files a package subpath or a slice exposes. */
function isBarrel(path: string): boolean {
  return path.endsWith('/index.ts') || path === 'index.ts' || path.startsWith('subpaths/');
}

/** The statements of a barrel, comments removed, that are not `export … from '…';` re-exports. */
function nonReExports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const rest = code.replace(/export\s+(?:type\s+)?(?:\*|\{[^}]*\})\s+from\s+['"][^'"]+['"];?/g, '');
  return rest
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

describe('slices and barrels', () => {
  it('knows every folder of src/lib/email as a slice', () => {
    const folders = new Set(files.map(({ path }) => concernOf(path)));
    for (const folder of folders) expect(Object.keys(MAY_IMPORT), `${folder} is in MAY_IMPORT`).toContain(folder);
  });

  it('tells a re-export from code', () => {
    expect(
      nonReExports("/** doc */\nexport { a, type B } from './a.js';\nexport type {\n  C,\n} from './c.js';"),
    ).toEqual([]);
    expect(nonReExports("export const a = 1;\nexport { b } from './b.js';")).toEqual(['export const a = 1;']);
  });

  for (const { path, text } of files.filter(({ path }) => isBarrel(path))) {
    it(`${path} only re-exports`, () => {
      expect(nonReExports(text)).toEqual([]);
    });
  }
});
