/**
 * Brute force on tokens (CONTRACT §9): more than MAX_FAILED_AUTHENTICATIONS refused tokens from one address
 * within a window of THROTTLE_WINDOW_MS, and that address is answered 429 with `Retry-After`, for every request
 * that authenticates, until the window ends. Counted per instance, in memory: with N instances behind a balancer,
 * an address gets at most N times the allowance, still far too few guesses for a 256-bit token.
 *
 * A token is counted as a failure when its check starts (`attempt`) and forgiven when it succeeds, so guesses
 * sent all at once cannot all be checked before the first failure is counted. An IPv6 address counts by its /64
 * (one host usually owns the whole block), an IPv4-mapped one as IPv4.
 */
import ipaddr from 'ipaddr.js';
export const MAX_FAILED_AUTHENTICATIONS = 20;
export const THROTTLE_WINDOW_MS = 60_000;
/** Addresses remembered at most; the oldest windows are dropped first (a flood of addresses cannot grow memory). */
const MAX_ADDRESSES = 100_000;

/** The address a request came from: its socket's peer (no proxy header is trusted, so none can be forged). */
export function addressOf(socket: { remoteAddress?: string }): string {
  const raw = socket.remoteAddress;
  if (raw === undefined || !ipaddr.isValid(raw)) return raw ?? 'unknown';
  const address = ipaddr.process(raw); // IPv4-mapped IPv6 becomes IPv4
  if (address.kind() === 'ipv4') return address.toString();
  return `${(address as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}

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

  /** A token from `address` is being checked: counted as refused until `succeeded` says otherwise. */
  attempt(address: string): void {
    const window = this.current(address) ?? { startedAt: this.now(), failures: 0 };
    window.failures += 1;
    this.windows.delete(address);
    this.windows.set(address, window);
    if (this.windows.size > MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
  }

  /** The token being checked was good: its attempt is not a failure. */
  succeeded(address: string): void {
    const window = this.current(address);
    if (window && window.failures > 0) window.failures -= 1;
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
