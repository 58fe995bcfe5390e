/**
 * The rules of a client connection body (CONTRACT §6, §2a). Secrets (OAuth2 client secret and password,
 * sensitive header values) are write-only: on update an omitted secret keeps the stored one, except when the
 * base URL or the token URL moves to another origin: then every stored secret must be entered again in the same
 * request, so that a secret is never sent to a host it was not entered for. Whether a URL's address may be
 * reached is checked by the service (it needs DNS).
 */
import { isSensitiveHeaderName } from './connection-headers';
import { assertNoFieldErrors, DomainError } from './errors';
import { AUTH_TYPES, type AuthType } from './entities/client-connection';
import { InputReader, isPlainObject } from './input-reader';

export interface ConnectionAuthInput {
  type: AuthType;
  tokenUrl?: string;
  clientId?: string;
  /** undefined = keep the stored secret (update) */
  clientSecret?: string;
  username?: string;
  password?: string;
  scope?: string;
}

export interface HeaderInput {
  name: string;
  sensitive: boolean;
  /** undefined = keep the stored value (a sensitive header on update) */
  value: string | undefined;
}

/** What an update must know of the stored connection to apply the write-only rules. */
export interface StoredSecrets {
  hasClientSecret: boolean;
  hasPassword: boolean;
  /** Lower-case names of the sensitive headers with a stored value. */
  sensitiveHeaders: Set<string>;
  baseUrl: string;
  tokenUrl: string | null;
}

export interface ConnectionInput {
  name: string;
  /** Owner stores by external id; undefined = not given (the caller's stores on create, unchanged on update). */
  storeExternalIds: string[] | undefined;
  baseUrl: string;
  headers: HeaderInput[];
  timeoutMs: number | null;
  /** Failed attempts in a row that suspend the connection (CONTRACT §11); null = never (the seed's behaviour). */
  suspendAfterConsecutiveFailures: number | null;
  /** Requests a second to the partner from every instance together; null = no limit. */
  maxRequestsPerSecond: number | null;
  /** Requests in flight to the partner from every instance together; null = no limit. */
  maxConcurrentRequests: number | null;
  auth: ConnectionAuthInput;
}

/** Headers Jobout sets itself on every export, or that would corrupt the request. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'idempotency-key',
  'x-jobout-attempt',
  'user-agent',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const MAX_HEADERS = 50;
/** Most owner stores one job or connection may name. */
export const MAX_OWNER_STORES = 1000;
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 120_000;
/** The highest circuit-breaker threshold: beyond it, "never" says it better. */
export const MAX_SUSPEND_AFTER = 10_000;
export const MAX_RATE_LIMIT = 100_000;
export const MAX_CONCURRENCY_LIMIT = 10_000;

/** Problems of a URL that Jobout will call: http(s), absolute, no credentials, no fragment. */
export function urlProblem(value: string, allowQuery: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not contain credentials (use the auth settings)';
  if (url.hash) return 'must not contain a fragment';
  if (!allowQuery && url.search) return 'must not contain a query (use the job\'s queryParams)';
  return undefined;
}

function readAuth(input: InputReader, existing: StoredSecrets | undefined): ConnectionAuthInput {
  const auth = input.object('auth', false);
  if (!auth) return { type: 'NONE' };
  for (const field of auth.unknownFields(['type', 'tokenUrl', 'clientId', 'clientSecret', 'username', 'password', 'scope', 'hasClientSecret', 'hasPassword'])) {
    auth.fail(field, 'is not a field of connection auth');
  }
  const type = auth.oneOf('type', AUTH_TYPES, true) ?? 'NONE';
  const oauth = type !== 'NONE';
  const result: ConnectionAuthInput = {
    type,
    tokenUrl: auth.string('tokenUrl', { required: oauth, max: 2000 }),
    clientId: auth.string('clientId', { required: oauth, max: 500 }),
    clientSecret: auth.string('clientSecret', { max: 4000 }),
    username: auth.string('username', { required: type === 'OAUTH2_PASSWORD', max: 500 }),
    password: auth.string('password', { max: 4000 }),
    scope: auth.string('scope', { max: 1000 }),
  };
  if (result.tokenUrl !== undefined) {
    const problem = urlProblem(result.tokenUrl, true);
    if (problem) auth.fail('tokenUrl', problem);
  }
  if (type === 'OAUTH2_CLIENT_CREDENTIALS' && result.clientSecret === undefined && !existing?.hasClientSecret) auth.fail('clientSecret', 'is required');
  if (type === 'OAUTH2_PASSWORD' && result.password === undefined && !existing?.hasPassword) auth.fail('password', 'is required');
  if (!oauth) {
    for (const field of ['tokenUrl', 'clientId', 'clientSecret', 'username', 'password', 'scope'] as const) {
      if (result[field] !== undefined) auth.fail(field, 'only applies to OAuth2 connections');
    }
  }
  input.merge(auth);
  return result;
}

