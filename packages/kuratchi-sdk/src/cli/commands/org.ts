import { booleanFlag, integerFlag, parseCommandArgs, requiredFlag, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi } from '../ops-api.js';
import { UsageError } from '../usage-error.js';
import { abortMove, migrateOrganization } from './org-migrate.js';
import { describeLink, type IssuedLinkAnswer } from './user.js';
import { tty, jsonText, helpText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'org',
  positionals: 1,
  flags: [
    use('dashboard-url', { required: true, formerly: [{ name: 'url' }] }),
    use('org', {
      note: 'create: the new organisation; migrate: the one to move; remove: the one to remove',
      formerly: [{ name: 'id' }],
    }),
    own('confirm', { kind: 'text', value: 'ID', meaning: 'remove: the same id again (it cannot be undone here)' }),
    own('name', { kind: 'text', value: 'NAME', meaning: 'create: its display name' }),
    own('kind', { kind: 'text', value: 'K', meaning: 'create: durable-object or d1', default: 'durable-object' }),
    own('admin-email', {
      kind: 'text',
      value: 'ADDRESS',
      meaning: 'create: invite its first admin (prints their one-time set-password link)',
    }),
    own('admin-name', { kind: 'text', value: 'NAME', meaning: "create: the admin's display name" }),
    own('binding', {
      kind: 'text',
      value: 'B',
      meaning: 'the Durable Object namespace (default ORG_DO), or for create --kind d1 the D1 binding',
    }),
    use('page-size', { note: 'migrate: rows per request', default: 200, min: 1, max: 500 }),
    use('poll-ms', { note: 'migrate: while waiting for the move to settle', default: 5_000, min: 10, max: 60_000 }),
    own('resume', { kind: 'boolean', meaning: 'migrate: go on with a move that was interrupted' }),
    own('abort', { kind: 'boolean', meaning: 'migrate: end a move and leave the organisation on D1' }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000, formerly: [{ name: 'timeout' }] }),
    use('json'),
  ],
};

/** An organisation as `GET /api/ops/organizations` answers it. */
interface OrganizationRow {
  id: string;
  name: string;
  kind: 'd1' | 'durable-object';
  binding: string;
  movingSince: number | null;
  createdAt: number;
}

/** A removed organisation: its database is kept. */
interface RemovedRow extends OrganizationRow {
  removedAt: number;
  removedBy: string;
}

/**
 * `kuratchi-ses org`: organisations and where their databases live, through the dashboard's
 * operations API: `create` onboards one (on a Durable Object by default: no deploy), `list`
 * shows each one's kind, `migrate` moves one from its D1 binding to its Durable Object, `remove`
 * removes one (routing stops, its SES tenant is deleted, its database is kept).
 * @see https://developers.cloudflare.com/durable-objects/platform/limits/
 */
