import { booleanFlag, integerFlag, parseCommandArgs, requiredFlag, stringFlag, urlFlag } from '../args.js';
import { err, out, type Command } from '../command.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { optionsHelp, own, use, type CommandFlags } from '../flags.js';
import { OPS_TOKEN_ENV, OpsApiError, opsApi } from '../ops-api.js';
import { UsageError } from '../usage-error.js';
import { tty, jsonText, helpText, type TerminalText } from '../terminal-text.js';

const FLAGS: CommandFlags = {
  command: 'user',
  positionals: 1,
  flags: [
    use('dashboard-url', { required: true }),
    own('email', { kind: 'text', value: 'ADDRESS', meaning: "create, reset, remove: the user's email address" }),
    own('name', {
      kind: 'text',
      value: 'NAME',
      meaning: 'create: their display name (default: the part before the @)',
    }),
    own('superadmin', { kind: 'boolean', meaning: 'create: a superadmin (sees and manages every organisation)' }),
    use('org', { note: 'create: the organisation of a new admin; list: only its users' }),
    use('request-timeout-ms', { default: 30_000, min: 100, max: 600_000 }),
    use('json'),
  ],
};

/** A user as the operations API answers them (`/api/ops/users`). */
export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'superadmin';
  organizationId: string | null;
  status: 'active' | 'invited';
  createdAt: number;
  pendingLink: { purpose: 'invitation' | 'reset'; expiresAt: number } | null;
}

/** A one-time set-password link as the operations API answers it, with whether it was mailed. */
export interface IssuedLinkAnswer {
  user: UserRow;
  link: { url: string; purpose: 'invitation' | 'reset'; expiresAt: number };
  mail: { sent: true; emailId: string } | { sent: false; reason: string };
}

/**
 * `kuratchi-ses user`: the dashboard's users through the operations API. `create` makes a user
 * without a password and prints their one-time set-password link (`--superadmin` bootstraps a
 * new deployment: docs/decisions/2026-12-06-superadmin-bootstrap-through-the-ops-token.md),
 * `list` shows them, `reset` clears a password and prints a new link, `remove` deletes one.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html
 */
export const userCommand: Command = {
  name: 'user',
  audience: 'operate',
  summary: 'dashboard users: create the first superadmin or invite an admin (a one-time link), list, reset, remove',
  help: `Usage: kuratchi-ses user create --dashboard-url URL --email ADDRESS (--superadmin | --org ID) [--name NAME]
       kuratchi-ses user list --dashboard-url URL [--org ID] [--json]
       kuratchi-ses user reset --dashboard-url URL --email ADDRESS
       kuratchi-ses user remove --dashboard-url URL --email ADDRESS

create   makes a user without a password and prints a one-time link to set it: give it to them
         (with KURATCHI_MAIL_FROM set on the Worker, an admin also gets it by email). The link
         works once, for 72 hours. --superadmin makes a superadmin (no organisation needed: this
         is how a new deployment gets its first user); --org ID an admin of that organisation.
         No password ever goes on a command line. A taken address answers 409 (exit 1).
list     every user, their role, organisation and status: active, or invited (no password yet,
         with the link's expiry).
reset    clears the user's password (the old one stops working), ends their sessions and prints
         a new one-time link (any older link stops working).
remove   deletes the user and ends their sessions.

Users: docs/guides/users.md. Through the operations API (/api/ops/users); reads the dashboard's
secret KURATCHI_OPS_TOKEN from the environment variable ${OPS_TOKEN_ENV}, which works whether or
not a superadmin exists already (the token is the deployment's root credential).

${optionsHelp(FLAGS)}

Example:
  kuratchi-ses user create --superadmin --email ops@example.com --dashboard-url https://dash.example.com
  kuratchi-ses user create --org org-initech --email bill@initech.example --dashboard-url https://dash.example.com
  kuratchi-ses user reset --email bill@initech.example --dashboard-url https://dash.example.com

${EXIT_CODES_HELP}
(1: a request failed, the address is taken, or no such user or organisation)`,
  async run(argv) {
    const args = parseCommandArgs(argv, FLAGS);
    if (booleanFlag(args, 'help')) return (out(helpText(this.help)), EXIT.ok);
    const action = args.positionals[0];
    if (action !== 'create' && action !== 'list' && action !== 'reset' && action !== 'remove') {
      throw new UsageError('create, list, reset or remove is required');
    }
    const json = booleanFlag(args, 'json');
    const organizationId = stringFlag(args, 'org');
    let body: object | undefined;
    if (action === 'create') {
      const superadmin = booleanFlag(args, 'superadmin');
      if (superadmin === (organizationId !== undefined)) {
        throw new UsageError('create needs either --superadmin or --org ID (the organisation of a new admin)');
      }
      const name = stringFlag(args, 'name');
      body = {
        email: requiredFlag(args, 'email', "the user's email address"),
        role: superadmin ? 'superadmin' : 'admin',
        ...(organizationId ? { organizationId } : {}),
        ...(name ? { name } : {}),
      };
    } else if (action !== 'list') {
      body = { email: requiredFlag(args, 'email', "the user's email address") };
    }
    const api = opsApi(urlFlag(args, 'dashboard-url'), process.env, integerFlag(args, 'request-timeout-ms'));
    try {
      if (action === 'list') {
        const answer = await api.get<{ users: UserRow[] }>('/api/ops/users', { org: organizationId });
        if (json) out(jsonText(answer));
        else for (const user of answer.users) out(describeUser(user));
        return EXIT.ok;
      }
      if (action === 'remove') {
        const answer = await api.post<{ removed: UserRow }>('/api/ops/users/remove', body!);
        if (json) out(jsonText(answer));
        else out(tty`removed ${answer.removed.email}: their sessions are ended`);
        return EXIT.ok;
      }
      const path = action === 'create' ? '/api/ops/users' : '/api/ops/users/reset';
      const answer = await api.post<IssuedLinkAnswer>(path, body!);
      if (json) out(jsonText(answer));
      else out(describeLink(answer));
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof OpsApiError)) throw error;
      err(tty`kuratchi-ses user ${action}: ${error.message}`);
      return EXIT.failed;
    }
  },
};

/** `ops@example.com  superadmin  (no organisation)  active` */
function describeUser(user: UserRow): TerminalText {
  const where = user.organizationId ?? '(no organisation)';
  const status = user.pendingLink
    ? `${user.pendingLink.purpose === 'invitation' ? 'invited' : 'reset'}, link until ${iso(user.pendingLink.expiresAt)}`
    : user.status;
  return tty`${user.email}  ${user.role}  ${where}  ${status}`;
}

/** What `create` and `reset` print: who, the link, until when, whether it was mailed. */
export function describeLink({ user, link, mail }: IssuedLinkAnswer): TerminalText[] {
  const what = link.purpose === 'invitation' ? `${user.role} ${user.email} created` : `password of ${user.email} reset`;
  return [
    tty`${what}${user.organizationId ? ` (${user.organizationId})` : ''}.`,
    tty`One-time link to set the password (until ${iso(link.expiresAt)}):`,
    tty`  ${link.url}`,
    mail.sent ? tty`Also mailed to ${user.email}.` : tty`Not mailed: ${mail.reason}. Give them the link.`,
  ];
}

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
