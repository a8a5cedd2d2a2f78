import { env } from 'cloudflare:test';
import { createOrgDatabaseClient } from '../src/lib/email/organizations/org-databases.js';
import { createD1AdminStore } from '../src/lib/email/routing/d1-admin-store.js';
import { createD1OrgEmailStore } from '../src/lib/email/routing/d1-org-email-store.js';
import type { EventSinkPorts } from '../src/lib/email/routing/record.js';
import { createFaultPlan, failingD1, type FaultPlan } from './failing-d1.js';

/**
 * Sink ports on the admin D1 and Acme's D1 that count their round trips (`plan.calls`) and
 * statements (`plan.executed`): how the tests hold the D1 cost of recording and parking.
 */
export function countingPorts(now: Date): { plan: FaultPlan; ports: EventSinkPorts } {
  const plan = createFaultPlan();
  const adminDb = failingD1(env.ADMIN_DB, plan);
  const orgDatabase = createOrgDatabaseClient(adminDb, { ORG_DB_ACME: failingD1(env.ORG_DB_ACME, plan) });
  const ports: EventSinkPorts = {
    adminStore: createD1AdminStore(adminDb),
    resolveOrgEmailStore: async (id) => createD1OrgEmailStore(await orgDatabase(id)),
    now: () => now,
  };
  return { plan, ports };
}
