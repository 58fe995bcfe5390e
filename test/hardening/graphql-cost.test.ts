/**
 * What a GraphQL document may cost before anything runs (CONTRACT §9): fragments are measured once (a document of
 * nested spreads that doubles per level is refused at once, while the server keeps answering), the parser stops at
 * a token limit, and the standard introspection query of GraphiQL, codegen and graphql-inspector is accepted
 * outside production.
 */
import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { queryLimits } from '../../src/graphql/limits';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t?.close());

const post = (query: string) =>
  fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ query }) });

/** Fragment i uses fragment i-1 twice: expanded at every use, the work doubles per level. */
function fragmentBomb(levels: number): string {
  const fragments = [`fragment F0 on ExportJob { id name }`];
  for (let i = 1; i <= levels; i += 1) fragments.push(`fragment F${i} on ExportJob { ...F${i - 1} ...F${i - 1} }`);
  return `{ exportJob(id: "00000000-0000-4000-8000-000000000000") { ...F${levels} } } ${fragments.join(' ')}`;
}

describe('a document of nested fragment spreads', () => {
  it('is measured once per fragment: 40 levels (2^40 expansions) are validated at once, while /healthz answers', async () => {
    const bomb = fragmentBomb(40);
    expect(bomb.length).toBeLessThan(2_048);
    const startedAt = performance.now();
    const [response, health] = await Promise.all([post(bomb), fetch(`${t.url}/healthz`)]);
    const elapsedMs = performance.now() - startedAt;
    expect(health.status).toBe(200);
    expect(response.status).toBe(200); // shallow: only the expansion was expensive, and it no longer is
    expect((await response.json()).errors[0].extensions.code).toBe('NOT_FOUND');
    // A generous bound: expanded per use, this document would take hours, not a second.
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('is refused when its fragments nest too deep, measured just as fast', () => {
    const schema = buildSchema('type Query { node: Node } type Node { id: ID child: Node }');
    const fragments = ['fragment F0 on Node { id }'];
    for (let i = 1; i <= 40; i += 1) fragments.push(`fragment F${i} on Node { child { ...F${i - 1} ...F${i - 1} } }`);
    const startedAt = performance.now();
    const errors = validate(schema, parse(`{ node { ...F40 } } ${fragments.join(' ')}`), [queryLimits({ production: false })]);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(errors.map((error) => error.message)).toEqual(['Query is too deep: at most 12 levels']);
  });
});

describe('the parser', () => {
  it('stops at its token limit: 400 before validation', async () => {
    const response = await post(`{ ${Array.from({ length: 3_000 }, (_, i) => `a${i}: me { name }`).join(' ')} }`);
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].message).toMatch(/5000 tokens/);
  });
});

describe('the standard introspection query', () => {
  it.each([
    ['default options', getIntrospectionQuery()],
    ['every option', getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true })],
  ])('with %s loads the schema outside production', async (_options, query) => {
    const response = await post(query);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.__schema.types.some((type: { name: string }) => type.name === 'ExportJob')).toBe(true);
  });
});
