import type { AlertCondition, AlertKind, AlertReport } from './condition';

/** An incident that is open now, as the store holds it. */
export interface OpenIncident {
  id: string;
  key: string;
  kind: AlertKind;
  organizationId: string | null;
  severity: AlertCondition['severity'];
  title: string;
  detail: string;
  openedAt: number;
}

/** What one provider gave this run: its report, or the error it threw. */
export type ProviderOutcome =
  { kinds: readonly AlertKind[]; report: AlertReport } | { kinds: readonly AlertKind[]; error: string };

/** The changes one alerts run makes to the incidents. */
export interface AlertPlan {
  /** Conditions with no open incident: each opens one (and its "opened" notice). */
  open: AlertCondition[];
  /** Open incidents still present whose wording or severity changed (not notified). */
  reword: Array<{ id: string; severity: AlertCondition['severity']; title: string; detail: string }>;
  /** Open incidents whose condition is gone: each is cleared (and its "cleared" notice). */
  clear: OpenIncident[];
}

/**
 * Compares what holds now with the open incidents. An incident is cleared only when the provider
 * of its kind answered and neither reported its key nor listed it as unknown: a provider that
 * failed, or could not read one organisation, never clears (nor opens) anything it did not see.
 * A condition reported twice (same key) counts once.
 */
export function planAlertRun(open: readonly OpenIncident[], outcomes: readonly ProviderOutcome[]): AlertPlan {
  const present = new Map<string, AlertCondition>();
  const unknown = new Set<string>();
  const answered = new Set<AlertKind>();
  for (const outcome of outcomes) {
    if ('error' in outcome) continue;
    for (const kind of outcome.kinds) answered.add(kind);
    for (const key of outcome.report.unknownKeys) unknown.add(key);
    for (const condition of outcome.report.conditions) {
      if (!present.has(condition.key)) present.set(condition.key, condition);
    }
  }
  const openByKey = new Map(open.map((incident) => [incident.key, incident]));
  const plan: AlertPlan = { open: [], reword: [], clear: [] };
  for (const condition of present.values()) {
    const incident = openByKey.get(condition.key);
    if (!incident) plan.open.push(condition);
    else if (
      incident.title !== condition.title ||
      incident.detail !== condition.detail ||
      incident.severity !== condition.severity
    ) {
      plan.reword.push({
        id: incident.id,
        severity: condition.severity,
        title: condition.title,
        detail: condition.detail,
      });
    }
  }
  for (const incident of open) {
    if (answered.has(incident.kind) && !present.has(incident.key) && !unknown.has(incident.key)) {
      plan.clear.push(incident);
    }
  }
  return plan;
}

/** A provider's answer in its report form. */
export function toReport(answer: AlertCondition[] | AlertReport): AlertReport {
  return Array.isArray(answer) ? { conditions: answer, unknownKeys: [] } : answer;
}
