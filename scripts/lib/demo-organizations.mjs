// The demo's organisations and users, written once: the demo (scripts/dev.mjs, scripts/demo/),
// the benchmarks, and the node and end-to-end tests use these names, bindings and passwords.

/**
 * @typedef {object} DemoOrganization
 * @property {string} id
 * @property {string} name
 * @property {'d1' | 'durable-object'} kind where its database lives
 * @property {string} binding the D1 binding, or the Durable Object namespace (wrangler.dev.toml)
 */

/**
 * The demo organisations and where their databases live (see wrangler.dev.toml): Acme and Globex on
 * D1 bindings, Initech on its SQLite-backed Durable Object in the ORG_DO namespace, as an
 * organisation created at run time (`kuratchi-ses org create`) is; the dashboard shows them alike.
 * @type {readonly DemoOrganization[]}
 */
export const DEMO_ORGANIZATIONS = [
  { id: 'org-acme', name: 'Acme Corp', kind: 'd1', binding: 'ORG_DB_ACME' },
  { id: 'org-globex', name: 'Globex', kind: 'd1', binding: 'ORG_DB_GLOBEX' },
  { id: 'org-initech', name: 'Initech', kind: 'durable-object', binding: 'ORG_DO' },
];

/** The demo organisations on D1 bindings (Acme, Globex): the D1 databases wrangler.dev.toml binds. */
export const DEMO_D1_ORGANIZATIONS = DEMO_ORGANIZATIONS.filter((o) => o.kind === 'd1');

/**
 * @typedef {object} DemoUser
 * @property {string} id
 * @property {string} email
 * @property {string} name
 * @property {string} organizationId
 * @property {'admin' | 'superadmin'} role
 */

/**
 * Dashboard users of the demo (all with the password {@link DEMO_PASSWORD}).
 * @type {readonly DemoUser[]}
 */
export const DEMO_USERS = [
  { id: 'user-acme', email: 'admin@acme.example', name: 'Acme Admin', organizationId: 'org-acme', role: 'admin' },
  {
    id: 'user-globex',
    email: 'admin@globex.example',
    name: 'Globex Admin',
    organizationId: 'org-globex',
    role: 'admin',
  },
  {
    id: 'user-initech',
    email: 'admin@initech.example',
    name: 'Initech Admin',
    organizationId: 'org-initech',
    role: 'admin',
  },
  {
    id: 'user-root',
    email: 'root@kuratchi.example',
    name: 'kuratchi superadmin',
    organizationId: 'org-acme',
    role: 'superadmin',
  },
];

/** The password of every demo user. */
export const DEMO_PASSWORD = 'kuratchi-demo';

/**
 * The demo organisation `id` (e.g. `org-acme`); throws for an unknown id.
 * @param {string} id
 * @returns {DemoOrganization}
 */
export function demoOrganization(id) {
  const organization = DEMO_ORGANIZATIONS.find((o) => o.id === id);
  if (!organization)
    throw new Error(`no demo organisation ${id} (known: ${DEMO_ORGANIZATIONS.map((o) => o.id).join(', ')})`);
  return organization;
}

/**
 * The demo user `id` (e.g. `user-acme`); throws for an unknown id.
 * @param {string} id
 * @returns {DemoUser}
 */
export function demoUser(id) {
  const user = DEMO_USERS.find((u) => u.id === id);
  if (!user) throw new Error(`no demo user ${id} (known: ${DEMO_USERS.map((u) => u.id).join(', ')})`);
  return user;
}

/**
 * @typedef {object} OrganizationRow
 * @property {string} id
 * @property {string} name
 * @property {string} binding its D1 binding or Durable Object namespace
 * @property {'d1' | 'durable-object'} [kind] `d1` unless said
 */

/**
 * The statement that registers an organisation in an admin database (its `organizations` row,
 * created at time 0), as the node tests and benchmarks set one up without the CLI; for a batch.
 * @param {import('@cloudflare/workers-types').D1Database} admin
 * @param {OrganizationRow} organization
 */
export function registerOrganizationStatement(admin, { id, name, binding, kind = 'd1' }) {
  return admin
    .prepare('INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, ?, ?, ?, 0)')
    .bind(id, name, kind, binding);
}

/**
 * Registers an organisation in an admin database: runs {@link registerOrganizationStatement}.
 * @param {import('@cloudflare/workers-types').D1Database} admin
 * @param {OrganizationRow} organization
 */
export async function registerOrganization(admin, organization) {
  await registerOrganizationStatement(admin, organization).run();
}
