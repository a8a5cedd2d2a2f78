/**
 * The one rule of the calls that set an organisation's sending at SES (its tenant's
 * customer-managed status, its own configuration set's sending): the latest wish wins, whatever
 * order the calls reach SES in. Each call, and each new wish, takes the next number of its row's
 * counter ({@link takeCallSql}) before the call is made. When a call ends, its outcome is recorded
 * only while its number is still the latest and what it set is still the wish; otherwise another
 * call or wish came after it started and either may have reached SES last, so the latest wish is
 * made pending again and the counter moves on, so that the other call's end cannot mark it done
 * either ({@link callEndedSql}).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */

/** The SQL assignment of an UPDATE that takes the next number of `counter` (a column). */
export function takeCallSql(counter: string): string {
  return `${counter} = ${counter} + 1`;
}

/**
 * The SQL assignments of an UPDATE that records the end of the call numbered `number` (an SQL
 * parameter) that set what `wished` (an SQL condition) says is the wish: each column of `values`
 * gets its first expression while that number is the latest and `wished` holds, else its second
 * (the latest wish pending again); `counter` moves on in the second case. SQLite evaluates every
 * assignment on the row as it was, so all of them see the same counter.
 * @see https://www.sqlite.org/lang_update.html
 */
export function callEndedSql(
  counter: string,
  number: string,
  wished: string,
  values: Record<string, readonly [latest: string, stale: string]>,
): string {
  const latest = `(${counter} = ${number} AND (${wished}))`;
  return [
    ...Object.entries(values).map(([column, [ifLatest, ifStale]]) => {
      return `${column} = CASE WHEN ${latest} THEN ${ifLatest} ELSE ${ifStale} END`;
    }),
    `${counter} = CASE WHEN ${latest} THEN ${counter} ELSE ${counter} + 1 END`,
  ].join(', ');
}
