import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, upsertSupplier } from '../support/fixtures';
import { postJob, startRest, type RestFixture } from './setup';

/** GET /v1/mapper/jobout (ADM-JOBOUT-550) over a known set of jobs in this file's own database. */
let f: RestFixture;
interface Job {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  suppliers: { externalId: string }[];
}
let jobs: Job[];

const list = (query: string | URLSearchParams = '') => f.rest.call('ADM-JOBOUT-550', { query });
const names = (content: Job[]) => content.map((job) => job.name);
const byCreatedDesc = (a: Job, b: Job) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.id.localeCompare(b.id);

beforeAll(async () => {
  f = await startRest();
  await createStore(f.t, 'STORE-1');
  for (const id of ['SUP-A', 'SUP-B', 'SUP-C']) await upsertSupplier(f.t, id, ['STORE-1']);
  jobs = [];
  jobs.push(await postJob(f, { name: 'Orders to ERP', supplierExternalIds: ['SUP-A'] }));
  jobs.push(await postJob(f, { name: 'orders to WMS', supplierExternalIds: ['SUP-A', 'SUP-B'] }));
  jobs.push(await postJob(f, { name: 'Incidents to CRM', objectType: 'INCIDENT', triggerStatuses: ['OPEN'], supplierExternalIds: ['SUP-C'] }));
  jobs.push(await postJob(f, { name: 'All suppliers' }));
  jobs.push(await postJob(f, { name: '100% done_orders', supplierExternalIds: ['SUP-B'] }));
});
afterAll(() => f?.t.close());

describe('paging', () => {
  it('answers the page shape {content, number, size, totalElements, totalPages}, 20 per page by default', async () => {
    const response = await list();
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['content', 'number', 'size', 'totalElements', 'totalPages']);
    expect(response.body).toMatchObject({ number: 0, size: 20, totalElements: 5, totalPages: 1 });
    expect(response.body.content).toHaveLength(5);
  });

  it('pages 0-based with page and size', async () => {
    const first = await list('size=2&page=0');
    const last = await list('size=2&page=2');
    expect(first.body).toMatchObject({ number: 0, size: 2, totalElements: 5, totalPages: 3 });
    expect(first.body.content).toHaveLength(2);
    expect(last.body).toMatchObject({ number: 2, size: 2, totalElements: 5, totalPages: 3 });
    expect(last.body.content).toHaveLength(1);
    const all = [...first.body.content, ...(await list('size=2&page=1')).body.content, ...last.body.content];
    expect(new Set(all.map((job: Job) => job.id)).size).toBe(5);
  });

  it('answers a page past the end with no content', async () => {
    const response = await list('size=2&page=7');
    expect(response.body).toMatchObject({ content: [], number: 7, totalElements: 5, totalPages: 3 });
  });

  it.each([
    ['size=101', 'size'],
    ['size=0', 'size'],
    ['page=-1', 'page'],
    ['page=abc', 'page'],
    ['page=1&page=2', 'page'],
  ])('refuses %s with 400 on %s', async (query, field) => {
    const response = await list(query);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors).toContainEqual(expect.objectContaining({ field }));
  });
});

describe('sorting', () => {
  it('sorts by createdAt, newest first, by default', async () => {
    const response = await list();
    expect(names(response.body.content)).toEqual(names([...jobs].sort(byCreatedDesc)));
  });

  it('sorts by name ascending and descending', async () => {
    const expected = ['100% done_orders', 'All suppliers', 'Incidents to CRM', 'Orders to ERP', 'orders to WMS'];
    expect(names((await list('sort=name:asc')).body.content)).toEqual(expected);
    expect(names((await list('sort=name:desc')).body.content)).toEqual([...expected].reverse());
  });

  it('sorts ascending when the direction is omitted, and by createdAt ascending on request', async () => {
    expect(names((await list('sort=name')).body.content)).toEqual(names((await list('sort=name:asc')).body.content));
    expect(names((await list('sort=createdAt:asc')).body.content)).toEqual(names([...jobs].sort(byCreatedDesc).reverse()));
  });

  it.each(['id:asc', 'name:up', 'secret'])('refuses sort=%s with 400 on sort', async (sort) => {
    const response = await list(new URLSearchParams({ sort }));
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'sort' })]);
  });
});

describe('filters', () => {
  it('filters by one supplierExternalIds, keeping every supplier of the matching jobs', async () => {
    const response = await list('supplierExternalIds=SUP-B&sort=name:asc');
    expect(names(response.body.content)).toEqual(['100% done_orders', 'orders to WMS']);
    expect(response.body.content[1].suppliers.map((supplier: { externalId: string }) => supplier.externalId)).toEqual(['SUP-A', 'SUP-B']);
    expect(response.body.totalElements).toBe(2);
  });

  it('ORs repeated supplierExternalIds', async () => {
    const response = await list('supplierExternalIds=SUP-C&supplierExternalIds=SUP-B&sort=name:asc');
    expect(names(response.body.content)).toEqual(['100% done_orders', 'Incidents to CRM', 'orders to WMS']);
  });

  it('ORs comma-separated supplierExternalIds, also mixed with repetition', async () => {
    const separated = await list('supplierExternalIds=SUP-C,SUP-B&sort=name:asc');
    const mixed = await list('supplierExternalIds=SUP-C,SUP-A&supplierExternalIds=SUP-B&sort=name:asc');
    expect(names(separated.body.content)).toEqual(['100% done_orders', 'Incidents to CRM', 'orders to WMS']);
    expect(names(mixed.body.content)).toEqual(['100% done_orders', 'Incidents to CRM', 'Orders to ERP', 'orders to WMS']);
  });

  it('matches nothing for an unknown supplier', async () => {
    const response = await list('supplierExternalIds=SUP-NOPE');
    expect(response.body).toMatchObject({ content: [], totalElements: 0, totalPages: 0 });
  });

  it('refuses the removed supplierIds filter with 400 naming supplierExternalIds', async () => {
    const response = await list('supplierIds=SUP-A');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors).toEqual([{ field: 'supplierIds', message: expect.stringContaining('supplierExternalIds') }]);
    expect(response.body.detail).toContain('supplierExternalIds');
  });

  it('filters by objectType, and refuses an unknown one with 400', async () => {
    const incidents = await list('objectType=INCIDENT');
    expect(names(incidents.body.content)).toEqual(['Incidents to CRM']);
    const bad = await list('objectType=PARCEL');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'objectType' })]);
  });

  it('searches names by case-insensitive substring, with % and _ taken literally', async () => {
    expect(names((await list('search=ORDERS&sort=name:asc')).body.content)).toEqual(['100% done_orders', 'Orders to ERP', 'orders to WMS']);
    expect(names((await list(new URLSearchParams({ search: '%' }))).body.content)).toEqual(['100% done_orders']);
    expect(names((await list(new URLSearchParams({ search: 'e_o' }))).body.content)).toEqual(['100% done_orders']);
    expect(names((await list(new URLSearchParams({ search: 's_t' }))).body.content)).toEqual([]);
  });

  it('combines filters with AND', async () => {
    const response = await list('supplierExternalIds=SUP-A,SUP-C&objectType=ORDER&search=wms');
    expect(names(response.body.content)).toEqual(['orders to WMS']);
  });

  it('ignores unknown query parameters', async () => {
    const response = await list('colour=blue&sort=name:asc&x[y]=1');
    expect(response.status).toBe(200);
    expect(response.body.totalElements).toBe(5);
  });
});