function readHeaders(input: InputReader, existing: StoredSecrets | undefined): HeaderInput[] {
  const headers: HeaderInput[] = [];
  const seen = new Set<string>();
  for (const header of input.objects('headers', MAX_HEADERS) ?? []) {
    for (const field of header.unknownFields(['name', 'value', 'sensitive'])) header.fail(field, 'is not a field of a header');
    const name = header.string('name', { required: true, max: 100 });
    const sensitive = header.boolean('sensitive', false) || (name !== undefined && isSensitiveHeaderName(name));
    const keepable = sensitive && name !== undefined && existing?.sensitiveHeaders.has(name.toLowerCase()) === true;
    const value = header.string('value', { required: !keepable, min: 0, max: 4000 });
    if (name !== undefined) {
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(name)) header.fail('name', 'is not a valid header name');
      else if (RESERVED_HEADERS.has(lower)) header.fail('name', `"${name}" is set by Jobout and cannot be configured`);
      else if (seen.has(lower)) header.fail('name', `"${name}" is given twice`);
      seen.add(lower);
    }
    if (value !== undefined && /[\r\n\0]/.test(value)) header.fail('value', 'must not contain CR, LF or NUL');
    input.merge(header);
    if (name !== undefined) headers.push({ name, sensitive, value });
  }
  return headers;
}

const originOf = (url: string | null | undefined) => {
  try {
    return url ? new URL(url).origin : null;
  } catch {
    return null;
  }
};

/**
 * A base URL or token URL moving to another origin takes no stored secret with it: each one kept must be entered
 * again, named in the error, or removed.
 */
function requireSecretsOnNewOrigin(input: InputReader, parsed: { baseUrl?: string; auth: ConnectionAuthInput; headers: HeaderInput[] }, existing: StoredSecrets): void {
  const moved = originOf(parsed.baseUrl) !== originOf(existing.baseUrl) || (existing.tokenUrl !== null && parsed.auth.tokenUrl !== undefined && originOf(parsed.auth.tokenUrl) !== originOf(existing.tokenUrl));
  if (!moved) return;
  const message = 'must be entered again: the connection moves to another origin';
  if (parsed.auth.type !== 'NONE' && existing.hasClientSecret && parsed.auth.clientSecret === undefined) input.fail('auth.clientSecret', message);
  if (parsed.auth.type === 'OAUTH2_PASSWORD' && existing.hasPassword && parsed.auth.password === undefined) input.fail('auth.password', message);
  parsed.headers.forEach((header, index) => {
    if (header.sensitive && header.value === undefined) input.fail(`headers[${index}].value`, message);
  });
}

/**
 * Parses a full connection body. `existing` (on update) tells which secrets are already stored, so they may be
 * omitted, unless the connection moves to another origin.
 */
export function parseConnectionInput(raw: unknown, existing?: StoredSecrets): ConnectionInput {
  if (!isPlainObject(raw)) throw new DomainError('BAD_USER_INPUT', 'The client connection must be an object');
  const input = new InputReader(raw);
  for (const field of input.unknownFields(['name', 'storeExternalIds', 'baseUrl', 'headers', 'timeoutMs', 'suspendAfterConsecutiveFailures', 'maxRequestsPerSecond', 'maxConcurrentRequests', 'auth', 'id', 'state', 'suspendedAt', 'createdAt', 'updatedAt'])) {
    input.fail(field, 'is not a field of a client connection');
  }
  const name = input.string('name', { required: true, max: 255 });
  const storeExternalIds = input.stringList('storeExternalIds', { max: MAX_OWNER_STORES });
  const baseUrl = input.string('baseUrl', { required: true, max: 2000 });
  if (baseUrl !== undefined) {
    const problem = urlProblem(baseUrl, false);
    if (problem) input.fail('baseUrl', problem);
  }
  const headers = readHeaders(input, existing);
  const timeoutMs = input.integer('timeoutMs', MIN_TIMEOUT_MS, MAX_TIMEOUT_MS) ?? null;
  const suspendAfterConsecutiveFailures = input.integer('suspendAfterConsecutiveFailures', 1, MAX_SUSPEND_AFTER) ?? null;
  const maxRequestsPerSecond = input.integer('maxRequestsPerSecond', 1, MAX_RATE_LIMIT) ?? null;
  const maxConcurrentRequests = input.integer('maxConcurrentRequests', 1, MAX_CONCURRENCY_LIMIT) ?? null;
  const auth = readAuth(input, existing);
  if (existing) requireSecretsOnNewOrigin(input, { baseUrl: baseUrl?.replace(/\/+$/, ''), auth, headers }, existing);
  if (auth.type !== 'NONE' && headers.some((header) => header.name.toLowerCase() === 'authorization')) {
    input.fail('headers', 'an OAuth2 connection sets Authorization itself');
  }
  assertNoFieldErrors(input.errors, 'Invalid client connection');
  return { name: name!, storeExternalIds, baseUrl: baseUrl!.replace(/\/+$/, ''), headers, timeoutMs, suspendAfterConsecutiveFailures, maxRequestsPerSecond, maxConcurrentRequests, auth };
}
