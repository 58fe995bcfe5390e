/**
 * Owner stores of export jobs and client connections (CONTRACT §2a): what each store's operators see, write and
 * use, and what a store's job exports, end to end to a real partner. The attacks of issue #12 come first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_JOB, jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';
import { setUpTwoStores, type TwoStores } from './two-stores';

let t: TestGateway;
let s: TwoStores;
let partnerOfA: HttpSink;
let partnerOfB: HttpSink;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;
const code = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;

const CREATE_CONNECTION = `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id name storeExternalIds } }`;
const UPDATE_CONNECTION = `mutation($id: ID!, $input: ClientConnectionInput!) { updateClientConnection(id: $id, input: $input) { id storeExternalIds } }`;
const UPDATE_JOB = `mutation($id: ID!, $input: ExportJobInput!) { updateExportJob(id: $id, input: $input) { id } }`;

async function connection(token: string, input: Record<string, unknown>): Promise<string> {
  const result = await t.gql(token, CREATE_CONNECTION, { input: { name: unique('Partner'), ...input } });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.createClientConnection.id;
}

async function job(token: string, connectionId: string, overrides: Record<string, unknown> = {}): Promise<{ id: string; name: string; storeExternalIds: string[] }> {
  const result = await t.gql(token, CREATE_JOB.replace('{ id', '{ id storeExternalIds'), { input: jobInput(connectionId, { name: unique('Job'), triggerStatuses: ['SHIPPED'], ...overrides }) });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.createExportJob;
}

const ship = (reference: string, supplier: string) => t.gql(ADMIN_TOKEN, `mutation($input: OrderInput!) { upsertOrder(input: $input) { reference } }`, { input: { reference, supplierExternalId: supplier, status: 'SHIPPED' } });
const received = (sink: HttpSink, reference: string) => sink.requests.filter((request) => request.body.includes(`"${reference}"`)).length;

beforeAll(async () => {
  t = await startTestGateway();
  s = await setUpTwoStores(t);
  partnerOfA = await startHttpSink();
  partnerOfB = await startHttpSink();
});
afterAll(async () => {
  await t?.close();
  await partnerOfA?.close();
  await partnerOfB?.close();
});

describe('a job of store A with no suppliers', () => {
  it("exports the orders of store A's suppliers, shared ones included, and never store B's", async () => {
    const own = await connection(s.a.USER, { baseUrl: partnerOfA.url });
    const created = await job(s.a.USER, own);
    expect(created.storeExternalIds).toEqual(['STORE-A']);
    const [ofA, shared, ofB, barrier] = [unique('A'), unique('AB'), unique('B'), unique('BARRIER')];
    await ship(ofB, 'SUP-B');
    await ship(ofA, 'SUP-A');
    await ship(shared, 'SUP-AB');
    await ship(barrier, 'SUP-A'); // changes are recorded in order: once this one arrived, B's was matched and refused
    await waitFor(() => received(partnerOfA, barrier) === 1, { what: 'the barrier order at store A\'s partner' });
    expect([received(partnerOfA, ofA), received(partnerOfA, shared), received(partnerOfA, ofB)]).toEqual([1, 1, 0]);
    expect(await t.db.query(`select 1 from export where object_reference = $1`, [ofB])).toEqual([]);
  });
});

describe("store B's connection, seen from store A", () => {
  it('is missing from lists and answers NOT_FOUND to reads and writes, exactly like an unknown id', async () => {
    const ofB = await connection(s.b.USER, { baseUrl: partnerOfB.url, auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', tokenUrl: `${partnerOfB.url}/token`, clientId: 'b', clientSecret: 'secret-of-b' } });
    const unknownId = '00000000-0000-4000-8000-00000000abcd';
    const listed = (await t.gql(s.a.ADMIN, '{ clientConnections { id } }')).data.clientConnections.map((c: { id: string }) => c.id);
    expect(listed).not.toContain(ofB);
    const attempts = [
      (id: string) => t.gql(s.a.READER, `query($id: ID!) { clientConnection(id: $id) { id } }`, { id }),
      (id: string) => t.gql(s.a.USER, UPDATE_CONNECTION, { id, input: { name: 'stolen', baseUrl: partnerOfA.url } }),
      (id: string) => t.gql(s.a.ADMIN, `mutation($id: ID!) { deleteClientConnection(id: $id) }`, { id }),
    ];
    for (const attempt of attempts) {
      const [invisible, unknown] = [await attempt(ofB), await attempt(unknownId)];
      expect({ code: code(invisible), message: invisible.errors![0].message.replace(ofB, '<id>') }).toEqual({ code: 'NOT_FOUND', message: unknown.errors![0].message.replace(unknownId, '<id>') });
    }
    expect((await t.db.query<{ base_url: string }>('select base_url from client_connection where id = $1', [ofB]))[0].base_url).toBe(partnerOfB.url);
  });

  it('cannot carry a job of store A: it is an unknown connection', async () => {
    const ofB = await connection(s.b.USER, { baseUrl: partnerOfB.url });
    const result = await t.gql(s.a.USER, CREATE_JOB, { input: jobInput(ofB, { name: unique('Job') }) });
    expect(result.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'clientConnectionId', message: 'unknown client connection' }] });
  });
});

describe("store B's job, seen from store A", () => {
  it('cannot be read, replaced, deleted or given suppliers: NOT_FOUND, over GraphQL and REST', async () => {
    const ofB = await job(s.b.USER, await connection(s.b.USER, { baseUrl: partnerOfB.url }));
    const ownConnection = await connection(s.a.USER, { baseUrl: partnerOfA.url });
    const results = [
      await t.gql(s.a.READER, `query($id: ID!) { exportJob(id: $id) { id } }`, { id: ofB.id }),
      await t.gql(s.a.USER, UPDATE_JOB, { id: ofB.id, input: jobInput(ownConnection, { name: ofB.name }) }),
      await t.gql(s.a.USER, `mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: ofB.id }),
      await t.gql(s.a.ADMIN, `mutation($id: ID!) { addExportJobSuppliers(id: $id, supplierExternalIds: ["SUP-AB"]) { id } }`, { id: ofB.id }),
    ];
    expect(results.map(code)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    const rest = await fetch(`${t.url}/v1/mapper/jobout/${ofB.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.a.ADMIN}`, 'dj-client': 'OPERATOR' } });
    expect(rest.status).toBe(404);
    const listed = await fetch(`${t.url}/v1/mapper/jobout?size=100`, { headers: { authorization: `Bearer ${s.a.ADMIN}`, 'dj-client': 'OPERATOR' } });
    expect(((await listed.json()) as { content: { id: string }[] }).content.map((j) => j.id)).not.toContain(ofB.id);
    expect(await t.db.query('select name from export_job where id = $1', [ofB.id])).toEqual([{ name: ofB.name }]);
  });
});

describe('global jobs and connections', () => {
  it('are visible to every store, and written only by all-stores operators: FORBIDDEN otherwise', async () => {
    const global = await connection(s.allStoresAdmin, { baseUrl: partnerOfA.url });
    const globalJob = await job(ADMIN_TOKEN, global);
    expect(globalJob.storeExternalIds).toEqual([]);
    expect(code(await t.gql(s.a.READER, `query($id: ID!) { exportJob(id: $id) { id } }`, { id: globalJob.id }))).toBeUndefined();
    expect(code(await t.gql(s.a.ADMIN, `mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: globalJob.id }))).toBe('FORBIDDEN');
    expect(code(await t.gql(s.a.ADMIN, UPDATE_CONNECTION, { id: global, input: { name: 'mine now', baseUrl: partnerOfB.url } }))).toBe('FORBIDDEN');
    // Using one in a job is writing it: its secrets would go with store A's orders.
    expect(code(await t.gql(s.a.USER, CREATE_JOB, { input: jobInput(global, { name: unique('Job') }) }))).toBe('FORBIDDEN');
  });

  it('are created only by all-stores operators; an omitted list means the caller\'s stores', async () => {
    expect(code(await t.gql(s.a.ADMIN, CREATE_CONNECTION, { input: { name: unique('Global'), baseUrl: partnerOfA.url, storeExternalIds: [] } }))).toBe('FORBIDDEN');
    const ofAllStores = await t.gql(s.allStoresAdmin, CREATE_CONNECTION, { input: { name: unique('Global'), baseUrl: partnerOfA.url } });
    expect(ofAllStores.data.createClientConnection.storeExternalIds).toEqual([]);
    const named = await t.gql(s.a.ADMIN, CREATE_CONNECTION, { input: { name: unique('Named'), baseUrl: partnerOfA.url, storeExternalIds: ['STORE-B'] } });
    expect(named.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'storeExternalIds', message: 'unknown stores: STORE-B' }] });
  });

  it('a global job needs a global connection: a store\'s connection never receives every store\'s orders', async () => {
    const ofA = await connection(s.allStoresAdmin, { baseUrl: partnerOfA.url, storeExternalIds: ['STORE-A'] });
    const result = await t.gql(s.allStoresAdmin, CREATE_JOB, { input: jobInput(ofA, { name: unique('Job'), storeExternalIds: [] }) });
    expect(result.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'clientConnectionId', message: 'a global job needs a global connection' }] });
  });
});

describe('shared resources', () => {
  it('of stores A and B are read by both, and written only by whoever covers both', async () => {
    const shared = await connection(s.allStoresAdmin, { baseUrl: partnerOfA.url, storeExternalIds: ['STORE-A', 'STORE-B'] });
    expect(code(await t.gql(s.b.READER, `query($id: ID!) { clientConnection(id: $id) { id } }`, { id: shared }))).toBeUndefined();
    expect(code(await t.gql(s.a.ADMIN, UPDATE_CONNECTION, { id: shared, input: { name: 'x', baseUrl: partnerOfA.url } }))).toBe('FORBIDDEN');
    const seenByA = await t.gql(s.a.READER, `query($id: ID!) { clientConnection(id: $id) { storeExternalIds } }`, { id: shared });
    expect(seenByA.data.clientConnection.storeExternalIds).toEqual(['STORE-A']); // only the stores it sees
  });
});

describe('an operator without stores (made before every operator needed one)', () => {
  it('sees nothing and cannot make a global resource by omitting the owner stores', async () => {
    const [row] = await t.db.query<{ id: string }>(`insert into operator (name, permission, token_hash) values ('legacy', 'USER', encode(sha256('jo_legacy-token-0123456789'::bytea), 'hex')) returning id`);
    expect(row.id).toBeTruthy();
    const token = 'jo_legacy-token-0123456789';
    const me = await t.gql(token, '{ me { name } }');
    expect(me.errors).toBeUndefined();
    const created = await t.gql(token, CREATE_CONNECTION, { input: { name: unique('Legacy'), baseUrl: `${partnerOfA.url}/legacy` } });
    expect(code(created)).toBe('FORBIDDEN');
    expect(await t.db.query(`select 1 from client_connection where base_url = $1`, [`${partnerOfA.url}/legacy`])).toEqual([]);
  });
});

describe('names', () => {
  it('are unique per owner stores: each store may call its job "Orders to ERP"', async () => {
    const [ofA, ofB] = [await connection(s.a.USER, { baseUrl: partnerOfA.url }), await connection(s.b.USER, { baseUrl: partnerOfB.url })];
    await job(s.a.USER, ofA, { name: 'Orders to ERP' });
    expect((await job(s.b.USER, ofB, { name: 'Orders to ERP' })).storeExternalIds).toEqual(['STORE-B']);
    const again = await t.gql(s.a.USER, CREATE_JOB, { input: jobInput(ofA, { name: 'Orders to ERP' }) });
    expect(code(again)).toBe('NAME_TAKEN');
  });
});

describe("a connection's owner stores", () => {
  it('must keep covering the jobs that use it: CONFLICT, and nothing changes', async () => {
    const shared = await connection(s.allStoresAdmin, { baseUrl: partnerOfA.url, storeExternalIds: ['STORE-A', 'STORE-B'] });
    const used = await job(s.allStoresAdmin, shared, { storeExternalIds: ['STORE-B'] });
    const narrowed = await t.gql(s.allStoresAdmin, UPDATE_CONNECTION, { id: shared, input: { name: 'narrowed', baseUrl: partnerOfA.url, storeExternalIds: ['STORE-A'] } });
    expect(code(narrowed)).toBe('CONFLICT');
    expect(narrowed.errors![0].message).toContain(used.name);
    expect((await t.db.query<{ n: number }>('select cardinality(store_ids) as n from client_connection where id = $1', [shared]))[0].n).toBe(2);
  });
});
