/**
 * R2 lifecycle rules as `kuratchi-ses deploy` reads and changes them with wrangler: the rules of
 * `wrangler r2 bucket lifecycle list`, and what makes a bucket's rule the one wanted (the
 * commands: `lifecycle add` when it is missing, `lifecycle remove` then `add` when it differs).
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#r2-bucket-lifecycle-list
 */

/** A rule wanted on a bucket: objects under `prefix` expire `days` days after they are written. */
export interface WantedRule {
  name: string;
  prefix: string;
  days: number;
}

/** A rule as `wrangler r2 bucket lifecycle list` prints it. */
export interface ListedRule {
  name: string;
  enabled: boolean;
  /** The key prefix it applies to ('' for every object). */
  prefix: string;
  /** Its actions as printed (`Expire objects after 45 days`, several joined by `, `). */
  action: string;
}

/** What a wanted rule needs: nothing, to be added, or to be replaced (`was`: how it differs). */
export type RulePlan =
  | { rule: WantedRule; status: 'unchanged' }
  | { rule: WantedRule; status: 'created'; commands: string[][] }
  | { rule: WantedRule; status: 'updated'; was: string; commands: string[][] };

/**
 * The rules in `wrangler r2 bucket lifecycle list BUCKET`'s answer: one block of labelled lines
 * per rule (`name:`, `enabled: Yes|No`, `prefix:` or `(all prefixes)`, `action:`), blocks apart by
 * a blank line, after a `Listing lifecycle rules…` line (wrangler 4.86.0's format; colours, when
 * forced, are ignored). An answer without rules gives none.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#r2-bucket-lifecycle-list
 */
export function parseLifecycleRules(listing: string): ListedRule[] {
  // eslint-disable-next-line no-control-regex -- ANSI colour codes
  const plain = listing.replace(/\u001b\[[0-9;]*m/g, '');
  const rules: ListedRule[] = [];
  for (const block of plain.split(/\n\s*\n/)) {
    const value = (label: string) => new RegExp(`^\\s*${label}:[ \\t]*(.*?)\\s*$`, 'm').exec(block)?.[1];
    const name = value('name');
    if (name === undefined) continue;
    const prefix = value('prefix') ?? '';
    rules.push({
      name,
      enabled: value('enabled') === 'Yes',
      prefix: prefix === '(all prefixes)' ? '' : prefix,
      action: value('action') ?? '',
    });
  }
  return rules;
}

/** The days after which a listed rule expires objects when that is its only action, else null. */
export function expireDays(rule: ListedRule): number | null {
  const match = /^Expire objects after (\d+(?:\.\d+)?) days$/.exec(rule.action);
  return match ? Number(match[1]) : null;
}

/**
 * What each wanted rule needs on `bucket`, given the bucket's listed rules (the others are left
 * alone): a rule of that name that is enabled, on the same prefix, and only expires objects after
 * the same days is unchanged; one that differs is removed and added again (wrangler has no
 * update); a missing one is added.
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#r2-bucket-lifecycle-add
 * @see https://developers.cloudflare.com/workers/wrangler/commands/#r2-bucket-lifecycle-remove
 */
export function planRules(bucket: string, wanted: readonly WantedRule[], listed: readonly ListedRule[]): RulePlan[] {
  return wanted.map((rule) => {
    const add = ['r2', 'bucket', 'lifecycle', 'add', bucket, rule.name, rule.prefix];
    add.push('--expire-days', String(rule.days), '--force');
    const current = listed.find((r) => r.name === rule.name);
    if (!current) return { rule, status: 'created', commands: [add] };
    const days = expireDays(current);
    const differences = [
      ...(current.prefix === rule.prefix ? [] : [`prefix ${current.prefix || '(all prefixes)'}`]),
      ...(days === rule.days ? [] : [days === null ? current.action || '(no action)' : `${days} days`]),
      ...(current.enabled ? [] : ['disabled']),
    ];
    if (!differences.length) return { rule, status: 'unchanged' };
    const remove = ['r2', 'bucket', 'lifecycle', 'remove', bucket, '--name', rule.name];
    return { rule, status: 'updated', was: differences.join(', '), commands: [remove, add] };
  });
}
