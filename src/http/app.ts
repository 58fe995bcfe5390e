/**
 * The HTTP surface on one port: operational endpoints (no auth), GraphQL at /graphql, the REST routes, and a
 * JSON error for bodies that are too large or malformed (problem+json outside GraphQL). Every request that
 * touches data gets its own EntityManager fork.
 */
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/postgresql';
import cors, { type CorsOptions } from 'cors';
import express, { type ErrorRequestHandler, type Express, type Request } from 'express';
import { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticator';
import { addressOf } from '../auth/failed-auth-throttle';
import { DomainError, TooManyRequestsError } from '../domain/errors';
import type { GraphQLContext } from '../graphql/context';
import { refuseSubscriptionOverHttp } from '../graphql/subscriptions-over-http';
import type { Logger } from '../logger';
import { metricsHandler, type Metrics } from '../observability/metrics';
import { problemErrorHandler } from '../rest/problem';
import { createRestRouter } from '../rest/router';
import type { Services } from '../services';
import { BODY_LIMIT } from '../request-limits';
import { consoleRouter } from './console';

export interface AppDeps {
  orm: MikroORM;
  apollo: ApolloServer<GraphQLContext>;
  authenticator: Authenticator;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  /** JOBOUT_METRICS_TOKEN, if set. */
  metricsToken: string | undefined;
  /** JOBOUT_CORS_ORIGINS. */
  corsOrigins: string[];
  /** Why the instance cannot take work now, or undefined when ready. */
  notReadyReason: () => Promise<string | undefined>;
  /** The built console (dist/console). */
  consoleDir: string;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const reason = await deps.notReadyReason();
    res.status(reason ? 503 : 200).json(reason ? { status: 'unavailable', reason } : { status: 'ready' });
  });
  app.get('/metrics', metricsHandler(deps.metrics, deps.logger, { token: deps.metricsToken, authenticator: deps.authenticator }));

  // Browsers on the listed origins may call the API (GraphQL and the REST routes); others get no CORS headers.
  if (deps.corsOrigins.length > 0) {
    const allowOrigin = cors(corsOptions(deps.corsOrigins));
    // Only for a listed origin: the cors package adds its other headers to every preflight.
    app.use(['/graphql', '/v1', '/v2'], (req, res, next) => (deps.corsOrigins.includes(req.headers.origin ?? '') ? allowOrigin(req, res, next) : next()));
  }

  app.use(
    '/graphql',
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(deps.apollo, {
      context: async ({ req }): Promise<GraphQLContext> => {
        const em = deps.orm.em.fork();
        try {
          const principal = await deps.authenticator.authenticate(em, req.headers.authorization, addressOf(req.socket));
          // after authentication, so a caller without a valid token gets its 401 whatever it sent
          refuseSubscriptionOverHttp(req.method === 'GET' ? req.query : (req.body ?? {}));
          return { scope: { em, principal }, services: deps.services };
        } catch (error) {
          if (error instanceof TooManyRequestsError) {
            const headers = new HeaderMap([['retry-after', String(error.retryAfterSeconds)]]);
            throw new GraphQLError(error.message, { extensions: { code: error.code, http: { status: 429, headers } } });
          }
          if (error instanceof DomainError) {
            throw new GraphQLError(error.message, { extensions: { code: error.code, http: { status: 401 } } });
          }
          throw error;
        }
      },
    }),
  );

  app.use(createRestRouter(deps));
  app.use(consoleRouter(deps.consoleDir));

  app.use(bodyErrorHandler(deps.logger));
  return app;
}

/**
 * Errors answer in the caller's protocol instead of an HTML page: GraphQL's error list under /graphql (body-parser
 * failures: too large, malformed JSON), problem+json everywhere else (the REST routes' errors).
 */
function bodyErrorHandler(logger: Logger): ErrorRequestHandler {
  const problems = problemErrorHandler(logger);
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    if (!isGraphQLPath(req)) return problems(error, req, res, next);
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    const message = status === 413 ? `Request body larger than ${BODY_LIMIT}` : status < 500 ? 'Malformed request body' : 'Internal error';
    if (status >= 500) logger.error('request failed', { path: req.path, error });
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}

const isGraphQLPath = (req: Request) => req.path.startsWith('/graphql') || req.baseUrl.startsWith('/graphql');

function corsOptions(origins: string[]): CorsOptions {
  return {
    origin: origins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    // What the API reads; the token travels in Authorization, never in a cookie (no credentials mode needed).
    allowedHeaders: ['authorization', 'content-type', 'dj-client', 'apollo-require-preflight', 'x-apollo-operation-name'],
    exposedHeaders: ['location', 'retry-after', 'deprecation', 'link'],
    maxAge: 600,
  };
}
