/**
 * Operators (CONTRACT §2): levels (INGEST only ingests, and only INGEST and the built-in administrator ingest),
 * all-stores operators, expiry, rotation and revocation, which ADMIN sees and manages which operator, and
 * WebSockets closed once their operator's token stops working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFeed, type FeedClient } from '../support/feed-client';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { waitFor } from '../support/wait';
import { setUpTwoStores, type TwoStores } from './two-stores';

let t: TestGateway;
let s: TwoStores;

beforeAll(async () => {
  t = await startTestGateway();
  s = await setUpTwoStores(t);
});
afterAll(() => t?.close());

const code = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;
const CREATE = `mutation($input: OperatorInput!) { createOperator(input: $input) { token operator { id name allStores stores { externalId } expiresAt } } }`;
const ROTATE = `mutation($id: ID!) { rotateOperatorToken(id: $id) { token operator { id } } }`;
const REVOKE = `mutation($id: ID!) { revokeOperator(id: $id) { id revokedAt } }`;
const UPSERT_ORDER = `mutation($input: OrderInput!) { upsertOrder(input: $input) { reference status } }`;
const me = (token: string) => t.gql(token, '{ me { name permission allStores } }');

/** The code the socket closes with, within the 10 s CONTRACT §2 allows (the deadline fails the test). */
async function closedWithin10s(feed: FeedClient): Promise<number> {
  let closedWith: number | undefined;
  void feed.closed.then((closeCode) => (closedWith = closeCode));
  await waitFor(() => closedWith !== undefined, { what: 'the socket closed', timeoutMs: 10_000 });
  return closedWith!;
}

async function newOperator(by: string, input: Record<string, unknown>) {
  const result = await t.gql(by, CREATE, { input: { permission: 'USER', ...input } });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.createOperator as { token: string; operator: { id: string } };
}

describe('the INGEST level', () => {
  it('writes orders of its stores\' suppliers and reads nothing', async () => {
    const written = await t.gql(s.a.INGEST, UPSERT_ORDER, { input: { reference: 'ING-A-1', supplierExternalId: 'SUP-A', status: 'ORDER_CREATED' } });
    expect(written.data.upsertOrder).toEqual({ reference: 'ING-A-1', status: 'ORDER_CREATED' });
    for (const query of ['{ exportJobs { totalElements } }', '{ clientConnections { id } }', '{ suppliers { externalId } }', '{ stores { externalId } }', '{ exports { totalElements } }']) {
      const result = await t.gql(s.a.INGEST, query);
      expect({ query, code: code(result), data: result.data }).toEqual({ query, code: 'FORBIDDEN', data: null });
    }
    expect((await me(s.a.INGEST)).data.me).toEqual({ name: 'INGEST of STORE-A', permission: 'INGEST', allStores: false });
  });

  it('is the only level, with the built-in administrator, that may ingest', async () => {
    for (const token of [s.a.ADMIN, s.a.USER, s.a.READER, s.allStoresAdmin]) {
      expect(code(await t.gql(token, UPSERT_ORDER, { input: { reference: 'ING-NO', supplierExternalId: 'SUP-A', status: 'ORDER_CREATED' } }))).toBe('FORBIDDEN');
    }
    expect((await t.gql(ADMIN_TOKEN, UPSERT_ORDER, { input: { reference: 'ING-ADMIN', supplierExternalId: 'SUP-B', status: 'CREATING' } })).data.upsertOrder.reference).toBe('ING-ADMIN');
    expect(await t.db.query(`select 1 from order_logistic where reference = 'ING-NO'`)).toEqual([]);
  });

  it('answers a reference of another store exactly like an unknown one or a supplier outside its stores', async () => {
    await t.gql(s.b.INGEST, UPSERT_ORDER, { input: { reference: 'ING-B-1', supplierExternalId: 'SUP-B', status: 'ORDER_CREATED' } });
    const takeOver = await t.gql(s.a.INGEST, UPSERT_ORDER, { input: { reference: 'ING-B-1', supplierExternalId: 'SUP-A', status: 'SHIPPED' } });
    const foreignSupplier = await t.gql(s.a.INGEST, UPSERT_ORDER, { input: { reference: 'ING-B-1', supplierExternalId: 'SUP-B', status: 'SHIPPED' } });
    const statusOfForeign = await t.gql(s.a.INGEST, `mutation { setOrderStatus(reference: "ING-B-1", status: "SHIPPED") { status } }`);
    const statusOfUnknown = await t.gql(s.a.INGEST, `mutation { setOrderStatus(reference: "ING-NOWHERE", status: "SHIPPED") { status } }`);
    const answers = [takeOver, foreignSupplier, statusOfForeign, statusOfUnknown].map((r) => ({ code: code(r), message: r.errors![0].message.replace(/ING-[A-Z0-9-]+/, '<ref>') }));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0].code).toBe('FORBIDDEN');
    expect(await t.db.query(`select supplier_external_id, status from order_logistic where reference = 'ING-B-1'`)).toEqual([{ supplier_external_id: 'SUP-B', status: 'ORDER_CREATED' }]);
  });
});

