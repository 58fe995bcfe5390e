/**
 * The HTTP sender against real servers on loopback (CONTRACT §8.4–8.5, reliability §6 T08, T09, T19–T24).
 * No database: the sender is plain HTTP. Every test owns its sinks and senders; `afterEach` closes them.
 */
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildTargetUrl } from '../../src/dispatch/request-shape';
import { classifyError } from '../../src/net/error-class';
import { RESPONSE_EXCERPT_BYTES, Sender, type ConnectionTarget, type OutboundRequest, type SendOutcome } from '../../src/dispatch/sender';
import { createGuardedConnector } from '../../src/net/guarded-connector';
import { reply, SELF_SIGNED_LOCALHOST, startHttpSink, type HttpSink, type SinkOptions } from '../support/http-sink';
import { deferred, waitFor } from '../support/wait';

const USER_AGENT = 'jobout/test';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Deadline tests use a short timeout so they stay fast. */
const SHORT_TIMEOUT_MS = 800;
/** How late a timed-out attempt may end on a loaded 2-core machine (reliability T09 aims at ±250 ms). */
const DEADLINE_SLACK_MS = 500;
const FIFTY_MB = 50 * 1024 * 1024;
const SECRET = 'canary-client-secret-3f1b9c';
const PASSWORD = 'canary-password-77ad10';

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function sink(options?: SinkOptions): Promise<HttpSink> {
  const started = await startHttpSink(options);
  cleanups.push(() => started.close());
  return started;
}

function sender(options: Partial<ConstructorParameters<typeof Sender>[0]> = {}): Sender {
  const created = new Sender({ timeoutMs: DEFAULT_TIMEOUT_MS, allowPrivateTargets: true, userAgent: USER_AGENT, ...options });
  cleanups.push(() => created.close());
  return created;
}

const NO_AUTH: ConnectionTarget['auth'] = {
  type: 'NONE',
  tokenUrl: null,
  clientId: null,
  clientSecret: null,
  username: null,
  password: null,
  scope: null,
};

function connection(baseUrl: string, overrides: Partial<ConnectionTarget> = {}): ConnectionTarget {
  return { id: 'connection-1', baseUrl, headers: [], timeoutMs: null, auth: NO_AUTH, ...overrides };
}

function outbound(target: ConnectionTarget, overrides: Partial<OutboundRequest> = {}): OutboundRequest {
  return { exportId: 'export-1', attempt: 1, method: 'POST', connection: target, path: '/orders', queryParams: [], body: '{"ok":true}', ...overrides };
}

function oauthConnection(baseUrl: string, tokenUrl: string, auth: Partial<ConnectionTarget['auth']> = {}): ConnectionTarget {
  return connection(baseUrl, {
    id: 'oauth-connection',
    auth: { ...NO_AUTH, type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl, clientId: 'jobout-client', clientSecret: SECRET, scope: 'orders:write', ...auth },
  });
}

const token = (accessToken: string, expiresIn?: number) =>
  reply.json(200, { access_token: accessToken, token_type: 'Bearer', ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) });

function expectFailed(outcome: SendOutcome): Extract<SendOutcome, { kind: 'failed' }> {
  expect(outcome.kind, JSON.stringify(outcome)).toBe('failed');
  return outcome as Extract<SendOutcome, { kind: 'failed' }>;
}

