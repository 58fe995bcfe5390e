/**
 * `testClientConnection` (CONTRACT §6): whether a stored client connection can be reached, step by step, without
 * sending an order or an export.
 *
 * 1. `address`: the base URL's host resolves, and every address passes the SSRF policy the sender applies;
 * 2. `connect`: one connection to the base URL's origin through the sender's own connector (for https a full
 *    TLS handshake, certificate verified, with SNI), closed at once: no HTTP request reaches the partner;
 * 3. `token`, for OAuth2 connections only: the token URL gets the same address check, then the sender's token
 *    request is made with the stored secrets. The token is thrown away, never cached for the sender.
 *
 * The first failed step ends the test. Network failures are answered in the step, never thrown; each step has its
 * own deadline, the connection's timeout. Running it contacts the partner with the connection's secrets, so it is
 * a write (USER and ADMIN, on a connection the caller may write, as for using it in a job). No detail carries a
 * secret or the issued token: every one known to the test is masked, as in the sender's attempt log.
 */
import { isIP } from 'node:net';
import { Agent } from 'undici';
import { requireWriter } from '../auth/principal';
import { secretContext, type SecretBox } from '../auth/secret-box';
import type { ClientConnection } from '../domain/entities';
import { screenHost } from '../net/address-policy';
import { AttemptDeadline } from '../net/attempt-deadline';
import { probeConnection } from '../net/connection-probe';
import { classifyError, errorText, type ErrorClass } from '../net/error-class';
import { createOutboundConnector } from '../net/guarded-connector';
import { isOAuth, requestToken, type OAuthSettings } from '../net/oauth-token-request';
import { redact } from '../net/redaction';
import { TRANSPORT_ERROR_CODES, TransportError } from '../net/transport-error';
import type { ConnectionService } from './connection-service';
import { assertWritable } from './owner-stores';
import type { Scope } from './scope';

export type ConnectionTestStepName = 'address' | 'connect' | 'token';

export interface ConnectionTestStep {
  name: ConnectionTestStepName;
  ok: boolean;
  /** What was checked, or why it failed. */
  detail: string | null;
  durationMs: number;
}

export interface ConnectionTestResult {
  /** True when every step listed passed. */
  ok: boolean;
  /** The steps run, in order, up to and including the first that failed. */
  steps: ConnectionTestStep[];
}

export interface ConnectionTestOptions {
  /** `JOBOUT_ALLOW_PRIVATE_TARGETS`: the sender skips the address policy, and so does the test. */
  allowPrivateTargets: boolean;
  /** Deadline of each step when the connection sets none (`JOBOUT_HTTP_TIMEOUT_MS`). */
  httpTimeoutMs: number;
  /** Sent on the token request, as by the sender. */
  userAgent: string;
}

/** A failure the step words itself; its message is the step's detail as it stands. */
class StepFailure extends Error {}

/** One step's work: resolves with the detail of a success, rejects with why it failed. */
type StepWork = (deadline: AttemptDeadline) => Promise<string>;

const FAILURE_LABELS: Record<ErrorClass, string> = {
  TIMEOUT: 'timed out',
  BLOCKED_DESTINATION: 'refused by the address policy',
  CONNECTION: 'could not connect',
  TLS: 'TLS handshake failed',
  AUTH: 'refused',
  OTHER: 'failed',
};

const PRIVATE_TARGETS_ALLOWED = 'private targets are allowed (JOBOUT_ALLOW_PRIVATE_TARGETS)';

export class ConnectionTestService {
  constructor(
    private readonly secrets: SecretBox,
    private readonly connections: ConnectionService,
    private readonly options: ConnectionTestOptions,
  ) {}

  async run(scope: Scope, id: string): Promise<ConnectionTestResult> {
    requireWriter(scope.principal);
    const connection = await this.connections.load(scope, id);
    assertWritable(scope, connection, `Client connection ${id}`);

    // Filled as the secrets are opened and the token issued, so that no detail can carry them.
    const masked: string[] = [];
    const plan: [ConnectionTestStepName, StepWork][] = [
      ['address', (deadline) => this.checkAddress('base URL', connection.baseUrl, deadline)],
      ['connect', (deadline) => this.connect(connection.baseUrl, deadline)],
    ];
    if (isOAuth(connection.authType)) plan.push(['token', (deadline) => this.fetchToken(connection, deadline, masked)]);

    const timeoutMs = connection.timeoutMs ?? this.options.httpTimeoutMs;
    const steps: ConnectionTestStep[] = [];
    for (const [name, work] of plan) {
      const step = await runStep(name, timeoutMs, work, masked);
      steps.push(step);
      if (!step.ok) break;
    }
    return { ok: steps.every((step) => step.ok), steps };
  }

