/**
 * Brute force on tokens (CONTRACT §9): more than MAX_FAILED_AUTHENTICATIONS refused tokens from one address
 * within a window of THROTTLE_WINDOW_MS, and that address is answered 429 with `Retry-After`, for every request
 * that authenticates, until the window ends. Counted per instance, in memory: with N instances behind a balancer,
 * an address gets at most N times the allowance, still far too few guesses for a 256-bit token.
 */
export const MAX_FAILED_AUTHENTICATIONS = 20;
export const THROTTLE_WINDOW_MS = 60_000;
/** Addresses remembered at most; the oldest windows are dropped first (a flood of addresses cannot grow memory). */
const MAX_ADDRESSES = 100_000;

/** The address a request came from: its socket's peer (no proxy header is trusted, so none can be forged). */
export const addressOf = (socket: { remoteAddress?: string }): string => socket.remoteAddress ?? 'unknown';

export class FailedAuthThrottle {
  /** Per address: when its window started and how many tokens it had refused since. Insertion order = age. */
  private readonly windows = new Map<string, { startedAt: number; failures: number }>();

  constructor(private readonly now: () => number) {}

  /** Seconds until `address` may authenticate again; 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const window = this.current(address);
    if (!window || window.failures <= MAX_FAILED_AUTHENTICATIONS) return 0;
    return Math.max(1, Math.ceil((window.startedAt + THROTTLE_WINDOW_MS - this.now()) / 1000));
  }

  /** A token from `address` was refused. */
  failed(address: string): void {
    const window = this.current(address) ?? { startedAt: this.now(), failures: 0 };
    window.failures += 1;
    this.windows.delete(address);
    this.windows.set(address, window);
    if (this.windows.size > MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
  }

  private current(address: string): { startedAt: number; failures: number } | undefined {
    const window = this.windows.get(address);
    if (window && this.now() - window.startedAt >= THROTTLE_WINDOW_MS) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
