/**
 * The OAuth2 access tokens of partner connections, cached for the sender (the request itself is
 * net/oauth-token-request.ts).
 *
 * - Tokens live in memory only, per connection id, until shortly before `expires_in` ends (5 minutes when the
 *   endpoint does not say). A change of the connection's OAuth settings makes the cached token unusable.
 * - Concurrent sends for one connection share a single in-flight token request; each caller still waits no
 *   longer than its own attempt deadline. A failed request is not cached: the next attempt asks again.
 * - A 401 from the partner drops the token it rejected (`drop`), never a newer one fetched meanwhile.
 */
import { createHash } from 'node:crypto';
import type { AttemptDeadline } from '../net/attempt-deadline';
import type { IssuedToken, OAuthSettings } from '../net/oauth-token-request';

const SECOND_MS = 1000;
/** Lifetime assumed when the endpoint sends no `expires_in`. */
export const DEFAULT_TOKEN_LIFETIME_MS = 5 * 60 * SECOND_MS;
/** A token is renewed this long before it expires (at most a tenth of its lifetime), so it is still valid on arrival. */
export const TOKEN_REFRESH_MARGIN_MS = 30 * SECOND_MS;

function fingerprint(auth: OAuthSettings): string {
  const fields = [auth.type, auth.tokenUrl, auth.clientId, auth.clientSecret, auth.username, auth.password, auth.scope];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64');
}

interface CachedToken {
  fingerprint: string;
  accessToken: string;
  refreshAt: number;
}

interface TokenRequestInFlight {
  fingerprint: string;
  promise: Promise<string>;
}

export type FetchToken = (auth: OAuthSettings, timeoutMs: number) => Promise<IssuedToken>;

/** The per-connection token cache (see the module comment). */
export class OAuthTokens {
  private readonly cached = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, TokenRequestInFlight>();

  constructor(
    private readonly fetchToken: FetchToken,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** A valid token for the connection, fetched if needed, within the caller's deadline. */
  token(connectionId: string, auth: OAuthSettings, deadline: AttemptDeadline): Promise<string> {
    const wanted = fingerprint(auth);
    const hit = this.cached.get(connectionId);
    if (hit && hit.fingerprint === wanted && this.now() < hit.refreshAt) return Promise.resolve(hit.accessToken);

    let flight = this.inFlight.get(connectionId);
    if (!flight || flight.fingerprint !== wanted) {
      flight = this.startFetch(connectionId, auth, wanted, deadline.remainingMs());
      this.inFlight.set(connectionId, flight);
    }
    return deadline.race(flight.promise);
  }

  /** Forget `accessToken` after the partner refused it; a newer token stays. */
  drop(connectionId: string, accessToken: string): void {
    if (this.cached.get(connectionId)?.accessToken === accessToken) this.cached.delete(connectionId);
  }

  clear(): void {
    this.cached.clear();
    this.inFlight.clear();
  }

  private startFetch(connectionId: string, auth: OAuthSettings, wanted: string, timeoutMs: number): TokenRequestInFlight {
    const requestedAt = this.now();
    const flight: TokenRequestInFlight = { fingerprint: wanted, promise: Promise.resolve('') };
    const isCurrent = () => this.inFlight.get(connectionId) === flight;
    flight.promise = this.fetchToken(auth, timeoutMs).then(
      (issued) => {
        // A request overtaken by a settings change must not cache a token for the old settings.
        if (isCurrent()) {
          this.inFlight.delete(connectionId);
          const lifetime = issued.expiresInMs ?? DEFAULT_TOKEN_LIFETIME_MS;
          const margin = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetime / 10);
          this.cached.set(connectionId, { fingerprint: wanted, accessToken: issued.accessToken, refreshAt: requestedAt + lifetime - margin });
        }
        return issued.accessToken;
      },
      (error: unknown) => {
        if (isCurrent()) this.inFlight.delete(connectionId);
        throw error;
      },
    );
    // Every waiter races its own deadline against this promise; one whose deadline already passed never
    // attaches, so the rejection is marked handled here rather than crashing the process.
    flight.promise.catch(() => {});
    return flight;
  }
}
