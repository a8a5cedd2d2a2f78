// The tests' main Worker: it exports the class of the Durable Object the tests bind (ORG_DO in
// vitest.config.ts), as src/worker.ts, the deployed entry, does. Route tests call src/worker.ts
// itself ($worker); this module only hosts the objects.
export { OrganizationDatabase } from 'kuratchi-sdk/email/durable-object';

export default {
  fetch: () => new Response('kuratchi dashboard test worker', { status: 404 }),
} satisfies ExportedHandler;
