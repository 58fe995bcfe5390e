/**
 * `testClientConnection` against real local partners: a plain HTTP sink, an OAuth2 token endpoint, a TLS server
 * with a certificate nobody trusts, a closed port, a server that never finishes a handshake. Each test proves what
 * the partner received (connections, requests), not only what the answer says.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, createStore } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { reply, SELF_SIGNED_LOCALHOST, startHttpSink, type HttpSink, type SinkOptions } from '../support/http-sink';
import { waitFor } from '../support/wait';

const TEST_CONNECTION = `mutation($id: ID!) { testClientConnection(id: $id) { ok steps { name ok detail durationMs } } }`;
const UNKNOWN_ID = '00000000-0000-4000-8000-00000000dead';

interface Step {
  name: string;
  ok: boolean;
  detail: string | null;
  durationMs: number;
}

let t: TestGateway;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t?.close());
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function sink(options?: SinkOptions): Promise<HttpSink> {
  const started = await startHttpSink(options);
  cleanups.push(() => started.close());
  return started;
}

async function createConnection(gateway: TestGateway, input: Record<string, unknown>, token = ADMIN_TOKEN): Promise<string> {
  const result = await gateway.gql(token, `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, {
    input: { name: `partner ${randomUUID()}`, ...input },
  });
  if (result.errors?.length) throw new Error(`createClientConnection failed: ${JSON.stringify(result.errors)}`);
  return result.data.createClientConnection.id;
}

async function testConnection(id: string, token = ADMIN_TOKEN, gateway = t): Promise<GraphQLResponse<{ testClientConnection: { ok: boolean; steps: Step[] } }>> {
  return gateway.gql(token, TEST_CONNECTION, { id });
}

/** The steps of a test that must answer without a GraphQL error. */
async function stepsOf(id: string, token = ADMIN_TOKEN, gateway = t): Promise<{ ok: boolean; steps: Step[] }> {
  const result = await testConnection(id, token, gateway);
  expect(result.errors).toBeUndefined();
  return result.data!.testClientConnection;
}

/** A port nothing listens on: bound once by the system, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Once the partner has seen every connection closed, no request can still arrive on one of them. */
async function connectionsClosed(partner: HttpSink): Promise<void> {
  await waitFor(() => partner.openConnections === 0, { what: 'the test connection to be closed' });
}

const tokenAnswer = (accessToken: string) => reply.json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 });

const clientCredentials = (tokenUrl: string, clientSecret: string) => ({ type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl, clientId: 'jobout-client', clientSecret, scope: 'orders:write' });

