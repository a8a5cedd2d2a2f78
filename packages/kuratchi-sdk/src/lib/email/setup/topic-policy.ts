/**
 * The statement of the topic's access policy that lets SES publish the configuration set's events,
 * and its idempotent merge into whatever policy the topic has (other statements are kept).
 */
import { canonicalJson } from './canonical-json.js';

/** `Sid` of the statement this SDK manages in the topic policy. */
export const SES_PUBLISH_STATEMENT_ID = 'KuratchiSesPublish';

/** One statement of an SNS topic access policy (IAM policy grammar). */
export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

/**
 * Allows `ses.amazonaws.com` to publish to the topic only for this account and this
 * configuration set (`AWS:SourceAccount`, `AWS:SourceArn`), so no other account's SES, and no
 * other configuration set, can publish to it (the confused-deputy guard AWS recommends).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-add-event-destination-sns.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
 */
export function sesPublishStatement(topicArn: string, accountId: string, configurationSetArn: string): PolicyStatement {
  return {
    Sid: SES_PUBLISH_STATEMENT_ID,
    Effect: 'Allow',
    Principal: { Service: 'ses.amazonaws.com' },
    Action: 'SNS:Publish',
    Resource: topicArn,
    Condition: { StringEquals: { 'AWS:SourceAccount': accountId, 'AWS:SourceArn': configurationSetArn } },
  };
}

/**
 * The topic policy with the statement in place: added, or replacing an outdated statement of
 * the same `Sid`; `changed` is false when the policy already held an equivalent statement.
 */
export function withStatement(
  policyJson: string | undefined,
  statement: PolicyStatement,
): { policy: string; changed: boolean } {
  const document = parsePolicy(policyJson);
  const others = document.Statement.filter((s) => s.Sid !== statement.Sid);
  const current = document.Statement.find((s) => s.Sid === statement.Sid);
  if (current && equivalent(current, statement)) return { policy: policyJson!, changed: false };
  const next: PolicyDocument = {
    ...document,
    Version: document.Version ?? '2012-10-17',
    Statement: [...others, statement],
  };
  return { policy: JSON.stringify(next), changed: true };
}

/** The policy without the statement of this `Sid`; `changed` is false when it had none. */
export function withoutStatement(policyJson: string | undefined, sid: string): { policy: string; changed: boolean } {
  const document = parsePolicy(policyJson);
  const kept = document.Statement.filter((s) => s.Sid !== sid);
  if (kept.length === document.Statement.length) return { policy: policyJson ?? '', changed: false };
  return { policy: JSON.stringify({ ...document, Statement: kept }), changed: true };
}

/** Whether the policy holds a statement equivalent to this one. */
export function hasStatement(policyJson: string | undefined, statement: PolicyStatement): boolean {
  return parsePolicy(policyJson).Statement.some((s) => s.Sid === statement.Sid && equivalent(s, statement));
}

function parsePolicy(policyJson: string | undefined): PolicyDocument {
  if (!policyJson) return { Statement: [] };
  const parsed = JSON.parse(policyJson) as Partial<PolicyDocument> & {
    Statement?: PolicyStatement | PolicyStatement[];
  };
  const statements =
    parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return { ...parsed, Statement: statements } as PolicyDocument;
}

/**
 * Same meaning: key order, a one-element list versus its element, and the case of action names
 * (`SNS:Publish` / `sns:Publish`) do not matter.
 */
function equivalent(a: PolicyStatement, b: PolicyStatement): boolean {
  return canonical(a) === canonical(b);
}

function canonical(statement: PolicyStatement): string {
  const actions = [statement.Action].flat().map((action) => action.toLowerCase());
  return canonicalJson({ ...statement, Action: actions }, { unorderedLists: true });
}
