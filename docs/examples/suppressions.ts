import { addSuppression, findSuppressedRecipients, listSuppressions, removeSuppression } from 'kuratchi-sdk/email';

/** The suppression list of one organisation's database, by hand. */
export async function suppressionsByHand(db: D1Database): Promise<void> {
  await addSuppression(db, 'Ana@Example.com', { detail: 'asked by phone' }); // reason 'manual', lower-cased
  await findSuppressedRecipients(db, ['ana@example.com', 'ben@example.com']); // the suppressed ones
  await listSuppressions(db, { limit: 100, reason: 'bounce' }); // a page, in address order
  await removeSuppression(db, 'ana@example.com'); // true when it was there
}
