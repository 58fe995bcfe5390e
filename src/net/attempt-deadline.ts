/**
 * One overall deadline per piece of outbound work: a delivery attempt, connect to last byte, OAuth token fetch
 * included, or one step of a connection test. undici's own
 * timers (connect, headers, body) each restart per phase and default to minutes, so a partner that drips one
 * byte per second would hold a dispatch slot forever; a single abort signal passed to every step cannot be
 * stretched that way. Aborting it destroys the socket of the request in flight (undici does so on abort).
 *
 * The signal is an EventEmitter, which undici accepts in place of an AbortSignal: an AbortController and its
 * EventTarget listeners cost about a quarter of a bare request to a local partner, on every attempt.
 */
import { EventEmitter } from 'node:events';
import { TRANSPORT_ERROR_CODES, TransportError } from './transport-error';

/** What undici needs of a signal: `aborted`, `reason`, and an 'abort' event. */
export class DeadlineSignal extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

export class AttemptDeadline {
  readonly signal = new DeadlineSignal();
  private readonly timer: NodeJS.Timeout;
  private readonly endsAt: number;

  constructor(readonly timeoutMs: number) {
    this.endsAt = performance.now() + timeoutMs;
    this.timer = setTimeout(() => this.signal.abort(new TransportError(TRANSPORT_ERROR_CODES.deadlineExceeded, `no complete response within ${timeoutMs} ms`)), timeoutMs);
  }

  get expired(): boolean {
    return this.signal.aborted;
  }

  /** Milliseconds left, at least 1 (undici treats 0 as "no timeout"). */
  remainingMs(): number {
    return Math.max(1, Math.ceil(this.endsAt - performance.now()));
  }

  /** Settles like `work`, or rejects with the deadline error when the deadline passes first. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.expired) return Promise.reject(this.signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.signal.reason);
      this.signal.once('abort', onAbort);
      work.then(resolve, reject).finally(() => this.signal.removeListener('abort', onAbort));
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
