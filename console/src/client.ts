/**
 * The urql client of a signed-in session: queries and mutations over HTTP on /graphql, subscriptions over
 * graphql-ws on the same path, each carrying the session's token. A 401 or UNAUTHENTICATED answer (token revoked,
 * rotated or expired) ends the session.
 */
import { createClient as createSocketClient } from 'graphql-ws';
import { cacheExchange, Client, fetchExchange, mapExchange, subscriptionExchange, type CombinedError } from 'urql';

export interface ConsoleSession {
  client: Client;
  dispose(): void;
}

const socketUrl = () => `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;

export function isUnauthenticated(error: CombinedError): boolean {
  const status = (error.response as Response | undefined)?.status;
  return status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

export function createSession(token: string, onSignedOut: () => void): ConsoleSession {
  const authorization = `Bearer ${token}`;
  const socket = createSocketClient({
    url: socketUrl(),
    connectionParams: { authorization },
    lazy: true,
    retryAttempts: 5,
    // 4401: the gateway closed the socket because the token was revoked, rotated or expired (CONTRACT §2)
    shouldRetry: (event) => !(event instanceof CloseEvent && event.code === 4401),
    on: { closed: (event) => event instanceof CloseEvent && event.code === 4401 && onSignedOut() },
  });
  const client = new Client({
    url: '/graphql',
    requestPolicy: 'cache-and-network',
    fetchOptions: { headers: { authorization } },
    exchanges: [
      mapExchange({
        onError(error) {
          if (isUnauthenticated(error)) onSignedOut();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, dispose: () => void socket.dispose() };
}
