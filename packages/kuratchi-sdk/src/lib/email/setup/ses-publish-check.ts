/**
 * Whether a topic's access policy lets SES publish one configuration set's events, whatever the
 * statement's `Sid` or form: the check of a topic that is yours (setup does not write its
 * policy) and of `getSESEventTrackingStatus`. A small reading of the IAM policy grammar that errs
 * towards "no": a statement counts only when every part of it is understood.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */

/** Where SES publishes from: the topic, and the account and configuration set it publishes for. */
export interface SesPublisher {
  topicArn: string;
  accountId: string;
  configurationSetArn: string;
}

type Json = Record<string, unknown>;

/**
 * True when some `Allow` statement grants `SNS:Publish` on the topic to `ses.amazonaws.com` (or to
 * everyone), under conditions that hold for this account and configuration set
 * (`AWS:SourceAccount`, `AWS:SourceArn` with `StringEquals`/`StringLike`/`ArnEquals`/`ArnLike`),
 * and no `Deny` statement could refuse it. Not JSON, an unknown condition, `NotPrincipal`,
 * `NotAction` or `NotResource`: not counted.
 */
export function sesMayPublish(policyJson: string | undefined, publisher: SesPublisher): boolean {
  const statements = statementsOf(policyJson);
  const applies = (s: Json) => principalIsSes(s.Principal) && actionIsPublish(s.Action) && resourceIs(s, publisher);
  if (statements.some((s) => s.Effect === 'Deny' && (applies(s) || 'NotPrincipal' in s || 'NotAction' in s)))
    return false;
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      !('NotPrincipal' in s || 'NotAction' in s || 'NotResource' in s) &&
      applies(s) &&
      conditionsHold(s.Condition, publisher),
  );
}

function statementsOf(policyJson: string | undefined): Json[] {
  if (!policyJson) return [];
  try {
    const statement = (JSON.parse(policyJson) as { Statement?: unknown }).Statement;
    const list = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
    return list.filter((s): s is Json => typeof s === 'object' && s !== null);
  } catch {
    return [];
  }
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function principalIsSes(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const { Service, AWS } = principal as { Service?: unknown; AWS?: unknown };
  return list(Service).includes('ses.amazonaws.com') || list(AWS).includes('*');
}

function actionIsPublish(action: unknown): boolean {
  return list(action).some((a) => typeof a === 'string' && ['sns:publish', 'sns:*', '*'].includes(a.toLowerCase()));
}

function resourceIs(statement: Json, publisher: SesPublisher): boolean {
  if (!('Resource' in statement)) return false;
  return list(statement.Resource).some((r) => typeof r === 'string' && globMatches(r, publisher.topicArn));
}

/** Condition operators understood, and whether they compare with wildcards. */
const OPERATORS: Record<string, { like: boolean }> = {
  stringequals: { like: false },
  arnequals: { like: false },
  stringlike: { like: true },
  arnlike: { like: true },
};

function conditionsHold(condition: unknown, publisher: SesPublisher): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  const values: Record<string, string> = {
    'aws:sourceaccount': publisher.accountId,
    'aws:sourcearn': publisher.configurationSetArn,
  };
  return Object.entries(condition as Record<string, unknown>).every(([operator, keys]) => {
    const rule = OPERATORS[operator.toLowerCase()];
    if (!rule || typeof keys !== 'object' || keys === null) return false;
    return Object.entries(keys as Record<string, unknown>).every(([key, expected]) => {
      const actual = values[key.toLowerCase()];
      if (actual === undefined) return false;
      return list(expected).some((e) => typeof e === 'string' && (rule.like ? globMatches(e, actual) : e === actual));
    });
  });
}

/** IAM wildcards: `*` any run of characters, `?` one character; the rest literal. */
function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}
