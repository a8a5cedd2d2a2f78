import adapter from '@sveltejs/adapter-cloudflare';

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    // The Worker is configured by the wrangler.toml at the repository root; the adapter reads
    // adapter.wrangler.toml, which says where to write its build (see that file).
    adapter: adapter({ config: 'adapter.wrangler.toml' }),
    // SNS posts `text/plain` without an Origin header, which SvelteKit's CSRF check answers 403.
    // The check is done by src/hooks.server.ts instead: every cross-site form post is refused
    // except on the SNS webhook path (which proves its origin by signature).
    csrf: { trustedOrigins: ['*'] },
  },
};
