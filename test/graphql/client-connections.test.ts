import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { createJob, jobInput } from '../support/fixtures';

const FIELDS = `id name baseUrl headers { name value } timeoutMs auth { type tokenUrl clientId username scope hasClientSecret hasPassword } createdAt updatedAt`;
const CREATE = `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: ClientConnectionInput!) { updateClientConnection(id: $id, input: $input) { ${FIELDS} } }`;

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t?.close());

const oauth = (secret: string) => ({
  type: 'OAUTH2_CLIENT_CREDENTIALS',
  tokenUrl: 'http://127.0.0.1:9/oauth/token',
  clientId: 'jobout',
  clientSecret: secret,
  scope: 'orders:write',
});

describe('client connections', () => {
  it('creates a connection and never returns its secrets', async () => {
    const secret = `canary-${randomUUID()}`;
    const { createClientConnection: created } = await t.admin(CREATE, {
      input: { name: 'ERP', baseUrl: 'http://127.0.0.1:9/api/', headers: [{ name: 'X-Tenant', value: 'acme' }], timeoutMs: 5000, auth: oauth(secret) },
    });
    expect(created).toMatchObject({
      name: 'ERP',
      baseUrl: 'http://127.0.0.1:9/api',
      headers: [{ name: 'X-Tenant', value: 'acme' }],
      timeoutMs: 5000,
      auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl: 'http://127.0.0.1:9/oauth/token', clientId: 'jobout', scope: 'orders:write', hasClientSecret: true, hasPassword: false },
    });
    const read = await t.admin(`query($id: ID!) { clientConnection(id: $id) { ${FIELDS} } }`, { id: created.id });
    expect(read.clientConnection).toEqual(created);
    expect(JSON.stringify(await t.admin(`{ clientConnections { ${FIELDS} } }`))).not.toContain(secret);
  });

  it('stores secrets only encrypted, bound to their row', async () => {
    const secret = `canary-${randomUUID()}`;
    const password = `canary-${randomUUID()}`;
    const first = await t.admin(CREATE, {
      input: { name: 'Password grant', baseUrl: 'http://127.0.0.1:9', auth: { ...oauth(secret), type: 'OAUTH2_PASSWORD', username: 'erp-user', password } },
    });
    const second = await t.admin(CREATE, { input: { name: 'Same secret', baseUrl: 'http://127.0.0.1:9', auth: oauth(secret) } });
    expect(first.createClientConnection.auth).toMatchObject({ hasClientSecret: true, hasPassword: true, username: 'erp-user' });
    const dump = await t.db.query<{ row: string }>('select row_to_json(c)::text as row from client_connection c');
    for (const { row } of dump) {
      expect(row).not.toContain(secret);
      expect(row).not.toContain(password);
    }
    const [a, b] = await t.db.query<{ client_secret_enc: string }>('select client_secret_enc from client_connection where id = any($1) order by name', [
      [first.createClientConnection.id, second.createClientConnection.id],
    ]);
    expect(a.client_secret_enc).toMatch(/^v1\./);
    expect(a.client_secret_enc).not.toBe(b.client_secret_enc);
  });

  it('keeps a stored secret when an update leaves it out, and drops secrets when OAuth2 is turned off', async () => {
    const { createClientConnection: created } = await t.admin(CREATE, { input: { name: 'Rotating', baseUrl: 'http://127.0.0.1:9', auth: oauth('s1') } });
    const before = (await t.db.query<{ client_secret_enc: string }>('select client_secret_enc from client_connection where id = $1', [created.id]))[0];
    const { clientSecret: _omitted, ...withoutSecret } = oauth('');
    const kept = await t.admin(UPDATE, { id: created.id, input: { name: 'Rotating', baseUrl: 'http://127.0.0.1:9', auth: withoutSecret } });
    expect(kept.updateClientConnection.auth.hasClientSecret).toBe(true);
    const after = (await t.db.query<{ client_secret_enc: string }>('select client_secret_enc from client_connection where id = $1', [created.id]))[0];
    expect(after.client_secret_enc).toBe(before.client_secret_enc);
    const none = await t.admin(UPDATE, { id: created.id, input: { name: 'Rotating', baseUrl: 'http://127.0.0.1:9' } });
    expect(none.updateClientConnection.auth).toMatchObject({ type: 'NONE', tokenUrl: null, clientId: null, hasClientSecret: false });
  });

  it.each([
    ['a non-http URL', { baseUrl: 'ftp://erp.example.com' }, 'baseUrl'],
    ['a URL with credentials', { baseUrl: 'https://user:pw@erp.example.com' }, 'baseUrl'],
    ['a URL with a query', { baseUrl: 'https://erp.example.com/?key=1' }, 'baseUrl'],
    ['a header with CR/LF', { headers: [{ name: 'X-A', value: 'a\r\nHost: evil' }] }, 'headers[0].value'],
    ['a header Jobout sets itself', { headers: [{ name: 'Idempotency-Key', value: 'x' }] }, 'headers[0].name'],
    ['a malformed header name', { headers: [{ name: 'X A', value: 'x' }] }, 'headers[0].name'],
    ['a timeout below 100 ms', { timeoutMs: 5 }, 'timeoutMs'],
    ['OAuth2 without a client secret', { auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl: 'https://id.example.com/token', clientId: 'c' } }, 'auth.clientSecret'],
    ['a password grant without a username', { auth: { type: 'OAUTH2_PASSWORD', tokenUrl: 'https://id.example.com/token', clientId: 'c', clientSecret: 's', password: 'p' } }, 'auth.username'],
  ])('refuses %s', async (_case, overrides, field) => {
    const result = await t.gql(ADMIN_TOKEN, CREATE, { input: { name: `bad ${field}`, baseUrl: 'https://erp.example.com', ...overrides } });
    expect(result.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions?.errors?.map((e) => e.field)).toContain(field);
  });

  it('refuses a second connection with the same name', async () => {
    await t.admin(CREATE, { input: { name: 'Twice', baseUrl: 'http://127.0.0.1:9' } });
    const result = await t.gql(ADMIN_TOKEN, CREATE, { input: { name: 'Twice', baseUrl: 'http://127.0.0.1:9' } });
    expect(result.errors![0].extensions?.code).toBe('NAME_TAKEN');
  });

  it('refuses deleting a connection while a job uses it, then deletes it', async () => {
    const { createClientConnection: connection } = await t.admin(CREATE, { input: { name: 'In use', baseUrl: 'http://127.0.0.1:9' } });
    const job = await createJob(t, jobInput(connection.id, { name: 'Uses connection' }));
    const refused = await t.gql(ADMIN_TOKEN, `mutation($id: ID!) { deleteClientConnection(id: $id) }`, { id: connection.id });
    expect(refused.errors![0].extensions?.code).toBe('CONFLICT');
    await t.admin(`mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: job.id });
    expect((await t.admin(`mutation($id: ID!) { deleteClientConnection(id: $id) }`, { id: connection.id })).deleteClientConnection).toBe(true);
  });
});

describe('private targets (JOBOUT_ALLOW_PRIVATE_TARGETS=false)', () => {
  let strict: TestGateway;
  beforeAll(async () => {
    strict = await startTestGateway({ JOBOUT_ALLOW_PRIVATE_TARGETS: 'false' });
  });
  afterAll(() => strict?.close());

  it.each([
    'http://127.0.0.1',
    'http://localhost',
    'http://foo.localhost',
    'http://[::1]',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:127.0.0.1]',
    'http://[::ffff:a9fe:a9fe]',
    'http://2130706433',
    'http://0x7f000001',
    'http://0177.0.0.1',
    'http://127.1',
    'http://0.0.0.0',
    'http://10.0.0.1',
    'http://172.16.0.1',
    'http://192.168.1.1',
    'http://100.64.0.1',
    'http://[fd00::1]',
    'http://[fe80::1]',
    'http://[64:ff9b::7f00:1]',
    'http://metadata.google.internal',
  ])('refuses %s as a base URL', async (baseUrl) => {
    const result = await strict.gql(ADMIN_TOKEN, CREATE, { input: { name: 'internal', baseUrl } });
    expect(result.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions?.errors?.[0].field).toBe('baseUrl');
  });

  it('refuses an internal OAuth2 token URL', async () => {
    const result = await strict.gql(ADMIN_TOKEN, CREATE, {
      input: { name: 'internal token', baseUrl: 'https://93.184.215.14', auth: { ...oauth('s'), tokenUrl: 'http://169.254.169.254/token' } },
    });
    expect(result.errors![0].extensions?.errors?.[0].field).toBe('auth.tokenUrl');
  });

  it('accepts a public address', async () => {
    const result = await strict.gql(ADMIN_TOKEN, CREATE, { input: { name: 'public', baseUrl: 'https://93.184.215.14/api' } });
    expect(result.errors).toBeUndefined();
  });
});
