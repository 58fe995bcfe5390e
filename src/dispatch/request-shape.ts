/**
 * The URL and headers of a delivery (CONTRACT §8.4), built from stored configuration without trusting it: the
 * input layer validates connections, but rows can also be written by SQL, so anything that would change where
 * or how the request goes (another scheme, userinfo, a framing header, CR/LF) is refused here with an
 * invalid-target `TransportError` that names the field, never its value (header values often carry API keys).
 */
import { TRANSPORT_ERROR_CODES, TransportError } from '../net/transport-error';

const invalidTarget = (message: string) => new TransportError(TRANSPORT_ERROR_CODES.invalidTarget, message);

export interface NameValue {
  name: string;
  value: string;
}

const ALLOWED_PROTOCOLS = new Set(['http:', 'https:']);

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible characters, space and tab; no CR, LF or NUL. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Headers that frame the message or the connection: only the HTTP client may set them. */
const FRAMING_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

/** Query text `name=value&…`, each part percent-encoded, order kept. */
function encodeQuery(params: readonly NameValue[]): string {
  return params.map(({ name, value }) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
}

/**
 * `baseUrl` + `path` + `queryParams`. The path is joined under the base path with exactly one slash, through
 * the URL object rather than by string concatenation, so no path (`//evil.example`, `@host`) can change the host.
 */
export function buildTargetUrl(baseUrl: string, path: string, queryParams: readonly NameValue[]): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalidTarget('the connection base URL is not an absolute URL');
  }
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) throw invalidTarget(`the connection base URL scheme ${url.protocol} is not http or https`);
  // URL parsing keeps %2f and %5c as they are, but a partner that decodes before it normalises would not.
  if (/%(2e|2f|5c)|\\/i.test(path)) throw invalidTarget('the job path holds an encoded ".", "/" or "\\", or a "\\"');
  if (url.username || url.password) throw invalidTarget('the connection base URL carries credentials');
  url.hash = '';

  const queryStart = path.indexOf('?');
  const pathPart = queryStart === -1 ? path : path.slice(0, queryStart);
  const pathQuery = queryStart === -1 ? '' : path.slice(queryStart + 1);
  if (pathPart !== '') url.pathname = `${url.pathname.replace(/\/+$/, '')}/${pathPart.replace(/^\/+/, '')}`;

  const query = [url.search.replace(/^\?/, ''), pathQuery, encodeQuery(queryParams)].filter((part) => part !== '');
  url.search = query.join('&');
  assertUnder(url, new URL(baseUrl));
  return url;
}

/**
 * The URL actually requested keeps the connection's origin and starts with its base path, whatever the stored
 * path held (rows can be written by SQL, and URL parsing resolves encoded dot segments such as `%2e%2e`).
 */
function assertUnder(url: URL, base: URL): void {
  const basePath = base.pathname.replace(/\/+$/, '');
  if (url.origin !== base.origin || (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))) {
    throw invalidTarget('the job path leaves the connection base URL');
  }
}

export type HeaderMap = Record<string, string | string[]>;

/**
 * `content-type: application/json`, then the connection's headers (which may replace the content type and,
 * without OAuth2, carry their own `authorization`), then the headers Jobout owns, which always win.
 */
export function buildHeaders(connectionHeaders: readonly NameValue[], owned: Record<string, string>): HeaderMap {
  const headers: HeaderMap = { 'content-type': 'application/json' };
  const fromConnection = new Set<string>();
  for (const { name, value } of connectionHeaders) {
    const key = name.toLowerCase();
    if (!HEADER_NAME.test(name)) throw invalidTarget('a connection header has an invalid name');
    if (FRAMING_HEADERS.has(key)) throw invalidTarget(`connection header ${key} may not be set`);
    if (!HEADER_VALUE.test(value)) throw invalidTarget(`connection header ${key} has an invalid value`);
    const previous = headers[key];
    // A name listed twice is sent twice, as HTTP allows; the first one replaces only our default.
    headers[key] = fromConnection.has(key) && previous !== undefined ? [previous, value].flat() : value;
    fromConnection.add(key);
  }
  for (const [name, value] of Object.entries(owned)) headers[name] = value;
  return headers;
}