  /** The addresses `url`'s host stands for, each passed by the address policy, as the detail. */
  private async checkAddress(what: string, url: string | null, deadline: AttemptDeadline): Promise<string> {
    const { hostname } = parseTarget(what, url);
    const host = hostname.replace(/^\[|\]$/g, '');
    const screening = await deadline.race(
      screenHost(host, { allowPrivateTargets: this.options.allowPrivateTargets }).catch((error: unknown) => {
        throw new StepFailure(`${host} does not resolve (${errorText(error)})`);
      }),
    );
    if (screening.refusal) throw new StepFailure(screening.refusal);
    const addresses = isIP(host) ? host : `${host} resolves to ${screening.addresses.join(', ')}`;
    if (this.options.allowPrivateTargets) return `${addresses}; ${PRIVATE_TARGETS_ALLOWED}`;
    return `${addresses}: ${screening.addresses.length > 1 ? 'all public' : 'public'}`;
  }

  private async connect(baseUrl: string, deadline: AttemptDeadline): Promise<string> {
    const url = parseTarget('base URL', baseUrl);
    const opened = await probeConnection(url, { allowPrivateTargets: this.options.allowPrivateTargets, deadline });
    const endpoint = `${opened.remoteAddress.includes(':') ? `[${opened.remoteAddress}]` : opened.remoteAddress}:${opened.remotePort}`;
    if (opened.tlsProtocol === null) return `connected to ${endpoint} (http, no TLS)`;
    return `${opened.tlsProtocol} with ${url.hostname} at ${endpoint}, certificate verified`;
  }

  /** The token URL's address check, then the sender's token request; the token itself is only masked. */
  private async fetchToken(connection: ClientConnection, deadline: AttemptDeadline, masked: string[]): Promise<string> {
    const auth = this.oauthSettings(connection);
    masked.push(auth.clientSecret ?? '', auth.password ?? '');
    try {
      await this.checkAddress('token URL', auth.tokenUrl, deadline);
    } catch (error) {
      throw error instanceof StepFailure ? new StepFailure(`token URL: ${error.message}`) : error;
    }
    // A dispatcher of its own, destroyed after: no socket to the token endpoint outlives the test.
    const connect = createOutboundConnector({ allowPrivateTargets: this.options.allowPrivateTargets, connect: { timeout: deadline.remainingMs() } });
    const agent = new Agent({ connect });
    try {
      const issued = await deadline.race(requestToken(auth, { dispatcher: agent, userAgent: this.options.userAgent, timeoutMs: deadline.remainingMs() }));
      masked.push(issued.accessToken);
      const lifetime = issued.expiresInMs === undefined ? 'no stated lifetime' : `valid for ${Math.round(issued.expiresInMs / 1000)} s`;
      return `token issued by ${new URL(auth.tokenUrl!).host} (${lifetime})`;
    } finally {
      await agent.destroy();
    }
  }

  /** The connection's OAuth2 settings with its secrets opened, as the dispatcher hands them to the sender. */
  private oauthSettings(connection: ClientConnection): OAuthSettings {
    const open = (sealed: string | null | undefined, field: 'clientSecret' | 'password') => (sealed ? this.secrets.open(sealed, secretContext(connection.id, field)) : null);
    return {
      type: connection.authType,
      tokenUrl: connection.tokenUrl ?? null,
      clientId: connection.clientId ?? null,
      clientSecret: open(connection.clientSecretEnc, 'clientSecret'),
      username: connection.username ?? null,
      password: open(connection.passwordEnc, 'password'),
      scope: connection.scope ?? null,
    };
  }
}

/** An http(s) URL to test, or a step failure saying what is wrong with it. */
function parseTarget(what: string, url: string | null): URL {
  let parsed: URL;
  try {
    parsed = new URL(url ?? '');
  } catch {
    throw new StepFailure(`the ${what} is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new StepFailure(`the ${what} is not http or https`);
  return parsed;
}

async function runStep(name: ConnectionTestStepName, timeoutMs: number, work: StepWork, masked: string[]): Promise<ConnectionTestStep> {
  const startedAt = performance.now();
  const deadline = new AttemptDeadline(timeoutMs);
  let ok = true;
  let detail: string;
  try {
    detail = await work(deadline);
  } catch (error) {
    ok = false;
    detail = failureDetail(error, deadline);
  } finally {
    deadline.dispose();
  }
  return { name, ok, detail: redact(detail, masked), durationMs: Math.round(performance.now() - startedAt) };
}

function failureDetail(error: unknown, deadline: AttemptDeadline): string {
  if (error instanceof StepFailure) return error.message;
  // Checked first: whatever a dial or a request reports after the abort, the cause was the deadline.
  if (deadline.expired) return `timed out: no answer within ${deadline.timeoutMs} ms`;
  // The token endpoint's own answers are worded by net/oauth-token-request.ts (status and OAuth error code only).
  if (error instanceof TransportError && error.code === TRANSPORT_ERROR_CODES.tokenEndpoint) return error.message;
  return `${FAILURE_LABELS[classifyError(error)]}: ${errorText(error)}`;
}
