import { createOrgDatabaseClient, OrgDatabaseError } from 'kuratchi-sdk/internal/d1';

/**
 * The organisation's database, or the 404 answer of an organisation that does not exist (the
 * operations API's one rule for it).
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
export async function orgDatabase(env: DashboardEnv, id: string): Promise<D1Database | Response> {
  try {
    return await createOrgDatabaseClient(env.ADMIN_DB, env)(id);
  } catch (error) {
    if (error instanceof OrgDatabaseError && error.code === 'organization-not-found') {
      return Response.json({ error: 'organization-not-found', message: `no organisation ${id}` }, { status: 404 });
    }
    throw error;
  }
}
