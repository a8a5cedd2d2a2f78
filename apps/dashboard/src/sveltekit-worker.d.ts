// The Worker that @sveltejs/adapter-cloudflare builds (`.svelte-kit/cloudflare/_worker.js`),
// imported by src/worker.ts through the `$sveltekit-worker` alias (wrangler.toml, vitest.config.ts).
declare module '$sveltekit-worker' {
  const worker: { fetch(request: Request, env: DashboardEnv, ctx: ExecutionContext): Promise<Response> };
  export default worker;
}