describe('creating operators', () => {
  it('needs an explicit store list or allStores, never both', async () => {
    expect(code(await t.gql(s.allStoresAdmin, CREATE, { input: { name: 'none', permission: 'USER' } }))).toBe('BAD_USER_INPUT');
    expect(code(await t.gql(s.allStoresAdmin, CREATE, { input: { name: 'both', permission: 'USER', allStores: true, storeExternalIds: ['STORE-A'] } }))).toBe('BAD_USER_INPUT');
  });

  it('grants allStores only from an all-stores ADMIN; such an operator sees every store, present and future', async () => {
    expect(code(await t.gql(s.a.ADMIN, CREATE, { input: { name: 'escalate', permission: 'READER', allStores: true } }))).toBe('FORBIDDEN');
    const { token } = await newOperator(s.allStoresAdmin, { name: 'all-stores reader', permission: 'READER', allStores: true });
    await t.admin(`mutation { createStore(input: { externalId: "STORE-LATER", name: "Later" }) { id } }`);
    const stores = (await t.gql(token, '{ stores { externalId } }')).data.stores.map((store: { externalId: string }) => store.externalId);
    expect(stores).toEqual(expect.arrayContaining(['STORE-A', 'STORE-B', 'STORE-LATER']));
  });

  it('names only stores the creating ADMIN sees, answering another store like an unknown one', async () => {
    const other = await t.gql(s.a.ADMIN, CREATE, { input: { name: 'x', permission: 'USER', storeExternalIds: ['STORE-B'] } });
    const unknown = await t.gql(s.a.ADMIN, CREATE, { input: { name: 'x', permission: 'USER', storeExternalIds: ['STORE-NONE'] } });
    expect(code(other)).toBe('BAD_USER_INPUT');
    expect(other.errors![0].extensions!.errors).toEqual([{ field: 'storeExternalIds', message: 'unknown stores: STORE-B' }]);
    expect(unknown.errors![0].extensions!.errors).toEqual([{ field: 'storeExternalIds', message: 'unknown stores: STORE-NONE' }]);
  });

  it('lets a token expire: refused from then on like an unknown token', async () => {
    const { token, operator } = await newOperator(s.a.ADMIN, { name: 'temporary', storeExternalIds: ['STORE-A'], expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await me(token)).data.me.name).toBe('temporary');
    await t.db.query(`update operator set expires_at = now() - interval '1 second' where id = $1`, [operator.id]); // the clock moves on
    const expired = await me(token);
    const unknown = await me('jo_not-a-token-at-all');
    expect({ status: expired.status, code: code(expired), message: expired.errors![0].message }).toEqual({ status: unknown.status, code: 'UNAUTHENTICATED', message: unknown.errors![0].message });
    expect(code(await t.gql(s.a.ADMIN, CREATE, { input: { name: 'past', permission: 'USER', storeExternalIds: ['STORE-A'], expiresAt: '2020-01-01T00:00:00Z' } }))).toBe('BAD_USER_INPUT');
  });
});

