/**
 * The HTTP sender: one delivery attempt of one export to a partner API (CONTRACT §8.4–8.5). It trusts nothing
 * it is given, neither the stored connection nor the partner's answer:
 *
 * - one overall deadline per attempt, connect to last byte, the OAuth token fetch included; when it passes the
 *   request is aborted and its socket destroyed (`net/attempt-deadline.ts`);
 * - the SSRF guard sits in the connector, on the address actually dialled, for the target and the token URL
 *   alike (`net/guarded-connector.ts`), unless private targets are explicitly allowed;
 * - redirects are never followed (undici's `request` does not follow them): a 3xx is `rejected` with its status;
 * - at most RESPONSE_EXCERPT_BYTES of the response are read, then the body is destroyed (`net/bounded-body.ts`);
 * - failures are classified by error code, never by message (`net/error-class.ts`), and every credential of the
 *   attempt is masked in what is returned (`net/redaction.ts`).
 *
 * `send` never throws and never retries: a failed attempt is recorded and rescheduled by the dispatcher, which
 * is also where concurrency is bounded. Requests go through the undici Agent's `request` with an origin and a
 * path (no URL parsed per request) over keep-alive pools, one per origin: the per-request CPU cost is within
 * about half again of a bare undici Pool loop, and several times cheaper than `fetch`.
 */
import { Agent } from 'undici';
import { AttemptDeadline } from '../net/attempt-deadline';
import { decodeExcerpt, readAtMost } from '../net/bounded-body';
import { classifyError, errorText, type ErrorClass } from '../net/error-class';
import { createOutboundConnector } from '../net/guarded-connector';
import { isOAuth, requestToken, type OAuthSettings } from '../net/oauth-token-request';
import { isCredentialHeader, redact } from '../net/redaction';
import { OAuthTokens } from './oauth-tokens';
import { buildHeaders, buildTargetUrl, type HeaderMap } from './request-shape';

export type { ErrorClass } from '../net/error-class';

export interface ConnectionTarget {
  id: string;
  baseUrl: string;
  headers: { name: string; value: string }[];
  timeoutMs: number | null;
  auth: OAuthSettings;
}

export interface OutboundRequest {
  exportId: string;
  attempt: number;
  method: 'POST' | 'PUT' | 'PATCH';
  connection: ConnectionTarget;
  path: string;
  queryParams: { name: string; value: string }[];
  body: string;
}

export type SendOutcome =
  /** A 2xx within the deadline. */
  | { kind: 'delivered'; httpStatus: number; durationMs: number; excerpt: string }
  /** Any other status, 3xx included (redirects are not followed). */
  | { kind: 'rejected'; httpStatus: number; durationMs: number; excerpt: string }
  /** No usable HTTP status: timeout, blocked destination, network, TLS, token endpoint, configuration. */
  | { kind: 'failed'; errorClass: ErrorClass; error: string; durationMs: number };

/** Bytes of the response kept for the attempt log, and the most that is ever read (CONTRACT §8.5). */
export const RESPONSE_EXCERPT_BYTES = 2048;

export interface SenderOptions {
  /** Attempt deadline in ms when the connection sets none (`JOBOUT_HTTP_TIMEOUT_MS`, default 10_000). */
  timeoutMs: number;
  /** `JOBOUT_ALLOW_PRIVATE_TARGETS`: skip the SSRF guard (loopback, private, link-local targets). */
  allowPrivateTargets: boolean;
  /** `jobout/<version>`. */
  userAgent: string;
  /** Keep-alive sockets per partner origin; unbounded by default (the dispatcher bounds concurrency). */
  maxConnectionsPerOrigin?: number;
}

const ALLOWED_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Targets (origin and path) built from stored settings, kept so a burst does not rebuild one URL per send. */
const TARGET_CACHE_SIZE = 1_000;
/** Longest error text kept on an attempt. */
const ERROR_TEXT_MAX_CHARS = 500;
/** setTimeout's ceiling; a larger stored timeout would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const HTTP_UNAUTHORIZED = 401;

function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}

function attemptTimeoutMs(connectionTimeoutMs: number | null, defaultMs: number): number {
  const ms = connectionTimeoutMs ?? defaultMs;
  return Number.isFinite(ms) && ms > 0 ? Math.min(Math.ceil(ms), MAX_TIMER_MS) : defaultMs;
}

/** The credentials of a connection, to mask in anything the attempt returns. */
function credentialsOf(connection: ConnectionTarget): string[] {
  const fromHeaders = connection.headers.filter((header) => isCredentialHeader(header.name)).map((header) => header.value);
  return [connection.auth.clientSecret ?? '', connection.auth.password ?? '', ...fromHeaders];
}

interface Target {
  origin: string;
  path: string;
}

