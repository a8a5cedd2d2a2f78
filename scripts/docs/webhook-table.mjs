// The answers table of docs/webhook.md, generated from the webhook contract of the built SDK
// (`WEBHOOK_CONTRACT`, exported by `kuratchi-sdk/internal/events`). The table sits between two
// marks; `node scripts/docs/check.mjs --write` rewrites it, the check fails when it differs.
// packages/kuratchi-sdk/src/lib/email/events/webhook-contract.test.ts checks the same table
// against the source.

/** The marks around the generated table in docs/webhook.md. */
export const TABLE_START =
  '<!-- webhook-contract:start (generated from WEBHOOK_CONTRACT: node scripts/docs/check.mjs --write) -->';
export const TABLE_END = '<!-- webhook-contract:end -->';

/**
 * The Markdown table of a webhook contract: one row per answer, in the contract's order.
 * @param {Record<string, { status: number, outcome: string, snsRetries: boolean, rejected: boolean, logLevel: string, meaning: string }>} contract
 * @returns {string}
 */
export function webhookTable(contract) {
  const yesNo = (flag) => (flag ? 'yes' : 'no');
  const rows = Object.entries(contract).map(
    ([answer, r]) =>
      `| \`${answer}\` | ${r.status} | \`${r.outcome}\` | ${yesNo(r.snsRetries)} | ${yesNo(r.rejected)} | ${r.logLevel} | ${r.meaning} |`,
  );
  return [
    '| answer | status | outcome | SNS retries | rejected | log | meaning |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * `markdown` with the text between the marks replaced by `table`.
 * @param {string} markdown
 * @param {string} table
 */
export function withWebhookTable(markdown, table) {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/webhook.md: the marks ${TABLE_START} … ${TABLE_END} are missing`);
  return `${markdown.slice(0, start + TABLE_START.length)}\n${table}\n${markdown.slice(end)}`;
}
