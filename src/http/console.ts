/**
 * The back-office console (CONTRACT §10) on the gateway's own port: the single-page app built into dist/console by
 * `npm run build`, served with a Content-Security-Policy that allows only this origin (no inline script, no other
 * host; graphql-ws included, as connect-src 'self' covers ws: and wss: on the same host). Assets have hashed names
 * and are cached for good; the page itself is revalidated, so a new build is picked up at once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import helmet from 'helmet';

/** The console's client-side routes: each serves the page, which shows the route. */
export const CONSOLE_ROUTES = ['/', '/jobs', '/jobs/*path', '/connections', '/connections/*path', '/exports', '/exports/*path', '/live'];

/**
 * dist/console under the project root, from this file whether it runs as src/http/console.ts (tests) or as
 * dist/src/http/console.js (npm start). Not found by looking for package.json: tsc copies it into dist/.
 */
export function defaultConsoleDir(): string {
  const built = __dirname.split(path.sep).includes('dist');
  return path.resolve(__dirname, built ? '../../..' : '../..', 'dist', 'console');
}

const securityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  // Jobout often runs on plain HTTP behind a proxy or on localhost: HSTS is the proxy's decision, not the app's.
  strictTransportSecurity: false,
});

export function consoleRouter(consoleDir: string): Router {
  const router = Router();
  const page = path.join(consoleDir, 'index.html');
  router.use('/assets', securityHeaders, express.static(path.join(consoleDir, 'assets'), { index: false, immutable: true, maxAge: '365d' }));
  router.use('/assets', (_req, res) => void res.status(404).type('text/plain').send('No such asset: the console may have been rebuilt, reload the page.\n'));
  router.get('/favicon.svg', securityHeaders, (_req, res) => res.sendFile(path.join(consoleDir, 'favicon.svg'), { maxAge: '1d' }));
  router.get(CONSOLE_ROUTES, securityHeaders, (_req, res) => {
    if (!existsSync(page)) {
      res.status(503).type('text/plain').send('The console is not built: run `npm run build` (npm start does it first).\n');
      return;
    }
    res.set('cache-control', 'no-cache').sendFile(page);
  });
  return router;
}