export class Sender {
  private readonly agent: Agent;
  private readonly targets = new Map<string, Target>();
  private readonly tokens: OAuthTokens;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SenderOptions) {
    // undici's connect timer is only a backstop; the attempt deadline is what ends an attempt.
    this.agent = new Agent({
      connect: createOutboundConnector({ allowPrivateTargets: options.allowPrivateTargets, connect: { timeout: options.timeoutMs } }),
      connections: options.maxConnectionsPerOrigin ?? null,
    });
    this.tokens = new OAuthTokens((auth, timeoutMs) =>
      requestToken(auth, { dispatcher: this.agent, userAgent: options.userAgent, timeoutMs }),
    );
  }

  /** One attempt; always resolves, with the outcome. */
  async send(request: OutboundRequest): Promise<SendOutcome> {
    const startedAt = performance.now();
    const secrets = credentialsOf(request.connection);
    const finish = (outcome: DistributiveOmit<SendOutcome, 'durationMs'>): SendOutcome => {
      const durationMs = Math.round(performance.now() - startedAt);
      return outcome.kind === 'failed'
        ? { ...outcome, durationMs, error: redact(outcome.error, secrets).replace(/\u0000/g, '\uFFFD').slice(0, ERROR_TEXT_MAX_CHARS) } // storable as PostgreSQL text, like the excerpt
        : { ...outcome, durationMs, excerpt: redact(outcome.excerpt, secrets) };
    };
    if (this.closing) return finish({ kind: 'failed', errorClass: 'OTHER', error: 'the sender is closed' });

    const deadline = new AttemptDeadline(attemptTimeoutMs(request.connection.timeoutMs, this.options.timeoutMs));
    try {
      return finish(await this.attempt(request, deadline, secrets));
    } catch (unexpected) {
      return finish({ kind: 'failed', errorClass: 'OTHER', error: errorText(unexpected) });
    } finally {
      deadline.dispose();
    }
  }

  /** Lets in-flight attempts finish (each bounded by its deadline), then closes every socket. */
  close(): Promise<void> {
    this.closing ??= this.agent.close().finally(() => this.tokens.clear());
    return this.closing;
  }

  /** Where a request goes: built (and checked) once per base URL, path and query, then reused. */
  private target(baseUrl: string, path: string, queryParams: OutboundRequest['queryParams']): Target {
    const key = JSON.stringify([baseUrl, path, queryParams]);
    let target = this.targets.get(key);
    if (target === undefined) {
      const url = buildTargetUrl(baseUrl, path, queryParams);
      target = { origin: url.origin, path: `${url.pathname}${url.search}` };
      if (this.targets.size >= TARGET_CACHE_SIZE) this.targets.clear();
      this.targets.set(key, target);
    }
    return target;
  }

  private async attempt(request: OutboundRequest, deadline: AttemptDeadline, secrets: string[]): Promise<Failure | Answer> {
    const { connection } = request;
    if (!ALLOWED_METHODS.has(request.method)) return { kind: 'failed', errorClass: 'OTHER', error: `method ${request.method} is not allowed` };
    let target: Target;
    let headers: HeaderMap;
    try {
      target = this.target(connection.baseUrl, request.path, request.queryParams);
      headers = buildHeaders(connection.headers, {
        'idempotency-key': request.exportId,
        'x-jobout-attempt': String(request.attempt),
        'user-agent': this.options.userAgent,
      });
    } catch (invalid) {
      return { kind: 'failed', errorClass: 'OTHER', error: errorText(invalid) };
    }

    let token: string | undefined;
    if (isOAuth(connection.auth.type)) {
      try {
        token = await this.tokens.token(connection.id, connection.auth, deadline);
      } catch (error) {
        return tokenFailure(error, deadline);
      }
      secrets.push(token);
      headers.authorization = `Bearer ${token}`;
    }

    try {
      // The agent takes the origin and path as they are (no URL parsed per request), keeping its pool per origin.
      const response = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: request.method as 'POST' | 'PUT' | 'PATCH',
        headers,
        body: request.body,
        signal: deadline.signal,
      });
      const httpStatus = response.statusCode;
      // Drop the refused token now, even if reading the body fails: the next attempt fetches a new one.
      if (httpStatus === HTTP_UNAUTHORIZED && token !== undefined) this.tokens.drop(connection.id, token);
      const excerpt = decodeExcerpt(await readAtMost(response.body, RESPONSE_EXCERPT_BYTES));
      return { kind: isSuccess(httpStatus) ? 'delivered' : 'rejected', httpStatus, excerpt };
    } catch (error) {
      return transportFailure(error, deadline);
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Failure = Extract<DistributiveOmit<SendOutcome, 'durationMs'>, { kind: 'failed' }>;
type Answer = Exclude<DistributiveOmit<SendOutcome, 'durationMs'>, { kind: 'failed' }>;

function transportFailure(error: unknown, deadline: AttemptDeadline): Failure {
  // Checked first: whatever undici reports after an abort, the cause was the deadline.
  if (deadline.expired) return { kind: 'failed', errorClass: 'TIMEOUT', error: errorText(deadline.signal.reason) };
  return { kind: 'failed', errorClass: classifyError(error), error: errorText(error) };
}

/**
 * A token that could not be had. A blocked token URL and the deadline keep their own class, as for the target;
 * everything else (refused, TLS, an error status, a malformed answer) is AUTH: the partner was never asked.
 */
function tokenFailure(error: unknown, deadline: AttemptDeadline): Failure {
  const failure = transportFailure(error, deadline);
  const errorClass = failure.errorClass === 'TIMEOUT' || failure.errorClass === 'BLOCKED_DESTINATION' ? failure.errorClass : 'AUTH';
  return { kind: 'failed', errorClass, error: `token endpoint: ${failure.error}` };
}
