/**
 * The REST adapter on the shared HTTP server: `GET /openapi.json` (no auth), the job routes, and problem
 * answers for unknown routes under the REST prefixes. Errors are answered by `problemErrorHandler`, which the
 * app installs last for every non-GraphQL path.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { Router } from 'express';
import type { Authenticator } from '../auth/authenticator';
import type { Services } from '../services';
import { joboutRoutes } from './jobout-routes';
import { openApiDocument } from './openapi';
import { HttpProblem } from './problem';

export const REST_PREFIXES = ['/v1', '/v2'];

export function createRestRouter(deps: { orm: MikroORM; authenticator: Authenticator; services: Services }): Router {
  const router = Router();
  const document = openApiDocument();
  router
    .route('/openapi.json')
    .get((_req, res) => {
      res.json(document);
    })
    .all((req, _res, next) => {
      next(new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; allowed: GET, HEAD`, [], { Allow: 'GET, HEAD' }));
    });
  router.use(joboutRoutes({ orm: deps.orm, authenticator: deps.authenticator, jobs: deps.services.jobs }));
  router.use(REST_PREFIXES, (req, _res, next) => {
    next(new HttpProblem('ROUTE_NOT_FOUND', `No route ${req.method} ${req.originalUrl.split('?')[0]}`));
  });
  return router;
}
