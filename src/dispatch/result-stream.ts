/**
 * The queue between the result feed and one subscriber: the feed pushes events as they arrive, graphql-ws pulls
 * them as fast as the client's socket takes them. A subscriber that falls MAX_BACKLOG events behind (a stalled
 * client) is ended instead of holding memory without bound: it gets what is queued, then `complete`, and may
 * subscribe again.
 */

/** Events held for one subscriber before it is ended. */
export const MAX_BACKLOG = 1_000;

export class ResultStream<T> implements AsyncIterableIterator<T> {
  private readonly backlog: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;

  /** `onEnd` runs once, when the client completes, the socket closes or the backlog overflows. */
  constructor(
    private readonly onEnd: () => void,
    private readonly maxBacklog = MAX_BACKLOG,
  ) {}

  /** Queues an event; false when the stream has ended, or ends now because the subscriber is too far behind. */
  push(value: T): boolean {
    if (this.ended) return false;
    if (this.waiting) {
      const deliver = this.waiting;
      this.waiting = undefined;
      deliver({ value, done: false });
      return true;
    }
    if (this.backlog.length >= this.maxBacklog) {
      this.end();
      return false;
    }
    this.backlog.push(value);
    return true;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.backlog.length > 0) return Promise.resolve({ value: this.backlog.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** The consumer is done (client `complete`, socket closed): drop what is queued. */
  return(): Promise<IteratorResult<T>> {
    this.backlog.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** No more events: the consumer drains the backlog, then sees the end. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
