/**
 * What a GraphQL document may cost before anything runs (CONTRACT §9): fragments are measured once and counted at
 * each use (a document of nested spreads that doubles per level is refused at once, while the server keeps
 * answering), the parser stops at a token limit, and the standard introspection query of GraphiQL, codegen and
 * graphql-inspector is accepted outside production.
 */
import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { MAX_ALIASES, MAX_FIELDS, queryLimits } from '../../src/graphql/limits';
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
  it('is measured once per fragment and refused at once: 40 levels (2^40 uses) in under 2 KiB, while /healthz answers', async () => {
    const bomb = fragmentBomb(40);
    expect(bomb.length).toBeLessThan(2_048);
    const startedAt = performance.now();
    const [response, health] = await Promise.all([post(bomb), fetch(`${t.url}/healthz`)]);
    const elapsedMs = performance.now() - startedAt;
    expect(health.status).toBe(200);
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([
      expect.objectContaining({ message: `Query is too large: at most ${MAX_FIELDS} fields, fragments counted at each use`, extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) }),
    ]);
    // A generous bound for a loaded machine (the check takes about a millisecond): expanded per use, this
    // document would take hours.
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('is refused when its fragments nest too deep, measured just as fast', () => {
    const schema = buildSchema('type Query { node: Node } type Node { id: ID child: Node }');
    const fragments = ['fragment F0 on Node { id }'];
    for (let i = 1; i <= 40; i += 1) fragments.push(`fragment F${i} on Node { child { ...F${i - 1} ...F${i - 1} } }`);
    const startedAt = performance.now();
    const errors = validate(schema, parse(`{ node { ...F40 } } ${fragments.join(' ')}`), [queryLimits]);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(errors.map((error) => error.message)).toContain('Query is too deep: at most 12 levels');
  });

  it('counts the fields and aliases of a fragment at each use, and accepts what stays within the limits', () => {
    const schema = buildSchema('type Query { node(id: ID): Node } type Node { id: ID name: String }');
    const messages = (document: string) => validate(schema, parse(document), [queryLimits]).map((error) => error.message);
    const uses = (count: number) => Array.from({ length: count }, (_, i) => `n${i}: node(id: "${i}") { ...Both }`).join(' ');
    // 30 aliases in all: 10 uses, each an alias and a fragment of two more
    expect(messages(`{ ${uses(10)} } fragment Both on Node { a: id b: name }`)).toEqual([]);
    expect(messages(`{ ${uses(11)} } fragment Both on Node { a: id b: name }`)).toEqual([`Too many aliased fields: at most ${MAX_ALIASES}`]);
    // fields: a fragment of 99 fields used 20 times stays within the limit, used 21 times goes beyond it
    const wide = `fragment Wide on Node { ${Array.from({ length: 99 }, () => 'id').join(' ')} }`;
    const spreads = (count: number) => `{ node { ${Array.from({ length: count }, (_, i) => (i % 2 ? '...Wide' : '... on Node { ...Wide }')).join(' ')} } } ${wide}`;
    expect(messages(spreads(20))).toEqual([]); // 1 + 20 × 99 = 1,981 fields
    expect(messages(spreads(21))).toEqual([`Query is too large: at most ${MAX_FIELDS} fields, fragments counted at each use`]); // 2,080
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
