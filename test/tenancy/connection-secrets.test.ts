/**
 * Secrets of client connections (CONTRACT §2a): sensitive headers are write-only and encrypted like the OAuth2
 * secrets, and no stored secret follows a connection to another origin unless entered again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/auth/secret-box';
import { sealStoredHeaders } from '../../src/services/seal-stored-headers';
import { jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, SECRET_KEY, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';
import { setUpTwoStores, type TwoStores } from './two-stores';

let t: TestGateway;
let s: TwoStores;
let partner: HttpSink;
let elsewhere: HttpSink;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

const CREATE = `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id headers { name value sensitive } auth { hasClientSecret } } }`;
const UPDATE = `mutation($id: ID!, $input: ClientConnectionInput!) { updateClientConnection(id: $id, input: $input) { id headers { name value sensitive } } }`;
const READ = `query($id: ID!) { clientConnection(id: $id) { headers { name value sensitive } } }`;

async function create(input: Record<string, unknown>) {
  const result = await t.gql(s.a.USER, CREATE, { input: { name: unique('Partner'), ...input } });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.createClientConnection as { id: string; headers: { name: string; value: string | null; sensitive: boolean }[] };
}

beforeAll(async () => {
  t = await startTestGateway();
  s = await setUpTwoStores(t);
  partner = await startHttpSink();
  elsewhere = await startHttpSink();
  partner.setDefault((request, res, counters) => (request.path === '/token' ? reply.json(200, { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 }) : reply.json(200, {}))(request, res, counters));
});
afterAll(async () => {
  await t?.close();
  await partner?.close();
  await elsewhere?.close();
});

describe('sensitive headers', () => {
  it('are never returned: names that carry credentials always, others when marked', async () => {
    const created = await create({
      baseUrl: partner.url,
      headers: [
        { name: 'X-Api-Key', value: 'key-of-a' },
        { name: 'Cookie', value: 'c=1' },
        { name: 'X-Session-Id', value: 's' },
        { name: 'X-Request-Signature', value: 'sig' },
        { name: 'Authorization', value: 'Basic YTpi', sensitive: false },
        { name: 'Proxy-Authorization', value: 'Basic Yzpk' },
        { name: 'X-Auth-Token', value: 'tok' },
        { name: 'X-Client-Secret', value: 'sec' },
        { name: 'X-Db-Password', value: 'pw' },
        { name: 'X-Partner-Account', value: 'acct-7', sensitive: true },
        { name: 'X-Tenant', value: 't1', sensitive: false },
      ],
    });
    const expected = [
      { name: 'X-Api-Key', value: null, sensitive: true },
      { name: 'Cookie', value: null, sensitive: true },
      { name: 'X-Session-Id', value: null, sensitive: true },
      { name: 'X-Request-Signature', value: null, sensitive: true },
      // sensitive by name even when marked otherwise
      { name: 'Authorization', value: null, sensitive: true },
      { name: 'Proxy-Authorization', value: null, sensitive: true },
      { name: 'X-Auth-Token', value: null, sensitive: true },
      { name: 'X-Client-Secret', value: null, sensitive: true },
      { name: 'X-Db-Password', value: null, sensitive: true },
      { name: 'X-Partner-Account', value: null, sensitive: true },
      { name: 'X-Tenant', value: 't1', sensitive: false },
    ];
    expect(created.headers).toEqual(expected);
    expect((await t.gql(s.a.READER, READ, { id: created.id })).data.clientConnection.headers).toEqual(expected);
  });

  it('are stored encrypted, and sent to the partner in clear', async () => {
    const created = await create({ baseUrl: partner.url, headers: [{ name: 'X-Api-Key', value: 'plain-key-123' }] });
    const [row] = await t.db.query<{ headers: string }>('select headers::text from client_connection where id = $1', [created.id]);
    expect(row.headers).not.toContain('plain-key-123');
    expect(row.headers).toContain('valueEnc');
    await t.gql(s.a.USER, `mutation($input: ExportJobInput!) { createExportJob(input: $input) { id } }`, { input: jobInput(created.id, { name: unique('Job'), triggerStatuses: ['SHIPPED'] }) });
    const reference = unique('KEYED');
    await t.gql(ADMIN_TOKEN, `mutation($input: OrderInput!) { upsertOrder(input: $input) { id } }`, { input: { reference, supplierExternalId: 'SUP-A', status: 'SHIPPED' } });
    await waitFor(() => partner.requests.some((request) => request.body.includes(reference)), { what: 'the export' });
    expect(partner.requests.find((request) => request.body.includes(reference))!.headers['x-api-key']).toBe('plain-key-123');
  });

  it('keep their stored value when an update omits it, and need one when none is stored', async () => {
    const created = await create({ baseUrl: partner.url, headers: [{ name: 'X-Api-Key', value: 'kept-key' }] });
    const kept = await t.gql(s.a.USER, UPDATE, { id: created.id, input: { name: unique('Renamed'), baseUrl: `${partner.url}/v2`, headers: [{ name: 'x-api-key' }] } });
    expect(kept.errors).toBeUndefined();
    const [row] = await t.db.query<{ headers: { valueEnc: string }[] }>('select headers from client_connection where id = $1', [created.id]);
    const box = new SecretBox(Buffer.from(SECRET_KEY, 'base64'));
    expect(box.open(row.headers[0].valueEnc, `client_connection:${created.id}:header:x-api-key`)).toBe('kept-key');
    const missing = await t.gql(s.a.USER, UPDATE, { id: created.id, input: { name: unique('Renamed'), baseUrl: partner.url, headers: [{ name: 'X-Other-Token' }] } });
    expect(missing.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'headers[0].value', message: 'is required' }] });
  });
});

describe('a connection moving to another origin', () => {
  const oauth = (tokenUrl: string, clientSecret?: string) => ({ type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl, clientId: 'jobout', ...(clientSecret ? { clientSecret } : {}) });

  it('needs every stored secret entered again, named in the error, and changes nothing without them', async () => {
    const created = await create({ baseUrl: partner.url, headers: [{ name: 'X-Api-Key', value: 'k' }], auth: oauth(`${partner.url}/token`, 'client-secret') });
    const moved = await t.gql(s.a.USER, UPDATE, { id: created.id, input: { name: unique('Moved'), baseUrl: elsewhere.url, headers: [{ name: 'X-Api-Key' }], auth: oauth(`${partner.url}/token`) } });
    expect(moved.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect((moved.errors![0].extensions!.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['auth.clientSecret', 'headers[0].value']);
    expect((await t.db.query<{ base_url: string }>('select base_url from client_connection where id = $1', [created.id]))[0].base_url).toBe(partner.url);
    const reentered = await t.gql(s.a.USER, UPDATE, { id: created.id, input: { name: unique('Moved'), baseUrl: elsewhere.url, headers: [{ name: 'X-Api-Key', value: 'k2' }], auth: oauth(`${partner.url}/token`, 's2') } });
    expect(reentered.errors).toBeUndefined();
  });

  it('by its token URL alone needs the client secret again', async () => {
    const created = await create({ baseUrl: partner.url, auth: oauth(`${partner.url}/token`, 'client-secret') });
    const moved = await t.gql(s.a.USER, UPDATE, { id: created.id, input: { name: unique('Moved'), baseUrl: partner.url, auth: oauth(`${elsewhere.url}/token`) } });
    expect(moved.errors![0].extensions!.errors).toEqual([{ field: 'auth.clientSecret', message: 'must be entered again: the connection moves to another origin' }]);
  });

  it('within its origin (another path) keeps its secrets', async () => {
    const created = await create({ baseUrl: partner.url, headers: [{ name: 'Authorization', value: 'Basic abc' }] });
    const result = await t.gql(s.a.USER, UPDATE, { id: created.id, input: { name: unique('Same origin'), baseUrl: `${partner.url}/api/v2`, headers: [{ name: 'Authorization' }] } });
    expect(result.errors).toBeUndefined();
  });
});

describe('sensitive values stored in clear by an older build', () => {
  it('are sealed at start, and read back as write-only', async () => {
    const created = await create({ baseUrl: partner.url });
    await t.db.query(`update client_connection set headers = '[{"name":"X-Api-Key","value":"legacy-key"},{"name":"X-Tenant","value":"t9"}]' where id = $1`, [created.id]);
    expect((await t.gql(s.a.READER, READ, { id: created.id })).data.clientConnection.headers).toEqual([
      { name: 'X-Api-Key', value: null, sensitive: true },
      { name: 'X-Tenant', value: 't9', sensitive: false },
    ]);
    expect(await sealStoredHeaders(t.gateway.orm.em.fork(), new SecretBox(Buffer.from(SECRET_KEY, 'base64')))).toBe(1);
    const [row] = await t.db.query<{ headers: string }>('select headers::text from client_connection where id = $1', [created.id]);
    expect(row.headers).not.toContain('legacy-key');
    expect(await sealStoredHeaders(t.gateway.orm.em.fork(), new SecretBox(Buffer.from(SECRET_KEY, 'base64')))).toBe(0);
  });
});
