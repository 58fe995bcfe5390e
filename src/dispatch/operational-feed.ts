/**
 * The receiving side of operational events: each instance LISTENs on OPERATIONAL_CHANNEL on a connection of its
 * own (a `Listener`, with heartbeat and reconnect) and hands each event to the local subscribers whose filter takes
 * it. Live, like the result feed: an event published while this instance's listener reconnects is not seen here.
 */
import type { Logger } from '../logger';
import { OPERATIONAL_CHANNEL } from '../db/notify-channels';
import { decodeOperationalEvent, type OperationalEvent, type OperationalEventFilter, type RawOperationalEvent } from '../domain/operational-event';
import { Listener } from './listener';
import { ResultStream } from './result-stream';

/** The subscribing side, as the GraphQL subscription sees it. */
export interface OperationalEventSource {
  subscribe(accept: OperationalEventFilter): AsyncIterableIterator<OperationalEvent>;
}

interface Subscriber {
  accept: OperationalEventFilter;
  stream: ResultStream<OperationalEvent>;
}

export class OperationalFeed implements OperationalEventSource {
  private readonly listener: Listener;
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    databaseUrl: string,
    private readonly logger: Logger,
  ) {
    this.listener = new Listener({
      databaseUrl,
      logger,
      channel: OPERATIONAL_CHANNEL,
      applicationName: 'jobout-events-listener',
      onNotification: (payload) => this.deliver(payload),
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  async stop(): Promise<void> {
    for (const subscriber of this.subscribers) subscriber.stream.end();
    await this.listener.stop();
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  subscribe(accept: OperationalEventFilter): AsyncIterableIterator<OperationalEvent> {
    const subscriber: Subscriber = { accept, stream: new ResultStream(() => this.subscribers.delete(subscriber)) };
    this.subscribers.add(subscriber);
    return subscriber.stream;
  }

  private deliver(notification: string): void {
    if (this.subscribers.size === 0) return;
    let event: OperationalEvent;
    try {
      event = decodeOperationalEvent(JSON.parse(notification) as RawOperationalEvent);
    } catch (error) {
      this.logger.warn('ignoring a malformed notification on the operational event channel', { error });
      return;
    }
    for (const subscriber of this.subscribers) {
      if (subscriber.accept(event) && !subscriber.stream.push(event)) {
        this.logger.warn('operational event subscriber fell too far behind; its subscription was ended', { type: event.type });
      }
    }
  }
}
