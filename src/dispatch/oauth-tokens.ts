/**
 * OAuth2 access tokens for partner connections (client credentials and password grants, RFC 6749 §4.3/§4.4).
 *
 * - Tokens live in memory only, per connection id, until shortly before `expires_in` ends (5 minutes when the
 *   endpoint does not say). A change of the connection's OAuth settings makes the cached token unusable.
 * - Concurrent sends for one connection share a single in-flight token request; each caller still waits no
 *   longer than its own attempt deadline. A failed request is not cached: the next attempt asks again.
 * - A 401 from the partner drops the token it rejected (`drop`), never a newer one fetched meanwhile.
 * - The token endpoint is reached through the sender's dispatcher, so the SSRF guard, the deadline and the
 *   read cap apply to it as to the partner. Its failures are `TransportError`s (code `ERR_TOKEN_ENDPOINT`)
 *   whose messages are built here from the status and the RFC 6749 `error` code only: never a secret, a token
 *   or the response body.
 */
import { createHash } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { AttemptDeadline } from './attempt-deadline';
import { readAtMost } from './bounded-body';
import type { AuthType } from '../domain/entities/client-connection';
import { TRANSPORT_ERROR_CODES, TransportError } from '../net/transport-error';

export interface OAuthSettings {
  type: AuthType;
  tokenUrl: string | null;
  clientId: string | null;
  clientSecret: string | null;
  username: string | null;
  password: string | null;
  scope: string | null;
}

export interface IssuedToken {
  accessToken: string;
  /** Lifetime announced by the endpoint, in ms; undefined when it gave none. */
  expiresInMs: number | undefined;
}

const tokenEndpointError = (message: string) => new TransportError(TRANSPORT_ERROR_CODES.tokenEndpoint, message);

const SECOND_MS = 1000;
/** Lifetime assumed when the endpoint sends no `expires_in`. */
export const DEFAULT_TOKEN_LIFETIME_MS = 5 * 60 * SECOND_MS;
/** A token is renewed this long before it expires (at most a tenth of its lifetime), so it is still valid on arrival. */
export const TOKEN_REFRESH_MARGIN_MS = 30 * SECOND_MS;
/** A token response is a small JSON object; anything larger is refused rather than buffered. */
export const TOKEN_RESPONSE_MAX_BYTES = 64 * 1024;

const GRANT_TYPES: Partial<Record<AuthType, string>> = {
  OAUTH2_CLIENT_CREDENTIALS: 'client_credentials',
  OAUTH2_PASSWORD: 'password',
};
/** RFC 6749 §5.2 error codes are short ASCII words; anything else is not echoed. */
const SAFE_OAUTH_ERROR = /^[\w.-]{1,64}$/;
/** Visible ASCII only: the token goes into a header line. */
const HEADER_SAFE_TOKEN = /^[\x21-\x7e]+$/;

export function isOAuth(type: AuthType): boolean {
  return GRANT_TYPES[type] !== undefined;
}

function tokenForm(auth: OAuthSettings): string {
  const form = new URLSearchParams({ grant_type: GRANT_TYPES[auth.type]! });
  if (auth.type === 'OAUTH2_PASSWORD') {
    form.set('username', auth.username ?? '');
    form.set('password', auth.password ?? '');
  }
  if (auth.clientId) form.set('client_id', auth.clientId);
  if (auth.clientSecret) form.set('client_secret', auth.clientSecret);
  if (auth.scope) form.set('scope', auth.scope);
  return form.toString();
}

function tokenUrl(auth: OAuthSettings): URL {
  let url: URL;
  try {
    url = new URL(auth.tokenUrl ?? '');
  } catch {
    throw tokenEndpointError('the connection has no valid token URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw tokenEndpointError('the token URL is not http or https');
  if (url.username || url.password) throw tokenEndpointError('the token URL carries credentials');
  return url;
}

function parseTokenResponse(text: string): IssuedToken {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw tokenEndpointError('token endpoint answered with something other than JSON');
  }
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = (json ?? {}) as Record<string, unknown>;
  if (typeof accessToken !== 'string' || !HEADER_SAFE_TOKEN.test(accessToken)) {
    throw tokenEndpointError('token endpoint answered without a usable access_token');
  }
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    throw tokenEndpointError('token endpoint issued a token that is not a bearer token');
  }
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  const expiresInMs = typeof seconds === 'number' && Number.isFinite(seconds) ? Math.max(0, seconds) * SECOND_MS : undefined;
  return { accessToken, expiresInMs };
}

function oauthErrorCode(text: string): string {
  try {
    const { error } = JSON.parse(text) as { error?: unknown };
    return typeof error === 'string' && SAFE_OAUTH_ERROR.test(error) ? ` (${error})` : '';
  } catch {
    return '';
  }
}

/** One token request, bounded by `timeoutMs`. Transport errors (blocked, timeout, refused) are thrown as they are. */
export async function requestToken(
  auth: OAuthSettings,
  options: { dispatcher: Dispatcher; userAgent: string; timeoutMs: number },
): Promise<IssuedToken> {
  const url = tokenUrl(auth);
  const deadline = new AttemptDeadline(options.timeoutMs);
  try {
    const response = await request(url, {
      dispatcher: options.dispatcher,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': options.userAgent,
      },
      body: tokenForm(auth),
      signal: deadline.signal,
    });
    const read = await readAtMost(response.body, TOKEN_RESPONSE_MAX_BYTES);
    const text = read.bytes.toString('utf8');
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw tokenEndpointError(`token endpoint answered HTTP ${response.statusCode}${oauthErrorCode(text)}`);
    }
    if (read.truncated) throw tokenEndpointError(`token response is larger than ${TOKEN_RESPONSE_MAX_BYTES} bytes`);
    return parseTokenResponse(text);
  } finally {
    deadline.dispose();
  }
}

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
