/**
 * `kuratchi-sdk/internal/d1`: email tracking on Cloudflare D1. The admin and organisation databases
 * of a Worker's env (an organisation's on a D1 binding or on its Durable Object, both as a
 * `D1Database`), the D1 adapters of the ports of `kuratchi-sdk/internal/events`, the read queries of
 * the email log, and their errors: re-exports of the slices `organizations/`, `routing/`,
 * `archive/`, `ingest/`, `ses-events/`, `email-log/` and `reconcile/`'s D1 adapter.
 * Re-exports only; no AWS SDK.
 * @see https://developers.cloudflare.com/d1/worker-api/
 * @module
 */
export * from '../organizations/index.js';
export * from '../routing/index.js';
export * from '../email-log/index.js';
export * from '../archive/index.js';
export * from '../ingest/index.js';
export * from '../ses-events/index.js';
export { InvalidOptionsError } from '../shared/invalid-options.js';
export {
  createD1ReconcileStore,
  reconcileCursor,
  parseReconcileCursor,
  MAX_RECONCILE_PAGE,
} from '../reconcile/d1-reconcile-store.js';
export type {
  ReconcileStore,
  ReconcileCandidate,
  ReconcileCandidateQuery,
  ReconcileAsk,
} from '../reconcile/d1-reconcile-store.js';