function formOf(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

describe('the request', () => {
  it('goes to base URL + path + encoded query params in order, with the contract headers and the body byte for byte', async () => {
    const partner = await sink();
    const body = '{"z":1,"a":"é ü 😀","n":1.50,"s":"line\\nbreak"}';
    const target = connection(`${partner.url}/api/v1/`, {
      headers: [
        { name: 'X-Partner-Key', value: 'k-123' },
        { name: 'Idempotency-Key', value: 'spoofed' }, // Jobout's own headers always win
      ],
    });
    const queryParams = [
      { name: 'source', value: 'jobout' },
      { name: 'q', value: 'a b&c=é' },
      { name: 'source', value: 'second' },
    ];

    const outcome = await sender().send(outbound(target, { method: 'PUT', exportId: 'exp-42', attempt: 3, queryParams, body }));

    expect(outcome).toMatchObject({ kind: 'delivered', httpStatus: 200 });
    const [received] = await partner.waitForRequests(1);
    expect(received.method).toBe('PUT');
    expect(received.url).toBe('/api/v1/orders?source=jobout&q=a%20b%26c%3D%C3%A9&source=second');
    expect(received.body).toBe(body);
    expect(received.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-partner-key': 'k-123',
      'idempotency-key': 'exp-42',
      'x-jobout-attempt': '3',
      'user-agent': USER_AGENT,
    });
    expect(received.headers.authorization).toBeUndefined();
  });

  it.each(['POST', 'PATCH'] as const)('sends %s with the method given', async (method) => {
    const partner = await sink();
    await sender().send(outbound(connection(partner.url), { method }));
    expect((await partner.waitForRequests(1))[0].method).toBe(method);
  });

  it('reuses keep-alive connections, at most maxConnectionsPerOrigin of them', async () => {
    const partner = await sink();
    const gate = deferred();
    partner.setDefault(reply.hold(gate.promise));
    const send = sender({ maxConnectionsPerOrigin: 2 });
    const target = connection(partner.url);

    const first = Promise.all([1, 2, 3, 4].map((n) => send.send(outbound(target, { exportId: `e-${n}` }))));
    await partner.waitForRequests(2);
    gate.resolve();
    for (const outcome of await first) expect(outcome).toMatchObject({ kind: 'delivered' });
    expect(await send.send(outbound(target, { exportId: 'e-5' }))).toMatchObject({ kind: 'delivered' });

    expect(partner.requests).toHaveLength(5);
    expect(partner.connections).toBe(2);
  });

  it('refuses a stored path that would leave the base path, encoded dots included', () => {
    for (const path of ['/x/%2e%2e/%2e%2e/admin', '/x/%2E%2E/../admin', '/..%2fadmin', '/a%5c..%5cadmin', '/a\\..\\admin']) {
      expect(() => buildTargetUrl('https://partner.example/api/v1', path, [])).toThrow('the job path holds an encoded');
    }
    expect(() => buildTargetUrl('https://partner.example/api/v1', '/../admin', [])).toThrow('the job path leaves the connection base URL');
    expect(buildTargetUrl('https://partner.example/api/', '/orders/..', []).pathname).toBe('/api/');
  });

  it('keeps a path on the base URL host whatever it looks like', () => {
    expect(buildTargetUrl('https://partner.example/api', '//evil.example/x', []).href).toBe('https://partner.example/api/evil.example/x');
    expect(buildTargetUrl('https://partner.example', '/a/../../admin?x=1', [{ name: 'y', value: '2' }]).href).toBe(
      'https://partner.example/admin?x=1&y=2',
    );
  });

  it('refuses a framing header from the connection without sending or echoing its value', async () => {
    const partner = await sink();
    const target = connection(partner.url, { headers: [{ name: 'Transfer-Encoding', value: 'chunked-secret-value' }] });
    const failed = expectFailed(await sender().send(outbound(target)));
    expect(failed.errorClass).toBe('OTHER');
    expect(failed.error).toContain('transfer-encoding');
    expect(failed.error).not.toContain('chunked-secret-value');
    expect(partner.connections).toBe(0);
  });

  it.each(['ftp://partner.example/', 'https://user:pw@partner.example/', 'not a url'])('refuses base URL %s without sending', async (baseUrl) => {
    const failed = expectFailed(await sender().send(outbound(connection(baseUrl))));
    expect(failed.errorClass).toBe('OTHER');
    expect(failed.error).not.toContain('pw');
  });
});

