import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, createStore, upsertSupplier } from '../support/fixtures';
import { getJob, jobBody, postJob, startRest, type RestFixture } from './setup';

/**
 * Supplier management (seed "Supplier Management on Export Jobs", "Important (v3.113)") and store scope:
 * STORE-1 has SUP-A and SUP-B, STORE-2 has SUP-C, SUP-D is in both. The STORE-1 operators cannot see SUP-C.
 */
let f: RestFixture;
let storeOneUser: string;
let storeOneReader: string;
let storeOneConnection: string; // owned by STORE-1: the one its operators may use

const externalIds = (job: { suppliers: { externalId: string }[] }) => job.suppliers.map((supplier) => supplier.externalId);
const add = (jobOutId: string, body: unknown, token?: string) => f.rest.call('ADM-JOBOUT-200', { params: { jobOutId }, body, token });
const remove = (jobOutId: string, body: unknown, token?: string) => f.rest.call('ADM-JOBOUT-300', { params: { jobOutId }, body, token });

beforeAll(async () => {
  f = await startRest();
  await createStore(f.t, 'STORE-1');
  await createStore(f.t, 'STORE-2');
  await upsertSupplier(f.t, 'SUP-A', ['STORE-1'], 'Alpha');
  await upsertSupplier(f.t, 'SUP-B', ['STORE-1'], 'Beta');
  await upsertSupplier(f.t, 'SUP-C', ['STORE-2'], 'Gamma');
  await upsertSupplier(f.t, 'SUP-D', ['STORE-1', 'STORE-2'], 'Delta');
  storeOneUser = await createOperator(f.t, 'USER', ['STORE-1'], 'store one user');
  storeOneReader = await createOperator(f.t, 'READER', ['STORE-1'], 'store one reader');
  storeOneConnection = (await f.t.admin(`mutation { createClientConnection(input: { name: "Store one", baseUrl: "http://127.0.0.1:9/one", storeExternalIds: ["STORE-1"] }) { id } }`)).createClientConnection.id;
});

/** A job of STORE-1, which its USER may change. */
const storeOneJob = (supplierExternalIds: string[]) => postJob(f, { clientConnectionId: storeOneConnection, storeExternalIds: ['STORE-1'], supplierExternalIds });
/** A job of STORE-1 with a supplier the administrator then moved to STORE-2 only: its STORE-1 operators no longer see it. */
async function storeOneJobWithMovedSupplier(moved: string): Promise<{ id: string; name: string }> {
  await upsertSupplier(f.t, moved, ['STORE-1'], moved);
  const job = await storeOneJob(['SUP-A', moved]);
  await upsertSupplier(f.t, moved, ['STORE-2'], moved);
  return job;
}
afterAll(() => f?.t.close());

describe('PATCH /v2/jobouts/{jobOutId}/suppliers (ADM-JOBOUT-200)', () => {
  it('merges the suppliers: 204 with no body, duplicates ignored', async () => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-A'] });
    const response = await add(job.id, { supplierExternalIds: ['SUP-B', 'SUP-A', 'SUP-B'] });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect((await getJob(f, job.id)).suppliers).toEqual([
      { externalId: 'SUP-A', name: 'Alpha' },
      { externalId: 'SUP-B', name: 'Beta' },
    ]);
  });

  it('turns a job for every supplier into a job for the listed ones', async () => {
    const job = await postJob(f);
    expect(job.suppliers).toEqual([]);
    expect((await add(job.id, { supplierExternalIds: ['SUP-C'] })).status).toBe(204);
    expect(externalIds(await getJob(f, job.id))).toEqual(['SUP-C']);
  });

  it('refuses unknown suppliers with 400 listing them, and changes nothing', async () => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-A'] });
    const response = await add(job.id, { supplierExternalIds: ['SUP-B', 'SUP-NOPE', 'SUP-GONE'] });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors).toEqual([{ field: 'supplierExternalIds', message: expect.stringMatching(/SUP-NOPE.*SUP-GONE/) }]);
    expect(response.body.errors[0].message).not.toContain('SUP-B');
    expect(externalIds(await getJob(f, job.id))).toEqual(['SUP-A']);
  });

  it.each([
    ['an empty list', { supplierExternalIds: [] }, 'supplierExternalIds'],
    ['no supplierExternalIds', {}, 'supplierExternalIds'],
    ['a list with a blank id', { supplierExternalIds: [''] }, 'supplierExternalIds[0]'],
    ['the field under another name', { supplierIds: ['SUP-A'] }, 'supplierIds'],
  ])('refuses %s with 400', async (_what, body, field) => {
    const job = await postJob(f);
    const response = await add(job.id, body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ field }));
  });

  it('refuses a body that is not an object with 400', async () => {
    const job = await postJob(f);
    const response = await add(job.id, ['SUP-A']);
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain('supplierExternalIds');
  });

  it('answers an unknown job with 404', async () => {
    const response = await add(randomUUID(), { supplierExternalIds: ['SUP-A'] });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('NOT_FOUND');
  });
});

