// The tests' main Worker: it exports the classes of the Durable Objects the tests bind
// (vitest.config.ts `durableObjects`), as the dashboard's entry does in production.
export { OrganizationDatabase } from '../src/lib/email/durable-object/index.js';

export default {
  fetch: () => new Response('kuratchi-sdk test worker', { status: 404 }),
} satisfies ExportedHandler;
