/**
 * A subscription sent over HTTP is the client's mistake: a clear 400 naming graphql-ws, nothing logged as an error
 * (CONTRACT §9). Checked while the request's context is built, the one step Apollo runs before its own answer to
 * a GET of any non-query operation (405), so GET and POST get the same answer. The document is parsed here only
 * when its text names a subscription, and the operation the request selects is the one judged: a document that
 * also holds a subscription still runs its query. Every request carries its document's text: automatic persisted
 * queries (a hash instead) are off (graphql/server.ts).
 */
import { getOperationAST, GraphQLError, parse } from 'graphql';
import { PARSE_OPTIONS } from './limits';

export function refuseSubscriptionOverHttp(request: { query?: unknown; operationName?: unknown }): void {
  const { query, operationName } = request;
  if (typeof query !== 'string' || !/\bsubscription\b/.test(query)) return;
  if (selectedOperation(query, typeof operationName === 'string' ? operationName : undefined) === 'subscription') {
    throw new GraphQLError('Subscriptions run over graphql-ws (WebSocket) on /graphql, not over HTTP', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
  }
}

/** The kind of operation a request would run; undefined when the document does not parse (Apollo reports that). */
function selectedOperation(query: string, operationName: string | undefined): string | undefined {
  try {
    return getOperationAST(parse(query, PARSE_OPTIONS), operationName)?.operation;
  } catch {
    return undefined;
  }
}
