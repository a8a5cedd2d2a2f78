import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of docs/architecture.md, read off the import specifiers of every source
 * file under src/lib/email (tests and fixtures excluded: they may wire concerns together).
 * A folder is one concern; an import may only point at a concern its folder is allowed to use:
 * - `shared/` (code more than one concern needs) and `model.ts` (the tracking vocabulary)
 *   import nothing from the others;
 * - `events/`, the ingestion core, owns its ports and imports only shared/ and model.ts;
 * - `store/` implements the ports on D1: events/, shared/, model.ts;
 * - `ses/` resolves the SESv2 client (the AWS SDK) and imports nothing of the others;
 * - `send/` and `setup/` use events/ and store/, never each other; `send/` also asks `guard/`
 *   (the reputation guard: events/, store/, ses/, shared/, model.ts) before sending;
 * - `reconcile/` asks SES about emails with no outcome: events/, store/, ses/, shared/, model.ts;
 * - `canary/` sends through send/ and reads the D1 tables: send/, store/, events/, ses/, shared/, model.ts
 *   (not setup/);
 * - `durable-object/` is the organisation database on a Durable Object: it runs store/'s
 *   statements on the object's SQLite: store/, events/, model.ts (imported only by the Worker);
 * - `testing/` builds signed messages and events: events/, shared/, model.ts;
 * - `verify/` is the barrel of the `kuratchi-sdk/email/verify` subpath: re-exports of events/'s
 *   verification modules (and shared/) only; `index.ts` may re-export every concern;
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
  | 'events'
  | 'verify'
  | 'store'
  | 'send'
  | 'setup'
  | 'reconcile'
  | 'canary'
  | 'testing'
  | 'guard'
  | 'ses'
  | 'durable-object'
  | 'outside';

const MAY_IMPORT: Record<Exclude<Concern, 'outside'>, readonly Concern[]> = {
  index: [
    'model',
    'shared',
    'events',
    'verify',
    'store',
    'send',
    'setup',
    'reconcile',
    'canary',
    'testing',
    'guard',
    'ses',
  ],
  model: [],
  shared: [],
  events: ['model', 'shared'],
  store: ['model', 'shared', 'events'],
  ses: [],
  send: ['model', 'shared', 'events', 'store', 'guard', 'ses'],
  guard: ['model', 'shared', 'events', 'store', 'ses'],
  setup: ['model', 'shared', 'events', 'store'],
  reconcile: ['model', 'shared', 'events', 'store', 'ses'],
  canary: ['model', 'shared', 'events', 'store', 'send', 'ses'],
  testing: ['model', 'shared', 'events'],
  verify: ['shared', 'events'],
  'durable-object': ['model', 'events', 'store'],
};

/** The concern of a path relative to src/lib/email (`events/record.ts` -> `events`). */
function concernOf(path: string): Concern {
  const segments = path.split('/');
  if (segments[0] === '..') return 'outside';
  if (segments.length === 1) return path.startsWith('index.') ? 'index' : 'model';
  return segments[0] as Concern;
}

/** `events/x.ts` + `../store/y.js` -> `store/y.js`; a path that leaves src/lib/email keeps its `..`. */
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
    expect(violations('store/x.ts', "import { detailsKey } from '../events/apply.js';")).toEqual([]);
    expect(violations('events/x.ts', "import type {\n  AdminStore,\n} from '../store/types.js';")).toEqual([
      'events/x.ts imports store/types.js (store)',
    ]);
    expect(violations('send/x.ts', "export { a } from '../setup/defaults.js';")).toHaveLength(1);
    expect(violations('shared/x.ts', "const m = await import('../model.js');")).toHaveLength(1);
    expect(violations('events/x.ts', "import { main } from '../../../cli/main.js';")).toEqual([
      'events/x.ts imports ../../cli/main.js (outside)',
    ]);
    expect(violations('events/x.ts', "/** see `import('../store/x.js')` */\nimport { b } from './y.js';")).toEqual([]);
  });

  for (const { path, text } of files) {
    it(`${path} imports only what ${concernOf(path)} may use`, () => {
      expect(violations(path, text)).toEqual([]);
    });
  }
});
