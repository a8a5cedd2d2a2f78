import type { D1Database } from '@cloudflare/workers-types';
import { marks } from '../shared/sql-marks.js';
import type { SuppressionListEntry, SuppressionStore } from './ports.js';

const SELECT = `SELECT email_address AS emailAddress, reason, detail, source_email_id AS sourceEmailId, created_at AS createdAt
  FROM email_suppressions`;

/**
 * The organisation's suppression list (`email_suppressions`) on D1 prepared statements. Addresses
 * are stored lower-cased; callers pass them lower-cased.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1SuppressionStore(db: D1Database): SuppressionStore {
  return {
    async find(emailAddresses) {
      if (emailAddresses.length === 0) return [];
      const unique = [...new Set(emailAddresses)];
      const { results } = await db
        .prepare(`${SELECT} WHERE email_address IN (${marks(unique.length)}) ORDER BY email_address`)
        .bind(...unique)
        .all<SuppressionListEntry>();
      return results;
    },

    async list({ limit, after, reason, search }) {
      // instr, not LIKE: `%` and `_` in the searched text are plain characters.
      const { results } = await db
        .prepare(
          `${SELECT} WHERE email_address > ?1 AND (?2 IS NULL OR reason = ?2) AND (?3 IS NULL OR instr(email_address, ?3) > 0)
           ORDER BY email_address LIMIT ?4`,
        )
        .bind(after ?? '', reason ?? null, search ?? null, limit)
        .all<SuppressionListEntry>();
      return results;
    },

    async add(entry) {
      const result = await db
        .prepare(
          `INSERT INTO email_suppressions (email_address, reason, detail, source_email_id, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (email_address) DO NOTHING`,
        )
        .bind(entry.emailAddress, entry.reason, entry.detail, entry.sourceEmailId, entry.createdAt)
        .run();
      return result.meta.changes > 0; // D1 counts the rows its triggers change too (migrations/org/0009)
    },

    async remove(emailAddress) {
      const result = await db
        .prepare('DELETE FROM email_suppressions WHERE email_address = ?')
        .bind(emailAddress)
        .run();
      return result.meta.changes > 0; // D1 counts the rows its triggers change too (migrations/org/0009)
    },
  };
}
