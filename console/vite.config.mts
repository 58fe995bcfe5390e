/**
 * Builds the console into dist/console with hashed file names, which the gateway serves at `/` under a strict
 * Content-Security-Policy (src/http/console.ts): no inline script, nothing from another host.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// Always React's production build and JSX runtime: `npm test` runs this build with NODE_ENV=test, and a developer's
// shell may say development. Vite reads NODE_ENV after loading this file.
process.env.NODE_ENV = 'production';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.resolve(here, '../dist/console'),
    emptyOutDir: true,
    // Everything as files: a data: URL would need the CSP to allow it.
    assetsInlineLimit: 0,
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  logLevel: 'warn',
});