describe('operators, rotation and revocation', () => {
  it('lists to an ADMIN the operators sharing one of its stores, and every one to an all-stores ADMIN', async () => {
    const names = async (token: string) => ((await t.gql(token, '{ operators { name } }')).data.operators as { name: string }[]).map((o) => o.name);
    const ofA = await names(s.a.ADMIN);
    expect(ofA).toEqual(expect.arrayContaining(['ADMIN of STORE-A', 'INGEST of STORE-A']));
    expect(ofA.filter((name) => name.includes('STORE-B') || name === 'all-stores admin')).toEqual([]);
    expect(await names(s.allStoresAdmin)).toEqual(expect.arrayContaining(['ADMIN of STORE-A', 'USER of STORE-B', 'all-stores admin']));
    expect(code(await t.gql(s.a.USER, '{ operators { name } }'))).toBe('FORBIDDEN');
  });

  it('rotates a token: the new one works at once, the old one stops at once', async () => {
    const { token, operator } = await newOperator(s.a.ADMIN, { name: 'rotated', storeExternalIds: ['STORE-A'] });
    const rotated = await t.gql(s.a.ADMIN, ROTATE, { id: operator.id });
    expect((await me(rotated.data.rotateOperatorToken.token)).data.me.name).toBe('rotated');
    expect((await me(token)).status).toBe(401);
  });

  it('revokes an operator: its token is refused from the next request on, over GraphQL and REST', async () => {
    const { token, operator } = await newOperator(s.a.ADMIN, { name: 'revoked', storeExternalIds: ['STORE-A'] });
    expect((await t.gql(s.a.ADMIN, REVOKE, { id: operator.id })).data.revokeOperator.revokedAt).not.toBeNull();
    expect((await me(token)).status).toBe(401);
    const rest = await fetch(`${t.url}/v1/mapper/jobout`, { headers: { authorization: `Bearer ${token}`, 'dj-client': 'OPERATOR' } });
    expect(rest.status).toBe(401);
    expect(code(await t.gql(s.a.ADMIN, ROTATE, { id: operator.id }))).toBe('INVALID_STATE');
  });

  it('answers an operator of another store NOT_FOUND, and one also of another store FORBIDDEN', async () => {
    const [ofB] = ((await t.gql(s.allStoresAdmin, '{ operators { id name } }')).data.operators as { id: string; name: string }[]).filter((o) => o.name === 'USER of STORE-B');
    const unknown = await t.gql(s.a.ADMIN, REVOKE, { id: '00000000-0000-4000-8000-000000000000' });
    const invisible = await t.gql(s.a.ADMIN, REVOKE, { id: ofB.id });
    expect({ code: code(invisible), message: invisible.errors![0].message.replace(ofB.id, '<id>') }).toEqual({ code: 'NOT_FOUND', message: unknown.errors![0].message.replace('00000000-0000-4000-8000-000000000000', '<id>') });
    const shared = await newOperator(s.allStoresAdmin, { name: 'of both', storeExternalIds: ['STORE-A', 'STORE-B'] });
    expect(code(await t.gql(s.a.ADMIN, REVOKE, { id: shared.operator.id }))).toBe('FORBIDDEN');
    expect((await me(shared.token)).data.me.name).toBe('of both');
  });

  it('closes the WebSockets of a rotated token within 10 s, and runs nothing more on them', async () => {
    const { token, operator } = await newOperator(s.a.ADMIN, { name: 'rotating listener', permission: 'READER', storeExternalIds: ['STORE-A'] });
    const feed = connectFeed(t.url, token);
    try {
      feed.subscribe();
      await waitFor(() => t.gateway.results.subscriberCount > 0, { what: 'the subscription to start' });
      await t.gql(s.a.ADMIN, ROTATE, { id: operator.id });
      const late = feed.subscribe(); // an operation after the rotation: refused, however soon
      expect(await closedWithin10s(feed)).toBe(4401);
      expect(late.events).toEqual([]);
    } finally {
      await feed.close();
    }
  }, 15_000);

  it('closes the WebSockets of a revoked operator within 10 s, with 4401', async () => {
    const { token, operator } = await newOperator(s.a.ADMIN, { name: 'listener', permission: 'READER', storeExternalIds: ['STORE-A'] });
    const feed = connectFeed(t.url, token);
    const subscription = feed.subscribe();
    try {
      await waitFor(() => t.gateway.results.subscriberCount > 0, { what: 'the subscription to start' });
      await t.gql(s.a.ADMIN, REVOKE, { id: operator.id });
      expect(await closedWithin10s(feed)).toBe(4401);
      expect(subscription.events).toEqual([]);
    } finally {
      await feed.close();
    }
  }, 15_000);
});
