import { createD1ReputationGuardStore, describeGuardWindow, formatRate } from 'kuratchi-sdk/internal/guard';
import type { AlertCondition } from '../alerts/condition';

/**
 * The reputation guard's alert conditions as of now, from its state table: `reputation-pause`
 * (critical) per paused organisation, keyed by the pause's start (a new pause is a new incident),
 * and `reputation-warn` (warning) per organisation in warn, keyed by organisation; the title
 * names the window that decided (`short window 60 minutes`, `long window 7 days`). An
 * `AlertProvider` of the alerts job (../alerts/providers.ts).
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export function reputationAlertProvider(env: DashboardEnv): (now?: Date) => Promise<AlertCondition[]> {
  return async () => {
    const organizations = await createD1ReputationGuardStore(env.ADMIN_DB).listOrganizations();
    const conditions: AlertCondition[] = [];
    for (const { organizationId, name, guard } of organizations) {
      if (!guard || guard.state === 'ok' || !guard.metric) continue;
      const window = describeGuardWindow(guard);
      const cause = `${guard.metric} rate ${formatRate(guard.rate ?? 0)} is past the ${guard.state === 'paused' ? 'pause' : 'warn'} threshold ${formatRate(guard.threshold ?? 0)}${window ? ` (${window})` : ''}`;
      conditions.push(
        guard.state === 'paused'
          ? {
              kind: 'reputation-pause',
              key: `reputation-pause:${organizationId}:${guard.since}`,
              organizationId,
              severity: 'critical',
              title: `${name}: sending paused, ${cause}`,
              detail:
                'sendEmail refuses this organisation until a superadmin lifts the pause (Organisations page, with a reason). Find the list or campaign behind the rate first.',
            }
          : {
              kind: 'reputation-warn',
              key: `reputation-warn:${organizationId}`,
              organizationId,
              severity: 'warning',
              title: `${name}: ${cause}`,
              detail:
                'Sending goes on; past the pause threshold the guard pauses this organisation. Check recent bounces and complaints.',
            },
      );
    }
    return conditions;
  };
}
