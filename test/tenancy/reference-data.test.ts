/**
 * Stores, suppliers and metrics across stores (CONTRACT §2, §2a): a supplier lists only the stores the caller
 * sees, a store an ADMIN creates joins its stores, and /metrics needs JOBOUT_METRICS_TOKEN when it is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { setUpTwoStores, type TwoStores } from './two-stores';

const METRICS_TOKEN = 'metrics-token-0123456789';
let t: TestGateway;
let s: TwoStores;

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_METRICS_TOKEN: METRICS_TOKEN });
  s = await setUpTwoStores(t);
});
afterAll(() => t?.close());

describe('suppliers', () => {
  it("list only the stores the caller sees: a shared supplier does not name the other store", async () => {
    const suppliers = (await t.gql(s.a.READER, '{ suppliers { externalId storeExternalIds } }')).data.suppliers;
    expect(suppliers).toEqual([
      { externalId: 'SUP-A', storeExternalIds: ['STORE-A'] },
      { externalId: 'SUP-AB', storeExternalIds: ['STORE-A'] },
    ]);
    const all = (await t.gql(s.allStoresAdmin, '{ suppliers { externalId storeExternalIds } }')).data.suppliers;
    expect(all.find((supplier: { externalId: string }) => supplier.externalId === 'SUP-AB').storeExternalIds).toEqual(['STORE-A', 'STORE-B']);
  });

  it('keep the stores an ADMIN cannot see when it changes their name', async () => {
    const result = await t.gql(s.a.ADMIN, `mutation { upsertSupplier(input: { externalId: "SUP-AB", name: "Both, renamed", storeExternalIds: ["STORE-A"] }) { storeExternalIds } }`);
    expect(result.data.upsertSupplier.storeExternalIds).toEqual(['STORE-A']);
    const seenByB = (await t.gql(s.b.READER, '{ suppliers { externalId name storeExternalIds } }')).data.suppliers;
    expect(seenByB).toContainEqual({ externalId: 'SUP-AB', name: 'Both, renamed', storeExternalIds: ['STORE-B'] });
  });
});

describe('a store created by an ADMIN of explicit stores', () => {
  it('joins its stores: it sees it and may give it suppliers', async () => {
    const created = await t.gql(s.a.ADMIN, `mutation { createStore(input: { externalId: "STORE-A2", name: "A, second" }) { externalId } }`);
    expect(created.errors).toBeUndefined();
    expect((await t.gql(s.a.ADMIN, '{ stores { externalId } }')).data.stores).toEqual([{ externalId: 'STORE-A' }, { externalId: 'STORE-A2' }]);
    const supplier = await t.gql(s.a.ADMIN, `mutation { upsertSupplier(input: { externalId: "SUP-A2", name: "A2", storeExternalIds: ["STORE-A2"] }) { storeExternalIds } }`);
    expect(supplier.data.upsertSupplier.storeExternalIds).toEqual(['STORE-A2']);
    expect((await t.gql(s.b.ADMIN, '{ stores { externalId } }')).data.stores).toEqual([{ externalId: 'STORE-B' }]);
  });
});

describe('GET /metrics with JOBOUT_METRICS_TOKEN set', () => {
  it('answers 401 without that bearer token, even to an operator, and the figures with it', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${s.allStoresAdmin}` } })).status).toBe(401);
    const scraped = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    const body = await scraped.text();
    expect(body).toContain('jobout_exports');
    expect(body).not.toMatch(/store|supplier/i); // no store dimension
  });

  it('counts refused metrics tokens like refused operator tokens: 429 after 20 in a minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i += 1) statuses.push((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer wrong-metrics-token-${i}` } })).status);
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('refuses a token too short to be safe at start', () => {
    expect(() => loadConfig({ JOBOUT_METRICS_TOKEN: 'short' })).toThrow(/JOBOUT_METRICS_TOKEN/);
  });
});
