import { readToml, type TomlDocument, type TomlTable, type TomlValue } from './toml.js';

/**
 * What `kuratchi-ses deploy` reads of the dashboard Worker's wrangler configuration: what it binds
 * that must exist in the account before a deploy (D1 databases, queues, R2 buckets), the mode,
 * and what the dashboard's code needs bound.
 * @see https://developers.cloudflare.com/workers/wrangler/configuration/
 */
export interface DeployConfig {
  /** The Worker's name (`name`). */
  name: string | undefined;
  /** The Worker's entry (`main`), relative to the configuration. */
  main: string | undefined;
  /** `account_id`, when the configuration names the account. */
  accountId: string | undefined;
  d1: D1Binding[];
  /** Every queue named: producers', consumers' and their dead-letter queues, once each. */
  queues: string[];
  /** `[[queues.producers]]` by binding → queue. */
  producers: Array<{ binding: string; queue: string }>;
  /** `[[queues.consumers]]`: the queue and its dead-letter queue. */
  consumers: Array<{ queue: string; deadLetterQueue: string | undefined }>;
  buckets: Array<{ binding: string; bucket: string }>;
  /** `[[durable_objects.bindings]]`: binding → class. */
  durableObjects: Array<{ binding: string; className: string }>;
  /** Classes of `[[migrations]]` `new_sqlite_classes`. */
  sqliteClasses: string[];
  /** `[vars] KURATCHI_ALLOWED_TOPIC_ARNS`, split at commas (empty when unset). */
  allowedTopicArns: string[];
  /** `[vars] KURATCHI_RETENTION_ARCHIVE_DAYS` as written (undefined when unset: the default). */
  archiveDays: string | undefined;
  /** The queued-mode section between the markers: `queued`, `direct`, or `absent` (no markers). */
  modeSection: 'queued' | 'direct' | 'absent';
}

/** One `[[d1_databases]]` entry. */
export interface D1Binding {
  binding: string;
  databaseName: string | undefined;
  databaseId: string | undefined;
  migrationsDir: string | undefined;
}

/** The binding the dashboard's admin database must have (`readConfig` refuses to run without it). */
export const ADMIN_DB_BINDING = 'ADMIN_DB';
/** The Durable Object namespace organisations live in by default, and its class. */
export const ORG_DO = { binding: 'ORG_DO', className: 'OrganizationDatabase' } as const;
/** The producer binding of queued mode. */
export const QUEUE_BINDING = 'SES_EVENTS_QUEUE';
/** The variable the webhook's allowed topics are in. */
export const ALLOWED_TOPICS_VAR = 'KURATCHI_ALLOWED_TOPIC_ARNS';
/** The variable of the raw archive's retention (the bucket's lifecycle rule). */
export const ARCHIVE_DAYS_VAR = 'KURATCHI_RETENTION_ARCHIVE_DAYS';
/** The markers around the queued-mode section of wrangler.toml (`--mode` comments or uncomments it). */
export const MODE_MARKERS = {
  begin: '# kuratchi-ses deploy: queued mode begins',
  end: '# kuratchi-ses deploy: queued mode ends',
} as const;

