/**
 * A real graphql-ws client (`ws` as the WebSocket) for the result feed. Every event, error and completion of each
 * subscription is recorded in order, and the socket's close code is kept, so a test waits on what arrived
 * instead of sleeping.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export const EXPORT_RESULTS = `subscription($jobId: ID, $objectType: ObjectType) {
  exportResults(jobId: $jobId, objectType: $objectType) {
    exportId jobId jobName objectType objectReference triggerStatus state attempt httpStatus error nextAttemptAt occurredAt
  }
}`;

/** An `ExportResult` as it arrives over the wire. */
export interface ExportResult {
  exportId: string;
  jobId: string | null;
  jobName: string;
  objectType: string;
  objectReference: string;
  triggerStatus: string;
  state: string;
  attempt: number;
  httpStatus: number | null;
  error: string | null;
  nextAttemptAt: string | null;
  occurredAt: string;
}

export interface FeedSubscription {
  readonly events: ExportResult[];
  /** GraphQL errors of the operation, or the socket close event that ended it. */
  readonly errors: unknown[];
  readonly completed: boolean;
}

export interface FeedClient {
  subscribe(variables?: { jobId?: string; objectType?: string }): FeedSubscription;
  /** Any document, for tests of what the server refuses. */
  subscribeRaw(query: string, variables?: Record<string, unknown>): FeedSubscription;
  /** Resolves with the close code once the socket has closed. */
  readonly closed: Promise<number>;
  /** Ends its subscriptions and closes the socket. */
  close(): Promise<void>;
}

/** Connects at once (not lazily) to `<baseUrl>/graphql`; `token` undefined sends no `authorization` param. */
export function connectFeed(baseUrl: string, token: string | undefined): FeedClient {
  let onClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {}, // the close code is what the tests look at
    on: { closed: (event) => onClosed((event as { code: number }).code) },
  });
  return {
    closed,
    subscribe(variables = {}) {
      return this.subscribeRaw(EXPORT_RESULTS, variables);
    },
    subscribeRaw(query: string, variables: Record<string, unknown> = {}) {
      const subscription = { events: [] as ExportResult[], errors: [] as unknown[], completed: false };
      client.subscribe<Record<string, ExportResult>>(
        { query, variables },
        {
          next: (result) => {
            if (result.errors) subscription.errors.push(...result.errors);
            // the subscription's one root field, whichever it is (exportResults, operationalEvents)
            if (result.data) subscription.events.push(Object.values(result.data)[0]);
          },
          error: (error) => subscription.errors.push(error),
          complete: () => (subscription.completed = true),
        },
      );
      return subscription;
    },
    async close() {
      await client.dispose();
    },
  };
}
