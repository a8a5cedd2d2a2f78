// The dashboard Worker as deployed (vitest alias of src/worker.ts, around the built SvelteKit Worker).
declare module '$worker' {
  const worker: ExportedHandler<Record<string, unknown>>;
  export default worker;
}
