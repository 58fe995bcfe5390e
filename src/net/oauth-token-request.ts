/**
 * One OAuth2 token request (client credentials and password grants, RFC 6749 §4.3/§4.4), as the sender makes it
 * for an export and a connection test makes it to check the settings.
 *
 * The request goes through the caller's undici dispatcher, so the SSRF guard (net/guarded-connector.ts), the
 * deadline and the read cap apply to the token endpoint as to the partner. Its failures are `TransportError`s
 * (code `ERR_TOKEN_ENDPOINT`) whose messages are built here from the status and the RFC 6749 `error` code only:
 * never a secret, a token or the response body. Transport errors (blocked, timeout, refused) pass through as
 * they are.
 */
import { request, type Dispatcher } from 'undici';
import type { AuthType } from '../domain/entities/client-connection';
import { AttemptDeadline } from './attempt-deadline';
import { readAtMost } from './bounded-body';
import { TRANSPORT_ERROR_CODES, TransportError } from './transport-error';

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
