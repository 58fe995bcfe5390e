/**
 * The GraphQL tools and clients back-office developers use, each with its default settings, against a running
 * gateway (CONTRACT §9): GraphQL Code Generator loads the schema by introspecting the server and types a
 * document against it; urql (queries as GET), Apollo Client and graphql-request (POST) read and write.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { Client as UrqlClient, fetchExchange, gql as urqlGql } from '@urql/core';
import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql } from '@apollo/client';
import { GraphQLClient, gql as requestGql } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';

let t: TestGateway;
let workDir: string;
beforeAll(async () => {
  t = await startTestGateway();
  workDir = mkdtempSync(path.join(tmpdir(), 'jobout-clients-'));
});
afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await t?.close();
});

const authorization = `Bearer ${ADMIN_TOKEN}`;

describe('GraphQL Code Generator', () => {
  it('introspects the running server and types an operation against its schema', async () => {
    const document = path.join(workDir, 'jobs.graphql');
    writeFileSync(document, 'query Jobs { exportJobs(size: 5) { totalElements content { id name objectType exportMethod } } }\n');
    const [output] = await generate(
      {
        schema: { [`${t.url}/graphql`]: { headers: { authorization } } },
        documents: document,
        generates: { 'types.ts': { plugins: ['typescript', 'typescript-operations'] } },
        silent: true,
      },
      false,
    );
    expect(output.content).toContain('export type JobsQuery');
    expect(output.content).toMatch(/export enum ObjectType|export type ObjectType/);
  });
});

describe('urql with its defaults', () => {
  it('sends the query as GET and is served', async () => {
    const methods: string[] = [];
    const client = new UrqlClient({
      url: `${t.url}/graphql`,
      exchanges: [fetchExchange],
      fetchOptions: { headers: { authorization } },
      fetch: (input, init) => {
        methods.push(init?.method ?? 'GET');
        return fetch(input, init);
      },
    });
    const result = await client.query(urqlGql`{ me { name permission } }`, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data.me).toEqual({ name: 'administrator', permission: 'ADMIN' });
    expect(methods).toEqual(['GET']);
  });
});

describe('Apollo Client with its defaults', () => {
  it('reads and writes', async () => {
    const client = new ApolloClient({ link: new HttpLink({ uri: `${t.url}/graphql`, headers: { authorization } }), cache: new InMemoryCache() });
    const created = await client.mutate({
      mutation: apolloGql`mutation($input: StoreInput!) { createStore(input: $input) { id externalId name } }`,
      variables: { input: { externalId: 'STORE-APOLLO', name: 'Apollo store' } },
    });
    expect(created.error).toBeUndefined();
    expect(created.data).toMatchObject({ createStore: { externalId: 'STORE-APOLLO' } });
    const read = await client.query({ query: apolloGql`{ stores { id externalId } }` });
    expect(read.data).toMatchObject({ stores: expect.arrayContaining([expect.objectContaining({ externalId: 'STORE-APOLLO' })]) });
  });
});

describe('graphql-request with its defaults', () => {
  it('reads with variables', async () => {
    const client = new GraphQLClient(`${t.url}/graphql`, { headers: { authorization } });
    const data = await client.request<{ exportJobs: { totalElements: number } }>(
      requestGql`query($size: Int) { exportJobs(size: $size) { totalElements } }`,
      { size: 3 },
    );
    expect(data.exportJobs.totalElements).toBe(0);
  });

  it('surfaces a refused token as the 401 it is', async () => {
    const client = new GraphQLClient(`${t.url}/graphql`, { headers: { authorization: 'Bearer wrong-token-000000000' } });
    await expect(client.request(requestGql`{ me { name } }`)).rejects.toMatchObject({ response: { status: 401 } });
  });
});
