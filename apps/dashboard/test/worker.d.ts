// The built SvelteKit Worker (vitest alias of .svelte-kit/cloudflare/_worker.js).
declare module '$worker' {
  const worker: ExportedHandler<Record<string, unknown>>;
  export default worker;
}