describe('DELETE /v2/jobouts/{jobOutId}/suppliers (ADM-JOBOUT-300)', () => {
  it('removes the listed suppliers: 204 with no body, absent ones ignored', async () => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-A', 'SUP-B', 'SUP-C'] });
    const response = await remove(job.id, { supplierExternalIds: ['SUP-B', 'SUP-D', 'SUP-NOPE'] });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(externalIds(await getJob(f, job.id))).toEqual(['SUP-A', 'SUP-C']);
  });

  it('removing every supplier makes the job export for all suppliers (suppliers: [])', async () => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-A', 'SUP-B'] });
    expect((await remove(job.id, { supplierExternalIds: ['SUP-A', 'SUP-B'] })).status).toBe(204);
    const emptied = await getJob(f, job.id);
    expect(emptied.suppliers).toEqual([]);
    const unfiltered = await f.rest.call('ADM-JOBOUT-550', { query: new URLSearchParams({ search: job.name }) });
    expect(unfiltered.body.content.map((listed: { id: string }) => listed.id)).toEqual([job.id]);
  });

  it('refuses an empty list with 400', async () => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-A'] });
    const response = await remove(job.id, { supplierExternalIds: [] });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'supplierExternalIds' })]);
    expect(externalIds(await getJob(f, job.id))).toEqual(['SUP-A']);
  });

  it('refuses a request without a body with 400', async () => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-A'] });
    const response = await f.rest.call('ADM-JOBOUT-300', { params: { jobOutId: job.id } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('BAD_REQUEST');
  });

  it('answers an unknown job with 404', async () => {
    expect((await remove(randomUUID(), { supplierExternalIds: ['SUP-A'] })).status).toBe(404);
  });
});

describe('store scope (an operator of STORE-1)', () => {
  it('sees only the suppliers of its stores in GET v2, GET v1 and the list', async () => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-A', 'SUP-C', 'SUP-D'] });
    const v2 = await f.rest.call('ADM-JOBOUT-501', { token: storeOneUser, params: { id: job.id } });
    const v1 = await f.rest.call('ADM-JOBOUT-500', { token: storeOneUser, params: { jobOutId: job.id } });
    const listed = await f.rest.call('ADM-JOBOUT-550', { token: storeOneUser, query: new URLSearchParams({ search: job.name }) });
    expect(externalIds(v2.body)).toEqual(['SUP-A', 'SUP-D']);
    expect(externalIds(v1.body)).toEqual(['SUP-A', 'SUP-D']);
    expect(externalIds(listed.body.content[0])).toEqual(['SUP-A', 'SUP-D']);
    expect(externalIds(await getJob(f, job.id))).toEqual(['SUP-A', 'SUP-C', 'SUP-D']);
  });

  it("cannot add another store's supplier: 400 listing it as unknown", async () => {
    const job = await storeOneJob(['SUP-A']);
    const response = await add(job.id, { supplierExternalIds: ['SUP-B', 'SUP-C'] }, storeOneUser);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'supplierExternalIds', message: expect.stringContaining('SUP-C') }]);
    expect(externalIds(await getJob(f, job.id))).toEqual(['SUP-A']);
  });

  it("cannot name another store's supplier when creating a job: 400", async () => {
    const response = await f.rest.call('ADM-JOBOUT-100', { token: storeOneUser, body: jobBody(storeOneConnection, { supplierExternalIds: ['SUP-C'] }) });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'supplierExternalIds', message: expect.stringContaining('SUP-C') }]);
  });

  it("cannot remove another store's supplier: it is ignored like an absent one", async () => {
    const job = await storeOneJobWithMovedSupplier('SUP-MOVED-1');
    expect((await remove(job.id, { supplierExternalIds: ['SUP-A', 'SUP-MOVED-1'] }, storeOneUser)).status).toBe(204);
    expect(externalIds(await getJob(f, job.id))).toEqual(['SUP-MOVED-1']);
  });

  it("keeps the suppliers it cannot see when it replaces a job with PUT", async () => {
    const job = await storeOneJobWithMovedSupplier('SUP-MOVED-2');
    const response = await f.rest.call('ADM-JOBOUT-201', { token: storeOneUser, params: { jobOutId: job.id }, body: jobBody(storeOneConnection, { name: job.name, supplierExternalIds: ['SUP-B'] }) });
    expect(response.status).toBe(200);
    expect(externalIds(response.body)).toEqual(['SUP-B']);
    expect(externalIds(await getJob(f, job.id))).toEqual(['SUP-B', 'SUP-MOVED-2']);
  });

  it("finds nothing when filtering the list by another store's supplier", async () => {
    await postJob(f, { supplierExternalIds: ['SUP-C'] });
    const response = await f.rest.call('ADM-JOBOUT-550', { token: storeOneUser, query: 'supplierExternalIds=SUP-C' });
    expect(response.status).toBe(200);
    expect(response.body.totalElements).toBe(0);
  });
});

describe('a READER operator', () => {
  it('may read', async () => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-A'] });
    expect((await f.rest.call('ADM-JOBOUT-501', { token: storeOneReader, params: { id: job.id } })).status).toBe(200);
    expect((await f.rest.call('ADM-JOBOUT-500', { token: storeOneReader, params: { jobOutId: job.id } })).status).toBe(200);
    expect((await f.rest.call('ADM-JOBOUT-550', { token: storeOneReader })).status).toBe(200);
  });

  it.each([
    ['ADM-JOBOUT-100', false, () => jobBody(f.connectionId)],
    ['ADM-JOBOUT-201', true, () => jobBody(f.connectionId)],
    ['ADM-JOBOUT-301', true, () => undefined],
    ['ADM-JOBOUT-200', true, () => ({ supplierExternalIds: ['SUP-B'] })],
    ['ADM-JOBOUT-300', true, () => ({ supplierExternalIds: ['SUP-A'] })],
  ])('may not write: %s answers 403 FORBIDDEN and changes nothing', async (operationId, withId, body) => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-A'] });
    const response = await f.rest.call(operationId, { token: storeOneReader, params: withId ? { jobOutId: job.id } : {}, body: body() });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
    expect(await getJob(f, job.id)).toEqual(job);
  });
});
