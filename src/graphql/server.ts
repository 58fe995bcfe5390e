/**
 * Apollo Server with hardened defaults (DESIGN "Hardened API defaults"): CSRF prevention, no batching, depth and
 * alias limits, introspection and "did you mean" hints off in production, no stack traces, generic internal
 * errors with a correlation id.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../logger';
import type { GraphQLContext } from './context';
import { createFormatError } from './errors';
import { PARSE_OPTIONS, queryLimits } from './limits';

export function createApolloServer(options: { schema: GraphQLSchema; production: boolean; logger: Logger; plugins?: ApolloServerPlugin<GraphQLContext>[] }) {
  return new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: !options.production,
    hideSchemaDetailsFromClientErrors: options.production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // No automatic persisted queries: no client of the contract needs them, and a request holding only a hash would
    // pass the checks made on the document's text (a subscription over HTTP) and fill a cache any caller can write.
    persistedQueries: false,
    // A request a cross-site form cannot send is safe: a non-simple content type, or one of these headers. A
    // bearer token is one (a browser never adds it by itself), so clients that send queries as GET (urql's
    // default) work; Apollo's own two headers stay accepted.
    csrfPrevention: { requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'] },
    // main.ts owns shutdown: the HTTP server must keep answering (/readyz 503) while in-flight sends settle.
    stopOnTerminationSignals: false,
    validationRules: [queryLimits], // with `introspection: false`, Apollo adds the rule refusing it
    parseOptions: PARSE_OPTIONS,
    formatError: createFormatError(options.logger),
    plugins: [ApolloServerPluginLandingPageDisabled(), ...(options.plugins ?? [])],
  });
}