const str = (value: TomlValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
const entries = (doc: TomlDocument, name: string): TomlTable[] => doc.arrays[name] ?? [];

/** The deploy view of a configuration's text; throws `TomlError` on a line it cannot read. */
export function readDeployConfig(text: string): DeployConfig {
  const doc = readToml(text);
  const producers = entries(doc, 'queues.producers').map((t) => ({
    binding: str(t.values['binding']) ?? '',
    queue: str(t.values['queue']) ?? '',
  }));
  const consumers = entries(doc, 'queues.consumers').map((t) => ({
    queue: str(t.values['queue']) ?? '',
    deadLetterQueue: str(t.values['dead_letter_queue']),
  }));
  const queues = [
    ...producers.map((p) => p.queue),
    ...consumers.flatMap((c) => [c.queue, ...(c.deadLetterQueue ? [c.deadLetterQueue] : [])]),
  ].filter(Boolean);
  const topics = str(doc.tables['vars']?.values[ALLOWED_TOPICS_VAR]) ?? '';
  return {
    name: str(doc.root.values['name']),
    main: str(doc.root.values['main']),
    accountId: str(doc.root.values['account_id']),
    d1: entries(doc, 'd1_databases').map((t) => ({
      binding: str(t.values['binding']) ?? '',
      databaseName: str(t.values['database_name']),
      databaseId: str(t.values['database_id']),
      migrationsDir: str(t.values['migrations_dir']),
    })),
    queues: [...new Set(queues)],
    producers,
    consumers,
    buckets: entries(doc, 'r2_buckets').map((t) => ({
      binding: str(t.values['binding']) ?? '',
      bucket: str(t.values['bucket_name']) ?? '',
    })),
    durableObjects: entries(doc, 'durable_objects.bindings').map((t) => ({
      binding: str(t.values['name']) ?? '',
      className: str(t.values['class_name']) ?? '',
    })),
    sqliteClasses: entries(doc, 'migrations').flatMap((t) => {
      const classes = t.values['new_sqlite_classes'];
      return Array.isArray(classes) ? classes.filter((c): c is string => typeof c === 'string') : [];
    }),
    allowedTopicArns: topics
      .split(',')
      .map((arn) => arn.trim())
      .filter(Boolean),
    archiveDays: (() => {
      const days = doc.tables['vars']?.values[ARCHIVE_DAYS_VAR];
      return typeof days === 'number' ? String(days) : str(days);
    })(),
    modeSection: modeSection(text),
  };
}

/** Whether the queued-mode section is commented out (`direct`), live (`queued`) or missing. */
function modeSection(text: string): DeployConfig['modeSection'] {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.trim() === MODE_MARKERS.begin);
  const end = lines.findIndex((l, i) => i > begin && l.trim() === MODE_MARKERS.end);
  if (begin < 0 || end < 0) return 'absent';
  const live = lines.slice(begin + 1, end).some((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return live ? 'queued' : 'direct';
}

/** The mode the configuration deploys: queued when it binds the SES events queue's producer. */
export function deployedMode(config: DeployConfig): 'queued' | 'direct' {
  return config.producers.some((p) => p.binding === QUEUE_BINDING) ? 'queued' : 'direct';
}

/** The placeholder ids of the demo's configuration (wrangler.dev.toml), never a real D1 id. */
const PLACEHOLDER_ID = /^0{8}-0{4}-/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What keeps this configuration from deploying a working dashboard, each a sentence saying what to
 * change: no Worker name, a D1 binding without a name or with a placeholder id, no admin database
 * or no migrations for it, no `ORG_DO` namespace on a SQLite-backed class, a queue nobody
 * consumes. Empty: it can deploy. A missing `database_id` is not a problem: the deploy writes it.
 */
export function deployConfigProblems(config: DeployConfig): string[] {
  const problems: string[] = [];
  if (!config.name) problems.push('no Worker name: set `name`');
  for (const d of config.d1) {
    if (!d.binding) problems.push('a [[d1_databases]] entry without `binding`');
    if (!d.databaseName) problems.push(`D1 ${d.binding}: no \`database_name\` (the database to create or find)`);
    if (d.databaseId !== undefined && (PLACEHOLDER_ID.test(d.databaseId) || !UUID.test(d.databaseId)))
      problems.push(
        `D1 ${d.binding}: database_id "${d.databaseId}" is a placeholder, not a database of your account: remove the line (the deploy finds or creates ${d.databaseName ?? 'the database'} and writes its id)`,
      );
  }
  const admin = config.d1.find((d) => d.binding === ADMIN_DB_BINDING);
  if (!admin) problems.push(`no admin database: a [[d1_databases]] entry with binding = "${ADMIN_DB_BINDING}"`);
  else if (!admin.migrationsDir)
    problems.push(`D1 ${ADMIN_DB_BINDING}: no \`migrations_dir\` (packages/kuratchi-sdk/migrations/admin)`);
  const orgDo = config.durableObjects.find((d) => d.binding === ORG_DO.binding);
  if (!orgDo)
    problems.push(
      `no organisation namespace: a [[durable_objects.bindings]] entry name = "${ORG_DO.binding}", class_name = "${ORG_DO.className}"`,
    );
  else if (!config.sqliteClasses.includes(orgDo.className))
    problems.push(
      `${ORG_DO.binding}: class ${orgDo.className} is in no [[migrations]] new_sqlite_classes (organisations need SQLite-backed Durable Objects)`,
    );
  const consumed = new Set(config.consumers.map((c) => c.queue));
  for (const queue of new Set([
    ...config.producers.map((p) => p.queue),
    ...config.consumers.flatMap((c) => (c.deadLetterQueue ? [c.deadLetterQueue] : [])),
  ]))
    if (!consumed.has(queue)) problems.push(`queue ${queue}: nothing consumes it (add its [[queues.consumers]] entry)`);
  return problems;
}
