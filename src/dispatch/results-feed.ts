/**
 * The live result feed: one event per finished attempt, seen by subscribers on every instance.
 *
 * Publishing: after the dispatcher settles a batch of attempts, one `pg_notify` round trip carries one JSON event
 * per attempt on RESULTS_CHANNEL. PostgreSQL refuses payloads of 8000 bytes or more, so the error text travels
 * capped (the attempt record keeps it whole) and an event that still does not fit is dropped with a warning rather
 * than failing the batch. Delivery: each instance LISTENs on its own dedicated connection (a `Listener`, with its
 * heartbeat and reconnect) and hands every event to the local subscribers whose filter accepts it.
 *
 * The feed is live, not a log: events published while an instance's listener reconnects never reach that
 * instance's subscribers, and a publish that fails is logged, not retried. The export records (`exports`,
 * `export(id)`) are the history; the settle has already committed them before anything is published.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { prepared, sqlRunner, type SqlRunner } from '../db/sql-runner';
import { RESULTS_CHANNEL } from '../db/notify-channels';
import type { ExportResultEvent, ResultFilter } from '../domain/export-result';
import type { ObjectType } from '../domain/statuses';
import type { Logger } from '../logger';
import { Listener } from './listener';
import { ResultStream } from './result-stream';
import type { SettledExport } from './sql/settle-attempts';

/** PostgreSQL's NOTIFY limit is "shorter than 8000 bytes". */
export const MAX_PAYLOAD_BYTES = 7_999;
/** Error text on the feed, in characters (at most 4 bytes each): leaves room for every other field. */
export const MAX_ERROR_CHARS = 1_000;

/** The subscribing side, as the GraphQL subscription sees it. */
export interface ResultSource {
  subscribe(accept: ResultFilter): AsyncIterableIterator<ExportResultEvent>;
}

const PUBLISH_SQL = prepared('jobout_publish_results', 'select pg_notify($1, payload) from json_array_elements_text($2::json) as payload');

function capError(error: string | null): string | null {
  if (error === null || error.length <= MAX_ERROR_CHARS) return error;
  // Cut one character short for the ellipsis, and never between the two halves of a surrogate pair.
  return `${error.slice(0, MAX_ERROR_CHARS - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

/**
 * Events packed into as few notifications as fit PostgreSQL's payload limit, each a JSON array: a settled batch
 * of a burst is a handful of NOTIFYs instead of one per export (every one of which each instance would receive).
 */
export function packNotifications(payloads: string[]): string[] {
  const notifications: string[] = [];
  let current: string[] = [];
  let bytes = 2; // the brackets
  for (const payload of payloads) {
    const size = Buffer.byteLength(payload) + 1; // and its comma
    if (current.length > 0 && bytes + size > MAX_PAYLOAD_BYTES) {
      notifications.push(`[${current.join(',')}]`);
      current = [];
      bytes = 2;
    }
    current.push(payload);
    bytes += size;
  }
  if (current.length > 0) notifications.push(`[${current.join(',')}]`);
  return notifications;
}

function resultEvent(settled: SettledExport): ExportResultEvent {
  return {
    exportId: settled.id,
    jobId: settled.jobId,
    jobName: settled.jobName,
    objectType: settled.objectType as ObjectType,
    objectReference: settled.objectReference,
    triggerStatus: settled.triggerStatus,
    state: settled.state,
    attempt: settled.attempts,
    httpStatus: settled.httpStatus,
    error: capError(settled.error),
    nextAttemptAt: settled.nextAttemptAt,
    occurredAt: settled.occurredAt,
    supplierExternalId: settled.supplierExternalId,
    jobStoreIds: settled.jobStoreIds,
  };
}

/** An event as JSON carries it: dates as ISO text. */
type RawEvent = Omit<ExportResultEvent, 'nextAttemptAt' | 'occurredAt'> & { nextAttemptAt: string | null; occurredAt: string };

function decode(raw: RawEvent): ExportResultEvent {
  return { ...raw, nextAttemptAt: raw.nextAttemptAt === null ? null : new Date(raw.nextAttemptAt), occurredAt: new Date(raw.occurredAt) };
}

interface Subscriber {
  accept: ResultFilter;
  stream: ResultStream<ExportResultEvent>;
}

export class ResultsFeed implements ResultSource {
  private readonly listener: Listener;
  private readonly subscribers = new Set<Subscriber>();
  private readonly publishing = new Set<Promise<void>>();
  private readonly sql: SqlRunner;

  constructor(
    orm: MikroORM,
    databaseUrl: string,
    private readonly logger: Logger,
  ) {
    this.sql = sqlRunner(orm);
    this.listener = new Listener({
      databaseUrl,
      logger,
      channel: RESULTS_CHANNEL,
      applicationName: 'jobout-results-listener',
      onNotification: (payload) => this.deliver(payload),
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  /** Waits for publishes in progress, ends every subscription and stops listening. */
  async stop(): Promise<void> {
    await Promise.all(this.publishing);
    for (const subscriber of this.subscribers) subscriber.stream.end();
    await this.listener.stop();
  }

  /** Announces settled attempts to every instance. Never throws: the dispatcher's bookkeeping is already done. */
  publish(settled: SettledExport[]): void {
    const payloads: string[] = [];
    for (const event of settled.map(resultEvent)) {
      const payload = JSON.stringify(event);
      if (Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES - 2) payloads.push(payload); // fits a notification alone, brackets included
      else this.logger.warn('attempt result too large for the feed; not published', { exportId: event.exportId, bytes: Buffer.byteLength(payload) });
    }
    if (payloads.length === 0) return;
    const published: Promise<void> = this.sql
      .query(PUBLISH_SQL, [RESULTS_CHANNEL, JSON.stringify(packNotifications(payloads))])
      .then(
        () => undefined,
        (error) => this.logger.warn('could not publish attempt results to the feed', { error, exports: settled.map((s) => s.id) }),
      )
      .finally(() => this.publishing.delete(published));
    this.publishing.add(published);
  }

  /** Live subscriptions on this instance. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  subscribe(accept: ResultFilter): AsyncIterableIterator<ExportResultEvent> {
    const subscriber: Subscriber = { accept, stream: new ResultStream(() => this.subscribers.delete(subscriber)) };
    this.subscribers.add(subscriber);
    return subscriber.stream;
  }

  /** A notification carries a JSON array of events (see `packNotifications`). */
  private deliver(notification: string): void {
    if (this.subscribers.size === 0) return; // nobody here to tell: not even worth parsing
    let events: ExportResultEvent[];
    try {
      events = (JSON.parse(notification) as RawEvent[]).map(decode);
    } catch (error) {
      this.logger.warn('ignoring a malformed notification on the result channel', { error });
      return;
    }
    for (const event of events) {
      for (const subscriber of this.subscribers) {
        if (subscriber.accept(event) && !subscriber.stream.push(event)) {
          this.logger.warn('result feed subscriber fell too far behind; its subscription was ended', { exportId: event.exportId });
        }
      }
    }
  }
}
