import type { KuratchiLocals } from './locals';

/** One line of the placeholder email table on `/`. */
export interface LatestEmail {
  id: string;
  recipient: string;
  subject: string;
  status: string;
  openCount: number;
  clickCount: number;
  updatedAt: number;
}

/** An organisation with its most recently updated emails. */
export interface OrganizationEmails {
  id: string;
  name: string;
  emails: LatestEmail[];
}

/** The `limit` most recently updated emails of every organisation (the demo's landing page). */
export async function latestEmailsByOrganization(kuratchi: KuratchiLocals, limit = 20): Promise<OrganizationEmails[]> {
  const { results: organizations } = await kuratchi
    .getAdminDb()
    .prepare('SELECT id, name FROM organizations ORDER BY name')
    .all<{ id: string; name: string }>();
  return Promise.all(
    organizations.map(async (organization) => {
      const db = await kuratchi.orgDatabaseClient(organization.id);
      const { results } = await db
        .prepare(
          `SELECT id, recipient, subject, status, open_count AS openCount, click_count AS clickCount, updated_at AS updatedAt
           FROM emails ORDER BY updated_at DESC, id DESC LIMIT ?`,
        )
        .bind(limit)
        .all<LatestEmail>();
      return { ...organization, emails: results };
    }),
  );
}
