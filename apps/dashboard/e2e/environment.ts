import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const port = Number(process.env.E2E_PORT ?? 8795);

/** Where the end-to-end Worker runs and keeps its state. */
export const E2E = {
  root,
  port,
  baseURL: `http://127.0.0.1:${port}`,
  stateDir: `${root}.wrangler/e2e-state`,
  screenshots: fileURLToPath(new URL('../test-results/screenshots/', import.meta.url)),
};
