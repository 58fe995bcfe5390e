/**
 * Waiting on conditions instead of sleeping. A sleep is flaky on a slow machine and slow on a fast one; a
 * deadline that passes silently turns a failure into a pass. `waitFor` polls a predicate and rejects at its
 * deadline with a message saying what was awaited and what it last saw.
 */
export interface WaitOptions {
  /** Give up after this many ms (default 5_000). */
  timeoutMs?: number;
  /** Poll interval in ms (default 10). */
  intervalMs?: number;
  /** What is being awaited, for the failure message; the predicate's source otherwise. */
  what?: string;
}

const DEFAULT_WAIT_TIMEOUT_MS = 5_000;
const DEFAULT_POLL_INTERVAL_MS = 10;

/** Resolves once `predicate` returns true; a throwing predicate counts as false, and its last error is reported at the deadline. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const startedAt = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      if (await predicate()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - startedAt >= timeoutMs) {
      const what = options.what ?? predicate.toString();
      const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`waitFor: still waiting after ${timeoutMs} ms for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A promise settled from outside: lets a test hold a response open and release it when it chooses. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