export const orgCommand: Command = {
  name: 'org',
  audience: 'operate',
  summary:
    'create organisations (no deploy on a Durable Object), list them, move one from D1 to a Durable Object, remove one',
  help: `Usage: kuratchi-ses org create --dashboard-url URL --org ID --name NAME [--admin-email ADDRESS [--admin-name NAME]]
                                [--kind durable-object|d1] [--binding B]
       kuratchi-ses org list --dashboard-url URL [--json]
       kuratchi-ses org migrate --dashboard-url URL --org ID [--binding B] [--page-size N] [--resume | --abort]
       kuratchi-ses org remove --dashboard-url URL --org ID --confirm ID [--json]

create   onboards an organisation. By default its database is a SQLite-backed Durable Object
         (binding ORG_DO), created on first use: no wrangler.toml change, no deploy. --kind d1
         --binding ORG_DB_X uses a D1 database already declared in wrangler.toml and migrated.
         Prints "created org-hooli (Hooli) on Durable Object (ORG_DO)". --admin-email invites
         its first admin and prints their one-time link to set a password (as kuratchi-ses user
         create --org does). A taken id or address answers 409 (exit 1; nothing is created); a
         bad id or name, or a binding the Worker lacks, answers 400.
list     every organisation, the kind and binding of its database, and whether it is moving:
         "org-acme  D1 (ORG_DB_ACME)  Acme".
migrate  moves an organisation from its D1 database to its Durable Object: marks it moving
         (from then on the webhook and the queue consumer park its events in the admin
         database, and its database is refused to the dashboard and to sendEmail, for the
         minutes the move takes), waits 90 s for every Worker isolate to see that, copies each
         table page by page, verifies each page (row counts and SHA-256 on both sides),
         switches, then applies the parked events to the object. If the copy differs it aborts:
         the organisation stays on D1, the parked events are applied there, nothing is lost.
         --resume goes on with a move that was interrupted; --abort ends one and leaves the
         organisation on D1 (with its parked events applied). The D1 database is kept as it
         was after the switch. Exits 0 once the organisation lives on its object; after a
         failed request it says whether the organisation is still marked moving. Progress bars
         (per table, copy and verify) are drawn on a terminal.
remove   removes an organisation: nothing is sent or recorded for it any more, its SES tenant is
         deleted (retried by the ses-tenants job), and its database keeps its mail until you
         delete it (list prints the removed ones). An unknown or removed one answers 404, one
         being moved 409.

Organisations and where their databases live: docs/guides/deploy.md. Through the operations API
(/api/ops/organizations); reads the dashboard's secret KURATCHI_OPS_TOKEN from the environment
variable ${OPS_TOKEN_ENV}.

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses org create --dashboard-url https://dash.example.com --org org-initech --name "Initech" --admin-email bill@initech.example
  kuratchi-ses org create --dashboard-url https://dash.example.com --org org-big --name "Big" --kind d1 --binding ORG_DB_BIG
  kuratchi-ses org list --dashboard-url https://dash.example.com
  kuratchi-ses org migrate --dashboard-url https://dash.example.com --org org-acme
  kuratchi-ses org remove --dashboard-url https://dash.example.com --org org-initech --confirm org-initech

${EXIT_CODES_HELP}
(1: a request failed, the id or the admin's address is taken, or the copy differed and the move was aborted)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const action = args.positionals[0];
    if (action !== 'create' && action !== 'list' && action !== 'migrate' && action !== 'remove') {
      throw new UsageError('create, list, migrate or remove is required');
    }
    const url = urlFlag(args, 'dashboard-url');
    const api = opsApi(url, process.env, integerFlag(args, 'request-timeout-ms'));
    const binding = stringFlag(args, 'binding');
    try {
      if (action === 'create') {
        const kind = stringFlag(args, 'kind') ?? 'durable-object';
        if (kind !== 'durable-object' && kind !== 'd1') throw new UsageError('--kind must be durable-object or d1');
        if (kind === 'd1' && !binding)
          throw new UsageError('--kind d1 needs --binding (the D1 binding in wrangler.toml)');
        const adminEmail = stringFlag(args, 'admin-email');
        const adminName = stringFlag(args, 'admin-name');
        if (adminName && !adminEmail) throw new UsageError('--admin-name needs --admin-email');
        const answer = await api.post<{ organization: OrganizationRow; invitation: IssuedLinkAnswer | null }>(
          '/api/ops/organizations',
          {
            id: requiredFlag(args, 'org', "the new organisation's id"),
            name: requiredFlag(args, 'name', 'its display name'),
            kind,
            ...(binding ? { binding } : {}),
            ...(adminEmail ? { adminEmail } : {}),
            ...(adminName ? { adminName } : {}),
          },
        );
        if (booleanFlag(args, 'json')) out(jsonText(answer));
        else {
          out(tty`created ${answer.organization.id} (${answer.organization.name}) on ${describe(answer.organization)}`);
          if (answer.invitation) out(describeLink(answer.invitation));
        }
        return EXIT.ok;
      }
      if (action === 'list') {
        const answer = await api.get<{ organizations: OrganizationRow[]; removed?: RemovedRow[] }>(
          '/api/ops/organizations',
        );
        if (booleanFlag(args, 'json')) out(jsonText(answer));
        else {
          for (const o of answer.organizations) out(tty`${o.id}  ${describe(o)}  ${o.name}`);
          for (const o of answer.removed ?? [])
            out(tty`${o.id}  ${describe(o)}  ${o.name}  removed ${new Date(o.removedAt).toISOString()}, database kept`);
        }
        return EXIT.ok;
      }
      if (action === 'remove') {
        const organizationId = requiredFlag(args, 'org', 'the organisation to remove');
        const answer = await api.post<{
          organization: RemovedRow;
          tenant: { done: string[]; failures: string[] };
          database: string;
        }>(`/api/ops/organizations/${encodeURIComponent(organizationId)}/remove`, {
          confirm: requiredFlag(args, 'confirm', 'the same id again'),
        });
        if (booleanFlag(args, 'json')) out(jsonText(answer));
        else {
          out(tty`removed ${answer.organization.id} (${answer.organization.name}): ${answer.database}`);
          for (const line of answer.tenant.done) out(tty`${line}`);
          for (const line of answer.tenant.failures) out(tty`${line}`);
        }
        return EXIT.ok;
      }
      const organizationId = requiredFlag(args, 'org', 'the organisation to move');
      if (booleanFlag(args, 'abort')) {
        const path = `/api/ops/organizations/${encodeURIComponent(organizationId)}/move`;
        await abortMove(
          <T>(body: object) => api.post<T>(path, { ...body, ...(binding ? { binding } : {}) }),
          organizationId,
        );
        out(tty`move of ${organizationId} aborted: it stays on its D1 database`);
        return EXIT.ok;
      }
      return await migrateOrganization(api, {
        organizationId,
        binding: binding ?? 'ORG_DO',
        pageSize: integerFlag(args, 'page-size'),
        resume: booleanFlag(args, 'resume'),
        pollMs: integerFlag(args, 'poll-ms'),
      });
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses org ${action}: ${error.message}`);
      if (action === 'migrate' && error.status !== 409) {
        err(
          tty`The organisation may still be marked moving: run again with --resume to go on, or --abort to stay on D1.`,
        );
      }
      return EXIT.failed;
    }
  },
};

function describe(o: OrganizationRow): string {
  const where = o.kind === 'durable-object' ? `Durable Object (${o.binding})` : `D1 (${o.binding})`;
  return o.movingSince === null ? where : `${where}, moving since ${new Date(o.movingSince).toISOString()}`;
}
