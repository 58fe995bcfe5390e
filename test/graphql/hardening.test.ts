import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLimits } from '../../src/graphql/limits';
import { connectFeed } from '../support/feed-client';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { waitFor } from '../support/wait';

const post = (t: TestGateway, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${t.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers }, body });

describe('query limits', () => {
  const schema = buildSchema('type Query { node: Node } type Node { id: ID child: Node }');
  const nested = (depth: number) => `{ ${'node { '.repeat(1)}${'child { '.repeat(depth - 2)}id${' }'.repeat(depth - 1)} }`;

  it('accepts 12 levels and refuses 13, fragments included', () => {
    expect(validate(schema, parse(nested(12)), [queryLimits])).toEqual([]);
    expect(validate(schema, parse(nested(13)), [queryLimits])[0].message).toMatch(/too deep/);
    const viaFragments = `{ node { ...A } } fragment A on Node { child { child { child { ...B } } } } fragment B on Node { child { child { child { child { child { child { child { child { id } } } } } } } } }`;
    expect(validate(schema, parse(viaFragments), [queryLimits])[0].message).toMatch(/too deep/);
  });
});

describe('the GraphQL endpoint', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t?.close());

  it('refuses more than 30 aliases before running anything', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: me { name }`).join(' ');
    const response = await post(t, JSON.stringify({ query: `{ ${aliases} }` }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].message).toBe('Too many aliased fields: at most 30');
  });

  it('refuses batched operations', async () => {
    const response = await post(t, JSON.stringify([{ query: '{ me { name } }' }, { query: '{ me { name } }' }]));
    expect(response.status).toBe(400);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const response = await post(t, JSON.stringify({ query: `{ me { name } } # ${'x'.repeat(1024 * 1024)}` }));
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a simple (CSRF-able) request', async () => {
    const response = await post(t, JSON.stringify({ query: 'mutation { createStore(input: { externalId: "csrf", name: "x" }) { id } }' }), { 'content-type': 'text/plain' });
    expect(response.status).toBe(400);
    expect(await t.db.query("select 1 from store where external_id = 'csrf'")).toHaveLength(0);
  });

  it('refuses a mutation over GET', async () => {
    const query = encodeURIComponent('mutation { createStore(input: { externalId: "get", name: "x" }) { id } }');
    const response = await fetch(`${t.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
    expect(await t.db.query("select 1 from store where external_id = 'get'")).toHaveLength(0);
  });

  it('answers an internal failure with a generic message and a correlation id, details only in the log', async () => {
    await t.db.query('alter table store rename to store_moved');
    try {
      const result = await t.gql(ADMIN_TOKEN, '{ stores { id } }');
      const error = result.errors![0];
      expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error.message).not.toMatch(/\bstore|select|\brelation|sql|mikro/i);
      const correlationId = error.extensions?.correlationId as string;
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(t.logs.find((line) => line.includes(correlationId))).toMatch(/relation/);
    } finally {
      await t.db.query('alter table store_moved rename to store');
    }
  });

  it('allows introspection outside production', async () => {
    expect((await t.gql(ADMIN_TOKEN, '{ __schema { queryType { name } } }')).data.__schema.queryType.name).toBe('Query');
  });
});

describe('with NODE_ENV=production', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ NODE_ENV: 'production' });
  });
  afterAll(() => t?.close());

  it('refuses introspection, and says so (not "too deep") for the standard query', async () => {
    const result = await t.gql(ADMIN_TOKEN, '{ __schema { queryType { name } } }');
    expect(result.data).toBeUndefined();
    expect(result.errors![0].message).toMatch(/introspection/i);
    const standard = await t.gql(ADMIN_TOKEN, getIntrospectionQuery());
    expect(standard.errors!.map((error) => error.message)).toEqual([expect.stringMatching(/introspection/i)]);
  });

  it('refuses introspection over graphql-ws too, where queries also run, and gives no hints there either', async () => {
    const feed = connectFeed(t.url, ADMIN_TOKEN);
    try {
      const introspection = feed.subscribeRaw('{ __schema { queryType { name } } }');
      const plain = feed.subscribeRaw('{ me { name } }');
      const misspelt = feed.subscribeRaw('subscription { exportResult { exportId } }');
      await waitFor(() => introspection.errors.length > 0 && misspelt.errors.length > 0 && plain.completed, { what: 'the three answers over the socket' });
      expect(introspection.events).toEqual([]);
      expect(JSON.stringify(introspection.errors)).toMatch(/introspection/i);
      expect((misspelt.errors.flat() as { message: string }[]).map((error) => error.message)).toEqual(['Cannot query field "exportResult" on type "Subscription".']);
      expect(plain.events).toEqual([{ name: 'administrator' }]);
    } finally {
      await feed.close();
    }
  });

  it('gives no "did you mean" hints', async () => {
    const result = await t.gql(ADMIN_TOKEN, '{ mee { name } }');
    expect(result.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors![0].message).not.toMatch(/did you mean/i);
  });
});
