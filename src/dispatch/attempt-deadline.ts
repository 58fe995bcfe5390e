/**
 * One overall deadline per delivery attempt, connect to last byte, OAuth token fetch included. undici's own
 * timers (connect, headers, body) each restart per phase and default to minutes, so a partner that drips one
 * byte per second would hold a dispatch slot forever; a single AbortSignal passed to every step cannot be
 * stretched that way. Aborting it destroys the socket of the request in flight (undici does so on abort).
 */
export const DEADLINE_EXCEEDED_CODE = 'ERR_DEADLINE_EXCEEDED';

export class DeadlineExceededError extends Error {
  readonly code = DEADLINE_EXCEEDED_CODE;

  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
    this.name = 'DeadlineExceededError';
  }
}

export class AttemptDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly endsAt: number;

  constructor(readonly timeoutMs: number) {
    this.endsAt = performance.now() + timeoutMs;
    this.timer = setTimeout(() => this.controller.abort(new DeadlineExceededError(timeoutMs)), timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
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
      this.signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => this.signal.removeEventListener('abort', onAbort));
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
