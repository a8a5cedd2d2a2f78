import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [tailwindcss(), sveltekit()],
  // The server bundle runs in workerd, not Node: resolve packages as a Worker does (wrangler's
  // own conditions and the package.json `browser` field). Without it the AWS SDK's Node runtime
  // config (file-based credential and region loaders, node:http handler) is bundled, and loading
  // it crashes the Worker; its `browser` variant (fetch handler, WebCrypto) is the one for Workers.
  // https://vite.dev/config/ssr-options#ssr-target
  // https://developers.cloudflare.com/workers/wrangler/bundling/
  ssr: { target: 'webworker', resolve: { conditions: ['workerd', 'worker'] } },
});
