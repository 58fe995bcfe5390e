/**
 * GraphQL clients with their default settings (CONTRACT §9): a query sent as GET with a bearer token is served
 * (urql's default), the CSRF guard still refuses a request a cross-site form could send, and a subscription sent
 * over HTTP gets a clear 400 without an error in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t?.close());

const BEARER = { authorization: `Bearer ${ADMIN_TOKEN}` };
const getQuery = (query: string, headers: Record<string, string> = BEARER, operationName?: string) =>
  fetch(`${t.url}/graphql?${new URLSearchParams({ query, ...(operationName && { operationName }) })}`, { headers });

describe('a query sent as GET', () => {
  it('with a bearer token is served, as urql sends it by default', async () => {
    const response = await getQuery('{ me { name } }', { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'application/graphql-response+json, application/json' });
    expect(response.status).toBe(200);
    expect((await response.json()).data.me.name).toBe('administrator');
  });

  it('without a token or a preflight header is refused by the CSRF guard, as a cross-site form would be', async () => {
    const response = await getQuery('{ me { name } }', {});
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
  });
});

describe('a subscription sent over HTTP', () => {
  const SUBSCRIPTION = 'subscription Results { exportResults { exportId } }';
  it.each([
    ['POST', () => fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ query: SUBSCRIPTION }) })],
    ['GET', () => getQuery(SUBSCRIPTION)],
    ['POST, chosen among other operations', () => fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ query: `query Me { me { name } } ${SUBSCRIPTION}`, operationName: 'Results' }) })],
  ])('as %s answers 400 saying to use graphql-ws on /graphql, and logs no error', async (_how, send) => {
    const before = t.logs.length;
    const response = await send();
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0]).toMatchObject({ message: expect.stringContaining('graphql-ws'), extensions: { code: 'BAD_REQUEST' } });
    expect(t.logs.slice(before).filter((line) => JSON.parse(line).level === 'error')).toEqual([]);
  });

  it('answers 401 first without a valid token', async () => {
    expect((await getQuery('subscription { exportResults { exportId } }', { authorization: 'Bearer wrong-token' })).status).toBe(401);
  });

  it('cannot be slipped in as a persisted query: only documents are accepted', async () => {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...BEARER },
      body: JSON.stringify({ operationName: 'Results', extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
    });
    // (Apollo answers APQ refusals 200, the status Apollo Client's persisted-query link expects)
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    expect(body.data).toBeUndefined();
  });

  it('does not stop the query of a document that also holds one', async () => {
    const response = await getQuery('query Me { me { name } } subscription Results { exportResults { exportId } }', undefined, 'Me');
    expect(response.status).toBe(200);
    expect((await response.json()).data.me.name).toBe('administrator');
  });
});

describe('a list in a filter', () => {
  const ids = (count: number) => Array.from({ length: count }, (_, i) => `SUP-${i}`);

  it('holds at most 1,000 entries, over GraphQL and REST: 400 beyond, naming the field', async () => {
    const query = `query($ids: [String!]) { exportJobs(filter: { supplierExternalIds: $ids }) { totalElements } }`;
    const gql = async (count: number) => t.gql(ADMIN_TOKEN, query, { ids: ids(count) });
    expect((await gql(1_000)).errors).toBeUndefined();
    expect((await gql(1_001)).errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'supplierExternalIds' }] });
    const rest = await fetch(`${t.url}/v1/mapper/jobout?supplierExternalIds=${ids(1_001).join(',')}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'dj-client': 'OPERATOR' } });
    expect(rest.status).toBe(400);
    expect((await rest.json()).errors).toEqual([expect.objectContaining({ field: 'supplierExternalIds' })]);
  });
});