describe('testClientConnection', () => {
  it('connects to a reachable http partner and sends it no request', async () => {
    const partner = await sink();
    const id = await createConnection(t, { baseUrl: `${partner.url}/api` });

    const result = await stepsOf(id);

    expect(result.ok).toBe(true);
    expect(result.steps.map((step) => [step.name, step.ok])).toEqual([['address', true], ['connect', true]]);
    expect(result.steps[0].detail).toContain('127.0.0.1');
    expect(result.steps[1].detail).toBe(`connected to 127.0.0.1:${partner.port} (http, no TLS)`);
    for (const step of result.steps) expect(Number.isInteger(step.durationMs) && step.durationMs >= 0).toBe(true);
    expect(partner.connections).toBe(1);
    await connectionsClosed(partner);
    expect(partner.requests).toEqual([]);
  });

  it('fetches an OAuth2 client-credentials token once and sends nothing to the export target', async () => {
    const partner = await sink();
    const tokenEndpoint = await sink();
    const [secret, accessToken] = [`secret-${randomUUID()}`, `token-${randomUUID()}`];
    tokenEndpoint.setDefault(tokenAnswer(accessToken));
    const id = await createConnection(t, { baseUrl: partner.url, auth: clientCredentials(`${tokenEndpoint.url}/oauth/token`, secret) });

    const answer = await testConnection(id);

    const { ok, steps } = answer.data!.testClientConnection;
    expect(ok).toBe(true);
    expect(steps.map((step) => [step.name, step.ok])).toEqual([['address', true], ['connect', true], ['token', true]]);
    expect(steps[2].detail).toBe(`token issued by 127.0.0.1:${tokenEndpoint.port} (valid for 3600 s)`);
    expect(tokenEndpoint.requests).toHaveLength(1);
    const [tokenRequest] = tokenEndpoint.requests;
    expect(tokenRequest).toMatchObject({ method: 'POST', url: '/oauth/token' });
    const form = new URLSearchParams(tokenRequest.body);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', client_id: 'jobout-client', client_secret: secret, scope: 'orders:write' });
    await connectionsClosed(partner);
    expect(partner.requests).toEqual([]);
    for (const text of [JSON.stringify(answer), t.logs.join('\n')]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(accessToken);
    }
  });

  it('reports a token endpoint that refuses the client, without the secret in the answer or the logs', async () => {
    const partner = await sink();
    const tokenEndpoint = await sink();
    const secret = `secret-${randomUUID()}`;
    // An endpoint that echoes what it was sent: the secret must still not reach the answer.
    tokenEndpoint.setDefault(reply.json(401, { error: 'invalid_client', error_description: `unknown client secret ${secret}` }));
    const id = await createConnection(t, { baseUrl: partner.url, auth: clientCredentials(`${tokenEndpoint.url}/oauth/token`, secret) });

    const answer = await testConnection(id);

    const { ok, steps } = answer.data!.testClientConnection;
    expect(ok).toBe(false);
    expect(steps.map((step) => [step.name, step.ok])).toEqual([['address', true], ['connect', true], ['token', false]]);
    expect(steps[2].detail).toBe('token endpoint answered HTTP 401 (invalid_client)');
    expect(tokenEndpoint.requests).toHaveLength(1);
    expect(JSON.stringify(answer)).not.toContain(secret);
    expect(t.logs.join('\n')).not.toContain(secret);
  });

  it('stops at a refused port: the connect step fails and no token is requested', async () => {
    const tokenEndpoint = await sink();
    tokenEndpoint.setDefault(tokenAnswer('never-used'));
    const port = await closedPort();
    const id = await createConnection(t, { baseUrl: `http://127.0.0.1:${port}`, auth: clientCredentials(`${tokenEndpoint.url}/oauth/token`, `secret-${randomUUID()}`) });

    const result = await stepsOf(id);

    expect(result.ok).toBe(false);
    expect(result.steps.map((step) => [step.name, step.ok])).toEqual([['address', true], ['connect', false]]);
    expect(result.steps[1].detail).toMatch(/^could not connect: .*ECONNREFUSED/);
    expect(tokenEndpoint.connections).toBe(0);
  });

  it('fails the TLS handshake with a self-signed certificate, having offered the host name (SNI)', async () => {
    // The fixture certificate is self-signed for localhost and trusted by nothing: verification must refuse it.
    const partner = await sink({ tls: SELF_SIGNED_LOCALHOST });
    const id = await createConnection(t, { baseUrl: `https://localhost:${partner.port}` });

    const result = await stepsOf(id);

    expect(result.ok).toBe(false);
    expect(result.steps.map((step) => [step.name, step.ok])).toEqual([['address', true], ['connect', false]]);
    expect(result.steps[1].detail).toMatch(/^TLS handshake failed: .*certificate/);
    expect(result.steps[1].detail).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(partner.serverNames).toEqual(['localhost']);
    expect(partner.requests).toEqual([]);
  });

  it('gives each step the connection timeout as its deadline', async () => {
    // Accepts TCP and never answers the TLS client hello: only the deadline can end the connect step.
    const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const accepted: net.Socket[] = [];
    silent.on('connection', (socket) => accepted.push(socket));
    cleanups.push(async () => {
      for (const socket of accepted) socket.destroy();
      silent.close();
      await once(silent, 'close');
    });
    const timeoutMs = 300;
    const id = await createConnection(t, { baseUrl: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs });

    const result = await stepsOf(id);

    expect(result.steps.map((step) => [step.name, step.ok])).toEqual([['address', true], ['connect', false]]);
    expect(result.steps[1].detail).toMatch(/^timed out/);
    expect(result.steps[1].durationMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(result.steps[1].durationMs).toBeLessThan(timeoutMs + 2_000);
    expect(accepted).toHaveLength(1);
  });

  it('answers NOT_FOUND for an unknown id', async () => {
    const result = await testConnection(UNKNOWN_ID);
    expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(result.data).toBeNull();
  });

  describe('who may run it', () => {
    let tokens: Record<'USER' | 'READER' | 'INGEST', string>;
    let partner: HttpSink;
    let ownConnection: string;
    let globalConnection: string;

    beforeAll(async () => {
      await createStore(t, 'STORE-TESTER');
      tokens = {
        USER: await createOperator(t, 'USER', ['STORE-TESTER'], 'tester USER'),
        READER: await createOperator(t, 'READER', ['STORE-TESTER'], 'tester READER'),
        INGEST: await createOperator(t, 'INGEST', ['STORE-TESTER'], 'tester INGEST'),
      };
      partner = await startHttpSink();
      ownConnection = await createConnection(t, { baseUrl: partner.url, storeExternalIds: ['STORE-TESTER'] });
      globalConnection = await createConnection(t, { baseUrl: partner.url });
    });
    afterAll(() => partner?.close());

    it.each(['READER', 'INGEST'] as const)('refuses a %s with FORBIDDEN, contacting nobody', async (level) => {
      const before = partner.connections;
      const result = await testConnection(ownConnection, tokens[level]);
      expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(partner.connections).toBe(before);
    });

    it("lets a USER of the connection's store run it", async () => {
      const before = partner.connections;
      expect((await stepsOf(ownConnection, tokens.USER)).ok).toBe(true);
      expect(partner.connections).toBe(before + 1);
    });

    it('refuses a store USER on a global connection it sees but may not write (FORBIDDEN)', async () => {
      const before = partner.connections;
      const result = await testConnection(globalConnection, tokens.USER);
      expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(partner.connections).toBe(before);
    });
  });
});

describe('testClientConnection with the address policy on (JOBOUT_ALLOW_PRIVATE_TARGETS=false)', () => {
  let guarded: TestGateway;
  beforeAll(async () => {
    guarded = await startTestGateway({ JOBOUT_ALLOW_PRIVATE_TARGETS: 'false' });
  });
  afterAll(() => guarded?.close());

  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}`, '127.0.0.1 is a private, loopback or reserved address'],
    ['localhost', (port: number) => `http://localhost:${port}`, 'localhost is an internal host name'],
  ])('refuses %s at the address step and dials nothing', async (_host, urlFor, refusal) => {
    const partner = await sink();
    // Saved while it pointed at a public address; it points at loopback now (as after a DNS change). Saving a
    // loopback URL directly is refused, so the row is changed underneath.
    const id = await createConnection(guarded, { baseUrl: 'http://93.184.215.14:8080' });
    await guarded.db.query('update client_connection set base_url = $1 where id = $2', [urlFor(partner.port), id]);

    const result = await stepsOf(id, ADMIN_TOKEN, guarded);

    expect(result.ok).toBe(false);
    expect(result.steps).toEqual([{ name: 'address', ok: false, detail: refusal, durationMs: expect.any(Number) }]);
    expect(partner.connections).toBe(0);
  });
});