describe('the outcome', () => {
  it('is delivered for a 2xx, with status and excerpt', async () => {
    const partner = await sink();
    partner.enqueue(reply.json(201, { id: 'P-1' }));
    const outcome = await sender().send(outbound(connection(partner.url)));
    expect(outcome).toMatchObject({ kind: 'delivered', httpStatus: 201, excerpt: '{"id":"P-1"}' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
  });

  it.each([500, 404, 410, 429])('is rejected for %i, with status and excerpt', async (status) => {
    const partner = await sink();
    partner.enqueue(reply.status(status, `failure ${status}`, { 'retry-after': '1' }));
    const outcome = await sender().send(outbound(connection(partner.url)));
    expect(outcome).toMatchObject({ kind: 'rejected', httpStatus: status, excerpt: `failure ${status}` });
    expect(partner.requests).toHaveLength(1); // never retried inside send
  });

  it.each([301, 302, 307])('is rejected for a %i redirect, whose target is never contacted', async (status) => {
    const partner = await sink();
    const elsewhere = await sink();
    partner.enqueue(reply.redirect(status, `${elsewhere.url}/admin`));
    const outcome = await sender().send(outbound(connection(partner.url)));
    expect(outcome).toMatchObject({ kind: 'rejected', httpStatus: status, excerpt: `moved to ${elsewhere.url}/admin` });
    expect(elsewhere.connections).toBe(0);
  });

  it('is CONNECTION when nothing listens', async () => {
    const closed = await startHttpSink();
    await closed.close();
    const failed = expectFailed(await sender().send(outbound(connection(closed.url))));
    expect(failed.errorClass).toBe('CONNECTION');
    expect(failed.error).toContain('ECONNREFUSED');
  });

  it('is OTHER once the sender is closed', async () => {
    const partner = await sink();
    const closing = sender();
    await closing.close();
    expect(expectFailed(await closing.send(outbound(connection(partner.url)))).errorClass).toBe('OTHER');
    expect(partner.connections).toBe(0);
  });
});

describe('the deadline', () => {
  async function expectTimeoutNear(outcomePromise: Promise<SendOutcome>, timeoutMs: number): Promise<void> {
    const startedAt = performance.now();
    const failed = expectFailed(await outcomePromise);
    const elapsed = performance.now() - startedAt;
    expect(failed.errorClass).toBe('TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(elapsed).toBeLessThan(timeoutMs + DEADLINE_SLACK_MS);
    expect(failed.durationMs).toBeGreaterThanOrEqual(timeoutMs - 5);
  }

  it('ends a hung response as TIMEOUT at the sender default and destroys the socket', async () => {
    const partner = await sink();
    partner.enqueue(reply.hang());
    await expectTimeoutNear(sender({ timeoutMs: SHORT_TIMEOUT_MS }).send(outbound(connection(partner.url))), SHORT_TIMEOUT_MS);
    await waitFor(() => partner.openConnections === 0, { what: 'the sender to close its socket' });
  });

  it("uses the connection's own timeout, also against a 1 byte/s drip after a 200", async () => {
    const partner = await sink();
    partner.enqueue(reply.drip(200, 1000));
    const target = connection(partner.url, { timeoutMs: 1500 });
    await expectTimeoutNear(sender().send(outbound(target)), 1500);
    await waitFor(() => partner.openConnections === 0, { what: 'the sender to close its socket' });
  });

  it('releases a response held open when the test lets it go', async () => {
    const partner = await sink();
    const gate = deferred();
    partner.enqueue(reply.hold(gate.promise, reply.status(202, 'accepted')));
    const pending = sender().send(outbound(connection(partner.url)));
    await partner.waitForRequests(1);
    gate.resolve();
    expect(await pending).toMatchObject({ kind: 'delivered', httpStatus: 202, excerpt: 'accepted' });
  });
});

describe('the response read cap', () => {
  it('reads 2 KiB of a 50 MB body, decides by the 200, and stops the transfer', async () => {
    const partner = await sink();
    partner.enqueue(reply.huge(200, FIFTY_MB));
    const startedAt = performance.now();
    const outcome = await sender().send(outbound(connection(partner.url)));
    expect(outcome).toMatchObject({ kind: 'delivered', httpStatus: 200, excerpt: 'x'.repeat(RESPONSE_EXCERPT_BYTES) });
    expect(performance.now() - startedAt).toBeLessThan(DEFAULT_TIMEOUT_MS / 2);
    await waitFor(() => partner.openConnections === 0, { what: 'the sender to close its socket' });
    expect(partner.bodyBytesSent).toBeLessThan(FIFTY_MB / 2);
  });

  it('reads 2 KiB of an endless body after a 500 and returns', async () => {
    const partner = await sink();
    partner.enqueue(reply.endless(500));
    const outcome = await sender().send(outbound(connection(partner.url)));
    expect(outcome).toMatchObject({ kind: 'rejected', httpStatus: 500, excerpt: 'y'.repeat(RESPONSE_EXCERPT_BYTES) });
    await waitFor(() => partner.openConnections === 0, { what: 'the sender to close its socket' });
  });

  it('leaves out a character cut by the cap instead of mangling it', async () => {
    const partner = await sink();
    partner.enqueue(reply.status(400, 'a'.repeat(RESPONSE_EXCERPT_BYTES - 1) + 'é and more'));
    const outcome = await sender().send(outbound(connection(partner.url)));
    expect(outcome).toMatchObject({ kind: 'rejected', excerpt: 'a'.repeat(RESPONSE_EXCERPT_BYTES - 1) });
  });
});

describe('the SSRF guard (allowPrivateTargets = false)', () => {
  const guarded = () => sender({ allowPrivateTargets: false });

  it.each([
    ['127.0.0.1', '127.0.0.1', (port: number) => `http://127.0.0.1:${port}`],
    ['[::1]', '::1', (port: number) => `http://[::1]:${port}`],
    ['[::ffff:127.0.0.1]', '127.0.0.1', (port: number) => `http://[::ffff:127.0.0.1]:${port}`],
    ['2130706433 (decimal 127.0.0.1)', '127.0.0.1', (port: number) => `http://2130706433:${port}`],
    ['localhost', '127.0.0.1', (port: number) => `http://localhost:${port}`],
  ])('refuses %s with no TCP connection, where an unguarded sender gets through', async (_form, listenOn, urlFor) => {
    const partner = await sink({ host: listenOn });
    const baseUrl = urlFor(partner.port);

    const failed = expectFailed(await guarded().send(outbound(connection(baseUrl))));
    expect(failed.errorClass).toBe('BLOCKED_DESTINATION');
    expect(partner.connections).toBe(0);

    // The control: the same URL does reach the sink when private targets are allowed.
    expect(await sender().send(outbound(connection(baseUrl)))).toMatchObject({ kind: 'delivered' });
    expect(partner.connections).toBe(1);
  });

  it('refuses an OAuth token URL on loopback: no token request leaves the process', async () => {
    const tokenEndpoint = await sink();
    tokenEndpoint.setDefault(token('never-issued'));
    const target = oauthConnection('https://partner.example', `${tokenEndpoint.url}/oauth/token`);
    const failed = expectFailed(await guarded().send(outbound(target)));
    expect(failed.errorClass).toBe('BLOCKED_DESTINATION');
    expect(failed.error).toMatch(/^token endpoint: /);
    expect(tokenEndpoint.connections).toBe(0);
  });

  describe('on names, at connect time (injected resolver)', () => {
    function agentResolving(answers: string[], isBlocked?: (address: string) => boolean, autoSelectFamily = true): Agent {
      const resolve = async () => answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      const agent = new Agent({ connect: createGuardedConnector({ resolve, isBlocked, connect: { autoSelectFamily } }) });
      cleanups.push(() => agent.close());
      return agent;
    }

    it.each([[['127.0.0.1']], [['203.0.113.10', '127.0.0.1']], [['2001:db8::1', '::ffff:169.254.169.254']]])(
      'refuses a name that resolves to %j (rebinding; any blocked answer is enough)',
      async (answers) => {
        const partner = await sink();
        const attempt = request(`http://partner.test:${partner.port}/`, { dispatcher: agentResolving(answers), method: 'POST' });
        await expect(attempt).rejects.toMatchObject({ code: 'ERR_BLOCKED_DESTINATION' });
        expect(partner.connections).toBe(0);
      },
    );

    // net.connect asks for every address when it races families (autoSelectFamily) and for one otherwise.
    it.each([true, false])('connects to the checked address when every answer is allowed (autoSelectFamily %s)', async (autoSelectFamily) => {
      const partner = await sink();
      const treatLoopbackAsPublic = (address: string) => address !== '127.0.0.1';
      const dispatcher = agentResolving(['127.0.0.1'], treatLoopbackAsPublic, autoSelectFamily);
      const response = await request(`http://partner.test:${partner.port}/`, { dispatcher });
      await response.body.dump();
      expect(response.statusCode).toBe(200);
      expect(partner.connections).toBe(1);
      expect(partner.requests[0].headers.host).toBe(`partner.test:${partner.port}`);
    });

    it('keeps the host name for TLS: SNI carries it and an untrusted certificate fails as TLS', async () => {
      const partner = await sink({ tls: SELF_SIGNED_LOCALHOST });
      const dispatcher = agentResolving(['127.0.0.1'], (address) => address !== '127.0.0.1');
      const error = await request(`https://partner.test:${partner.port}/`, { dispatcher }).catch((failure: unknown) => failure);
      expect(classifyError(error)).toBe('TLS');
      expect(partner.serverNames).toEqual(['partner.test']);
    });
  });
});

describe('TLS', () => {
  it('fails a self-signed partner as TLS and never sends the request', async () => {
    const partner = await sink({ tls: SELF_SIGNED_LOCALHOST });
    const failed = expectFailed(await sender().send(outbound(connection(`https://localhost:${partner.port}`))));
    expect(failed.errorClass).toBe('TLS');
    expect(partner.serverNames).toEqual(['localhost']);
    expect(partner.requests).toHaveLength(0);
  });
});

describe('OAuth2', () => {
  it('fetches one client-credentials token for concurrent sends and reuses it', async () => {
    const partner = await sink();
    const tokenEndpoint = await sink();
    const gate = deferred();
    tokenEndpoint.enqueue(reply.hold(gate.promise, token('tok-1', 3600)));
    const target = oauthConnection(partner.url, `${tokenEndpoint.url}/oauth/token`);
    const send = sender();

    const concurrent = Promise.all([1, 2, 3, 4, 5].map((n) => send.send(outbound(target, { exportId: `e-${n}` }))));
    await tokenEndpoint.waitForRequests(1);
    gate.resolve();
    for (const outcome of await concurrent) expect(outcome).toMatchObject({ kind: 'delivered' });
    expect(await send.send(outbound(target, { exportId: 'e-6' }))).toMatchObject({ kind: 'delivered' });

    expect(tokenEndpoint.requests).toHaveLength(1);
    const [tokenRequest] = tokenEndpoint.requests;
    expect(tokenRequest.method).toBe('POST');
    expect(tokenRequest.url).toBe('/oauth/token');
    expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(formOf(tokenRequest.body)).toEqual({ grant_type: 'client_credentials', client_id: 'jobout-client', client_secret: SECRET, scope: 'orders:write' });
    expect(partner.requests).toHaveLength(6);
    for (const received of partner.requests) expect(received.headers.authorization).toBe('Bearer tok-1');
  });

  it('drops the token after a 401 without retrying, and the next attempt fetches a new one', async () => {
    const partner = await sink();
    const tokenEndpoint = await sink();
    tokenEndpoint.enqueue(token('tok-old', 3600), token('tok-new', 3600));
    partner.enqueue(reply.status(200), reply.status(401, 'token revoked'));
    const target = oauthConnection(partner.url, tokenEndpoint.url);
    const send = sender();

    expect(await send.send(outbound(target, { attempt: 1 }))).toMatchObject({ kind: 'delivered' });
    expect(await send.send(outbound(target, { attempt: 2 }))).toMatchObject({ kind: 'rejected', httpStatus: 401 });
    expect(partner.requests).toHaveLength(2);
    expect(tokenEndpoint.requests).toHaveLength(1);

    expect(await send.send(outbound(target, { attempt: 3 }))).toMatchObject({ kind: 'delivered' });
    expect(tokenEndpoint.requests).toHaveLength(2);
    expect(partner.requests.map((received) => received.headers.authorization)).toEqual(['Bearer tok-old', 'Bearer tok-old', 'Bearer tok-new']);
  });

  it('renews the token shortly before expires_in ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const partner = await sink();
    const tokenEndpoint = await sink();
    tokenEndpoint.enqueue(token('tok-1', 60), token('tok-2', 60));
    const target = oauthConnection(partner.url, tokenEndpoint.url);
    const send = sender();

    await send.send(outbound(target));
    vi.setSystemTime(Date.now() + 50_000); // inside the 60 s lifetime minus the refresh margin
    await send.send(outbound(target));
    vi.setSystemTime(Date.now() + 5_000); // within the margin: renew
    await send.send(outbound(target));

    expect(tokenEndpoint.requests).toHaveLength(2);
    expect(partner.requests.map((received) => received.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('fetches a new token when the connection OAuth settings change', async () => {
    const partner = await sink();
    const tokenEndpoint = await sink();
    tokenEndpoint.enqueue(token('tok-1'), token('tok-2'));
    const send = sender();
    await send.send(outbound(oauthConnection(partner.url, tokenEndpoint.url)));
    await send.send(outbound(oauthConnection(partner.url, tokenEndpoint.url, { clientSecret: 'rotated-secret' })));
    expect(tokenEndpoint.requests).toHaveLength(2);
    expect(partner.requests[1].headers.authorization).toBe('Bearer tok-2');
  });

  it('sends the password grant with username, password and client credentials', async () => {
    const partner = await sink();
    const tokenEndpoint = await sink();
    tokenEndpoint.enqueue(token('tok-pw'));
    const target = oauthConnection(partner.url, tokenEndpoint.url, { type: 'OAUTH2_PASSWORD', username: 'erp-user', password: PASSWORD, scope: null });

    expect(await sender().send(outbound(target))).toMatchObject({ kind: 'delivered' });
    expect(formOf(tokenEndpoint.requests[0].body)).toEqual({
      grant_type: 'password',
      username: 'erp-user',
      password: PASSWORD,
      client_id: 'jobout-client',
      client_secret: SECRET,
    });
    expect(partner.requests[0].headers.authorization).toBe('Bearer tok-pw');
  });

  it.each([
    ['an error status echoing the secret', reply.json(401, { error: 'invalid_client', error_description: `secret ${SECRET} is wrong` }), 'invalid_client'],
    ['a 200 without access_token', reply.json(200, { token_type: 'Bearer', note: SECRET }), 'access_token'],
    ['a 200 that is not JSON', reply.status(200, `<html>${SECRET}</html>`), 'JSON'],
    ['a redirect', reply.redirect(302, 'http://127.0.0.1:1/elsewhere'), 'HTTP 302'],
  ])('fails as AUTH on %s, never naming the secret, and never calls the partner', async (_case, answer, mentions) => {
    const partner = await sink();
    const tokenEndpoint = await sink();
    tokenEndpoint.enqueue(answer);
    const target = oauthConnection(partner.url, tokenEndpoint.url, { type: 'OAUTH2_PASSWORD', username: 'erp-user', password: PASSWORD });

    const failed = expectFailed(await sender().send(outbound(target)));
    expect(failed.errorClass).toBe('AUTH');
    expect(failed.error).toContain(mentions);
    expect(JSON.stringify(failed)).not.toContain(SECRET);
    expect(JSON.stringify(failed)).not.toContain(PASSWORD);
    expect(partner.connections).toBe(0);
  });

  it('fails as AUTH when the token endpoint refuses connections', async () => {
    const partner = await sink();
    const closed = await startHttpSink();
    await closed.close();
    const failed = expectFailed(await sender().send(outbound(oauthConnection(partner.url, closed.url))));
    expect(failed.errorClass).toBe('AUTH');
    expect(failed.error).toContain('ECONNREFUSED');
  });

  it('counts the token fetch inside the attempt deadline', async () => {
    const partner = await sink();
    const tokenEndpoint = await sink();
    tokenEndpoint.enqueue(reply.hang());
    const startedAt = performance.now();
    const failed = expectFailed(await sender({ timeoutMs: SHORT_TIMEOUT_MS }).send(outbound(oauthConnection(partner.url, tokenEndpoint.url))));
    expect(failed.errorClass).toBe('TIMEOUT');
    expect(performance.now() - startedAt).toBeLessThan(SHORT_TIMEOUT_MS + DEADLINE_SLACK_MS);
    expect(partner.connections).toBe(0);
  });

  it('masks the token and secrets in a partner excerpt that echoes them', async () => {
    const partner = await sink();
    const tokenEndpoint = await sink();
    tokenEndpoint.enqueue(token('tok-echoed-123'));
    partner.enqueue((received, res) => {
      res.writeHead(403).end(`you sent ${received.headers.authorization} and ${SECRET}`);
    });
    const outcome = await sender().send(outbound(oauthConnection(partner.url, tokenEndpoint.url)));
    expect(outcome).toMatchObject({ kind: 'rejected', httpStatus: 403, excerpt: 'you sent Bearer [redacted] and [redacted]' });
  });
});

describe('error classification', () => {
  it.each([
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'TIMEOUT'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 'TIMEOUT'],
    [new Error('fetch failed', { cause: { code: 'ECONNREFUSED' } }), 'CONNECTION'],
    [new AggregateError([{ code: 'ENETUNREACH' }, { code: 'ECONNREFUSED' }], ''), 'CONNECTION'],
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'TLS'],
    [{ code: 'CERT_HAS_EXPIRED' }, 'TLS'],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'TLS'],
    [{ code: 'ERR_BLOCKED_DESTINATION' }, 'BLOCKED_DESTINATION'],
    [new Error('connect ECONNREFUSED after a timeout'), 'OTHER'], // messages are never read
  ])('%o is %s', (error, expected) => {
    expect(classifyError(error)).toBe(expected);
  });
});
