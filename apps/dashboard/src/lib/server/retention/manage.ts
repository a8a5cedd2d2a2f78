import { fail } from '@sveltejs/kit';
import {
  createD1RetentionStore,
  effectiveRetention,
  InvalidOptionsError,
  parseRetentionOverride,
  type RetentionOverride,
  type RetentionPolicy,
} from 'kuratchi-sdk/internal/retention';
import { z } from 'zod';
import { readJsonBody } from '../ops/request';
import { archiveRetention, type ArchiveRetention } from './archive-days';
import { readRetentionSettings, type RetentionSettings } from './settings';

/** One organisation's retention: its override (null fields: the default) and what is in force. */
export interface OrganizationRetention {
  organizationId: string;
  override: RetentionOverride | null;
  effective: RetentionPolicy;
  /** The raw archive's days in force (the override's or the deployment's), and a warning when they differ from the emails days. */
  archive: ArchiveRetention;
  updatedBy: string | null;
  updatedAt: number | null;
}

/** The deployment's defaults and every organisation's retention (the Organisations page). */
export async function retentionOverview(
  env: DashboardEnv,
  organizationIds: readonly string[],
): Promise<{ defaults: RetentionSettings; organizations: OrganizationRetention[] }> {
  const defaults = readRetentionSettings(env);
  const overrides = new Map(
    (await createD1RetentionStore(env.ADMIN_DB).listOverrides()).map((o) => [o.organizationId, o]),
  );
  return {
    defaults,
    organizations: organizationIds.map((organizationId) => {
      const stored = overrides.get(organizationId) ?? null;
      const effective = effectiveRetention(defaults, stored);
      return {
        organizationId,
        override: stored && {
          eventsDays: stored.eventsDays,
          emailsDays: stored.emailsDays,
          archiveDays: stored.archiveDays,
        },
        effective,
        archive: archiveRetention(effective.emailsDays, stored?.archiveDays ?? null, defaults.archiveDays),
        updatedBy: stored?.updatedBy ?? null,
        updatedAt: stored?.updatedAt ?? null,
      };
    }),
  };
}

/** One organisation's retention in force (its admin's settings page; read-only there). */
export async function organizationRetention(env: DashboardEnv, organizationId: string): Promise<OrganizationRetention> {
  return (await retentionOverview(env, [organizationId])).organizations[0]!;
}

/** Why a retention change was refused: 400 (bad days) or 404 (no such organisation). */
type Refusal = { status: 400 | 404; message: string };

/**
 * Sets an organisation's override: events and emails days (1 to 3,650), archive days (one of
 * `ARCHIVE_DAYS_CHOICES`), each or null for the deployment's default; the events may not outlive
 * the emails. Validated whole before anything is written; all null removes the override.
 */
export async function setOrganizationRetention(
  env: DashboardEnv,
  organizationId: string,
  input: unknown,
  by: string,
  now: number,
): Promise<{ ok: OrganizationRetention } | { refused: Refusal }> {
  try {
    const defaults = readRetentionSettings(env);
    const store = createD1RetentionStore(env.ADMIN_DB);
    const override = parseRetentionOverride(parseInput(input));
    effectiveRetention(defaults, override);
    if (!(await store.setOverride(organizationId, override, by, now)))
      return { refused: { status: 404, message: `no organisation ${organizationId}` } };
    return { ok: await organizationRetention(env, organizationId) };
  } catch (error) {
    if (error instanceof InvalidOptionsError)
      return { refused: { status: 400, message: error.issues.map((i) => `${i.path}: ${i.message}`).join('; ') } };
    throw error;
  }
}

/** Absent fields as null, for the SDK's rule (which names each bad field: the page and the API say the same). */
function parseInput(input: unknown): Record<keyof RetentionOverride, unknown> {
  const fields = (input ?? {}) as Record<string, unknown>;
  return {
    eventsDays: fields.eventsDays ?? null,
    emailsDays: fields.emailsDays ?? null,
    archiveDays: fields.archiveDays ?? null,
  };
}

/** The Organisations page's `retention` action: blank fields (or the default's option) keep the deployment's default. */
export async function retentionFromForm(env: DashboardEnv, by: string, form: FormData, now: number) {
  const days = (name: string): number | null | string => {
    const raw = String(form.get(name) ?? '').trim();
    return raw === '' ? null : /^\d+$/.test(raw) ? Number(raw) : raw;
  };
  const organizationId = String(form.get('organizationId') ?? '');
  const result = await setOrganizationRetention(
    env,
    organizationId,
    { eventsDays: days('eventsDays'), emailsDays: days('emailsDays'), archiveDays: days('archiveDays') },
    by,
    now,
  );
  if ('refused' in result) return fail(result.refused.status, { error: result.refused.message });
  return { retentionSet: organizationId, archiveWarning: result.ok.archive.warning };
}

const body = z
  .object({
    eventsDays: z.unknown().optional(),
    emailsDays: z.unknown().optional(),
    archiveDays: z.unknown().optional(),
  })
  .strict();

/**
 * `GET /api/ops/organizations/{id}/retention`: `{ retention }` (override, effective days, and the
 * archive's days in force with a warning when they differ from the emails days);
 * `PUT` with `{ "eventsDays": 7, "emailsDays": 30, "archiveDays": 30 }` (null or absent: the
 * default; archiveDays one of `ARCHIVE_DAYS_CHOICES`) sets it: 200 `{ retention }`, 400 naming each
 * bad field (nothing written), 404 for an unknown organisation.
 */
export async function retentionAnswer(
  env: DashboardEnv,
  organizationId: string,
  request: Request,
  now: Date,
): Promise<Response> {
  if (request.method === 'GET') {
    const exists = await env.ADMIN_DB.prepare('SELECT 1 FROM organizations WHERE id = ?').bind(organizationId).first();
    if (!exists)
      return Response.json({ error: 'not-found', message: `no organisation ${organizationId}` }, { status: 404 });
    return Response.json({ retention: await organizationRetention(env, organizationId) });
  }
  const read = await readJsonBody(request, body);
  if ('refusal' in read) return read.refusal;
  const result = await setOrganizationRetention(env, organizationId, read.data, 'ops-api', now.getTime());
  if ('refused' in result)
    return Response.json(
      { error: result.refused.status === 404 ? 'not-found' : 'invalid-request', message: result.refused.message },
      { status: result.refused.status },
    );
  return Response.json({ retention: result.ok });
}
