import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { CREATE_JOB, createConnection, createOperator, createStore, jobInput, upsertSupplier } from '../support/fixtures';

let t: TestGateway;
let connectionId: string;
let reader: string;
let user: string;
let adminOfA: string;

beforeAll(async () => {
  t = await startTestGateway();
  connectionId = await createConnection(t);
  await createStore(t, 'STORE-A');
  await createStore(t, 'STORE-B');
  await upsertSupplier(t, 'SUP-A', ['STORE-A']);
  await upsertSupplier(t, 'SUP-B', ['STORE-B']);
  reader = await createOperator(t, 'READER', ['STORE-A']);
  user = await createOperator(t, 'USER', ['STORE-A']);
  adminOfA = await createOperator(t, 'ADMIN', ['STORE-A']);
});
afterAll(() => t?.close());

describe('bearer tokens', () => {
  it('answers 401 UNAUTHENTICATED without a token', async () => {
    const result = await t.gql(undefined, '{ me { name } }');
    expect(result.status).toBe(401);
    expect(result.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers 401 UNAUTHENTICATED for an unknown token', async () => {
    const result = await t.gql('jo_not-a-real-token', '{ me { name } }');
    expect(result.status).toBe(401);
    expect(result.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('knows the administrator and operators', async () => {
    expect((await t.gql(ADMIN_TOKEN, '{ me { name permission builtIn } }')).data.me).toEqual({ name: 'administrator', permission: 'ADMIN', builtIn: true });
    const me = await t.gql(reader, '{ me { permission builtIn stores { externalId } } }');
    expect(me.data.me).toEqual({ permission: 'READER', builtIn: false, stores: [{ externalId: 'STORE-A' }] });
  });

  it('keeps only a hash of operator tokens', async () => {
    const rows = await t.db.query<{ token_hash: string }>('select token_hash from operator');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect([reader, user, adminOfA]).not.toContain(row.token_hash);
    }
  });
});

describe('permission levels', () => {
  it('lets a READER read but not write', async () => {
    expect((await t.gql(reader, '{ exportJobs { totalElements } }')).errors).toBeUndefined();
    const result = await t.gql(reader, CREATE_JOB, { input: jobInput(connectionId, { name: 'Reader job' }) });
    expect(result.errors![0].extensions?.code).toBe('FORBIDDEN');
    const connection = await t.gql(reader, `mutation { createClientConnection(input: { name: "R", baseUrl: "http://127.0.0.1:9" }) { id } }`);
    expect(connection.errors![0].extensions?.code).toBe('FORBIDDEN');
    expect(await t.db.query("select 1 from export_job where name = 'Reader job'")).toHaveLength(0);
  });

  it('lets a USER write jobs but not operators or reference data', async () => {
    const own = await t.gql(user, `mutation { createClientConnection(input: { name: "User's ERP", baseUrl: "http://127.0.0.1:9/u" }) { id storeExternalIds } }`);
    expect(own.data.createClientConnection.storeExternalIds).toEqual(['STORE-A']);
    const job = await t.gql(user, CREATE_JOB, { input: jobInput(own.data.createClientConnection.id, { name: 'User job' }) });
    expect(job.errors).toBeUndefined();
    const operator = await t.gql(user, `mutation { createOperator(input: { name: "x", permission: ADMIN }) { token } }`);
    expect(operator.errors![0].extensions?.code).toBe('FORBIDDEN');
    const store = await t.gql(user, `mutation { createStore(input: { externalId: "S", name: "S" }) { id } }`);
    expect(store.errors![0].extensions?.code).toBe('FORBIDDEN');
  });

  it('lets an ADMIN operator create operators only within its own stores', async () => {
    const ok = await t.gql(adminOfA, `mutation { createOperator(input: { name: "a2", permission: USER, storeExternalIds: ["STORE-A"] }) { token operator { stores { externalId } } } }`);
    expect(ok.data.createOperator.operator.stores).toEqual([{ externalId: 'STORE-A' }]);
    expect(ok.data.createOperator.token).toMatch(/^jo_/);
    const outside = await t.gql(adminOfA, `mutation { createOperator(input: { name: "b", permission: USER, storeExternalIds: ["STORE-B"] }) { token } }`);
    expect(outside.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(outside.errors![0].message).toContain('STORE-B');
  });

  it('makes a new operator token usable at once', async () => {
    const created = await t.admin(`mutation { createOperator(input: { name: "fresh", permission: READER, storeExternalIds: ["STORE-A"] }) { token } }`);
    expect((await t.gql(created.createOperator.token, '{ me { name } }')).data.me.name).toBe('fresh');
  });
});

describe('store scope', () => {
  it('shows an operator only the suppliers and stores it may see', async () => {
    expect((await t.gql(reader, '{ suppliers { externalId storeExternalIds } }')).data.suppliers).toEqual([{ externalId: 'SUP-A', storeExternalIds: ['STORE-A'] }]);
    expect((await t.gql(reader, '{ stores { externalId } }')).data.stores).toEqual([{ externalId: 'STORE-A' }]);
    expect((await t.gql(ADMIN_TOKEN, '{ suppliers { externalId } }')).data.suppliers).toEqual([{ externalId: 'SUP-A' }, { externalId: 'SUP-B' }]);
  });

  it('refuses an ADMIN operator moving a supplier of another store', async () => {
    const result = await t.gql(adminOfA, `mutation { upsertSupplier(input: { externalId: "SUP-B", name: "Taken", storeExternalIds: ["STORE-A"] }) { id } }`);
    expect(result.errors![0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.db.query("select name from supplier where external_id = 'SUP-B'"))[0].name).not.toBe('Taken');
  });

  it('refuses a supplier in an unknown store', async () => {
    const result = await t.gql(ADMIN_TOKEN, `mutation { upsertSupplier(input: { externalId: "SUP-X", name: "X", storeExternalIds: ["NOPE"] }) { id } }`);
    expect(result.errors![0].extensions?.errors).toEqual([{ field: 'storeExternalIds', message: 'unknown stores: NOPE' }]);
  });

  it('updates a supplier in place on a second upsert', async () => {
    await t.admin(`mutation { upsertSupplier(input: { externalId: "SUP-U", name: "Before", storeExternalIds: ["STORE-A"] }) { id } }`);
    const after = await t.admin(`mutation { upsertSupplier(input: { externalId: "SUP-U", name: "After", storeExternalIds: ["STORE-B"] }) { name storeExternalIds } }`);
    expect(after.upsertSupplier).toEqual({ name: 'After', storeExternalIds: ['STORE-B'] });
    expect(await t.db.query("select 1 from supplier where external_id = 'SUP-U'")).toHaveLength(1);
  });

  it('refuses a second store with the same external id', async () => {
    const result = await t.gql(ADMIN_TOKEN, `mutation { createStore(input: { externalId: "STORE-A", name: "again" }) { id } }`);
    expect(result.errors![0].extensions?.code).toBe('CONFLICT');
  });
});
