/**
 * graphql-ws on the HTTP server's port and path (`/graphql`), for the result feed. A connection is authenticated
 * once, from the `authorization` connection param, before it is acknowledged: a missing or unknown token closes
 * the socket with 4401. Every operation gets its own EntityManager fork, the query limits of HTTP GraphQL, and the
 * same error formatting (domain codes kept, internal details logged under a correlation id and never sent).
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { GraphQLError, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Server } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import type { Authenticator } from '../auth/authenticator';
import { addressOf } from '../auth/failed-auth-throttle';
import { bearerToken, hashToken } from '../auth/tokens';
import type { OperationalEventSource } from '../dispatch/operational-feed';
import type { ResultSource } from '../dispatch/results-feed';
import { DomainError, TooManyRequestsError } from '../domain/errors';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { createFormatError } from './errors';
import { PARSE_OPTIONS, queryLimits } from './limits';
import { SocketAudit, type SocketIdentity } from './socket-audit';
import { MAX_SOCKETS_PER_PRINCIPAL, MAX_SUBSCRIPTIONS_PER_PRINCIPAL, SocketLimits, TOO_MANY } from './socket-limits';

/** The largest graphql-ws message accepted, like the HTTP body limit. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
import type { SubscriptionContext } from './resolvers/export-result-resolver';

export const GRAPHQL_PATH = '/graphql';

export interface SubscriptionServerDeps {
  httpServer: Server;
  schema: GraphQLSchema;
  orm: MikroORM;
  authenticator: Authenticator;
  services: Services;
  results: ResultSource;
  events: OperationalEventSource;
  logger: Logger;
  production: boolean;
}

export interface SubscriptionServer {
  /** Closes every socket (1001 Going away), which ends their subscriptions, then the WebSocket server. */
  close(): Promise<void>;
}

const authorizationOf = (params: Record<string, unknown> | undefined) => (typeof params?.authorization === 'string' ? params.authorization : undefined);

export function serveSubscriptions(deps: SubscriptionServerDeps): SubscriptionServer {
  // A message over 1 MiB closes the socket (1009) before it is parsed, as the HTTP body limit does for POSTs.
  const wsServer = new WebSocketServer({ server: deps.httpServer, path: GRAPHQL_PATH, maxPayload: MAX_MESSAGE_BYTES });
  const limits = new SocketLimits();
  // ws closes the socket of a client that breaks the protocol (a message over 1 MiB: 1009; bad UTF-8, no mask, ...)
  // and emits the error; graphql-ws would print each to the console as an internal error, which any client could
  // then fill the console with. Registered before graphql-ws's handler.
  wsServer.on('connection', (socket) => {
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) =>
      event === 'error' && String((args[0] as { code?: unknown } | undefined)?.code).startsWith('WS_ERR_') ? true : emit(event, ...args)) as typeof socket.emit;
  });
  /** A failure of ours during the handshake or an operation: logged (redacted) here, the client told only that. */
  const internalFailure = (socket: WebSocket, error: unknown, what: string) => {
    deps.logger.error(`graphql-ws ${what} failed`, { error });
    socket.close(CloseCode.InternalServerError, 'Internal error');
  };
  const formatError = createFormatError(deps.logger);
  // graphql-ws runs queries too: in production introspection is refused here as Apollo refuses it over HTTP.
  const rules = [...specifiedRules, queryLimits, ...(deps.production ? [NoSchemaIntrospectionCustomRule] : [])];
  // Errors without an original error are graphql-js's validation errors, or this server's refusals (which carry
  // their own code): the client's to see, without "did you mean" hints in production (as Apollo does over HTTP).
  const clientMessage = (message: string) => (deps.production ? message.replace(/ ?Did you mean(.+?)\?$/, '') : message);
  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((error) =>
      error.originalError
        ? formatError(error.toJSON(), error)
        : { message: clientMessage(error.message), locations: error.locations, extensions: { code: typeof error.extensions?.code === 'string' ? error.extensions.code : 'GRAPHQL_VALIDATION_FAILED' } },
    );

  const audit = new SocketAudit(deps.orm, deps.logger);
  const server = useServer<Record<string, unknown>, { identity?: SocketIdentity }>(
    {
      schema: deps.schema,
      isProd: deps.production,
      onConnect: async (ctx) => {
        try {
          const authorization = authorizationOf(ctx.connectionParams);
          const principal = await deps.authenticator.authenticate(deps.orm.em.fork(), authorization, addressOf(ctx.extra.request.socket));
          // Closed while its token was checked: tracking it now would hold a slot no 'close' event will ever free.
          if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
          ctx.extra.identity = { principal, tokenHash: principal.builtIn ? undefined : hashToken(bearerToken(authorization)!) };
          if (!limits.admitSocket(principal.id, ctx.extra.socket)) {
            ctx.extra.socket.close(TOO_MANY, `At most ${MAX_SOCKETS_PER_PRINCIPAL} sockets per token`);
            return false;
          }
          audit.track(ctx.extra.socket, ctx.extra.identity);
          return true;
        } catch (error) {
          if (error instanceof DomainError) ctx.extra.socket.close(error instanceof TooManyRequestsError ? TOO_MANY : CloseCode.Unauthorized, error.message);
          else internalFailure(ctx.extra.socket, error, 'authentication');
          return false; // graphql-ws then closes with 4403, which ws ignores on a socket already closing
        }
      },
      context: (ctx): SubscriptionContext => {
        const identity = ctx.extra.identity!;
        return {
          // The principal as the socket audit last refreshed it: a long subscription follows the operator's stores.
          scope: {
            em: deps.orm.em.fork(),
            get principal() {
              return identity.principal;
            },
          },
          services: deps.services,
          results: deps.results,
          events: deps.events,
        };
      },
      // Every operation checks the socket's token again: one revoked or rotated runs nothing more.
      onSubscribe: async (ctx, id, payload) => {
        let valid: boolean;
        try {
          valid = await audit.stillValid(ctx.extra.identity!);
        } catch (error) {
          internalFailure(ctx.extra.socket, error, 'token check');
          return [new GraphQLError('Internal error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
        }
        if (!valid) {
          ctx.extra.socket.close(CloseCode.Unauthorized, 'Token revoked, rotated or expired');
          return [new GraphQLError('Token revoked, rotated or expired', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        if (!limits.admitOperation(ctx.extra.identity!.principal.id, ctx.extra.socket, id)) {
          return [new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_PRINCIPAL} subscriptions per token`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
        // Parsed here, with the token limit of HTTP requests: a document that fails is the client's error to read,
        // not a closed socket and a line on the console.
        let document: DocumentNode;
        try {
          document = parse(payload.query, PARSE_OPTIONS);
        } catch (error) {
          return [new GraphQLError(error instanceof GraphQLError ? error.message : 'Malformed document', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const invalid = validate(deps.schema, document, rules);
        if (invalid.length > 0) return [...invalid];
        return { schema: deps.schema, document, variableValues: payload.variables, operationName: payload.operationName };
      },
      onComplete: (ctx, id) => limits.operationEnded(ctx.extra.socket, id),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      // An operation refused after onSubscribe (invalid, too deep) never completes: its slot is freed here.
      onError: (ctx, id, _payload, errors) => {
        limits.operationEnded(ctx.extra.socket, id);
        return format(errors);
      },
    },
    wsServer,
  );
  return {
    close: async () => {
      audit.stop();
      await server.dispose();
    },
  };
}
