import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, upsertSupplier } from '../support/fixtures';
import { getJob, jobBody, postJob, startRest, type RestFixture } from './setup';

let f: RestFixture;

beforeAll(async () => {
  f = await startRest();
  await createStore(f.t, 'STORE-1');
  await upsertSupplier(f.t, 'SUP-ACME-001', ['STORE-1'], 'Acme');
  await upsertSupplier(f.t, 'SUP-BETA-002', ['STORE-1'], 'Beta');
});
afterAll(() => f?.t.close());

describe('POST /v1/mapper/jobout (ADM-JOBOUT-100)', () => {
  it('creates the job: 201, the job of CONTRACT §4, Location of its v2 route', async () => {
    const body = jobBody(f.connectionId, {
      mapping: [{ source: 'reference', target: 'orderNumber' }, { source: 'orderLines[].gtin', target: 'lines[].ean' }],
      supplierExternalIds: ['SUP-ACME-001'],
    });
    expect(f.rest.requestBodyErrors('ADM-JOBOUT-100', body)).toEqual([]);
    const response = await f.rest.call('ADM-JOBOUT-100', { body });
    expect(response.status).toBe(201);
    const job = response.body;
    expect(job).toMatchObject({
      name: body.name,
      exportMethod: 'API_CLIENT',
      objectType: 'ORDER',
      clientConnectionId: f.connectionId,
      triggerStatuses: ['ORDER_CREATED', 'SHIPPED'],
      allowMultipleExports: false,
      apiCall: { httpMethod: 'POST', path: '/orders', queryParams: [{ name: 'source', value: 'jobout' }] },
      mapping: body.mapping,
      includeCustomFields: false,
      suppliers: [{ externalId: 'SUP-ACME-001', name: 'Acme' }],
    });
    expect(response.headers.get('location')).toBe(`/v2/mapper/jobout/${job.id}`);
    const located = await f.rest.raw('GET', response.headers.get('location')!);
    expect(located.body).toEqual(job);
  });

  it('refuses the removed suppliers field: 400 SUPPLIERS_FIELD_REMOVED naming supplierExternalIds', async () => {
    const response = await f.rest.call('ADM-JOBOUT-100', { body: jobBody(f.connectionId, { suppliers: ['SUP-ACME-001'] }) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'SUPPLIERS_FIELD_REMOVED', errors: [{ field: 'suppliers' }] });
    expect(response.body.detail).toContain('supplierExternalIds');
  });

  it('refuses a taken name: 409 NAME_TAKEN on name', async () => {
    const first = await postJob(f);
    const response = await f.rest.call('ADM-JOBOUT-100', { body: jobBody(f.connectionId, { name: first.name }) });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'NAME_TAKEN', errors: [{ field: 'name', message: expect.any(String) }] });
  });

  it('answers a rule violation with 400 BAD_USER_INPUT listing every bad field', async () => {
    const response = await f.rest.call('ADM-JOBOUT-100', {
      body: jobBody(f.connectionId, { apiCall: [{ httpMethod: 'POST', path: '/a' }], mapping: [{ source: 'nope', target: 'x' }], triggerStatuses: [] }),
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['apiCall', 'mapping[0].source', 'triggerStatuses']);
  });
});

describe('GET /v2/mapper/jobout/{id} (ADM-JOBOUT-501)', () => {
  it('returns the job', async () => {
    const job = await postJob(f, { supplierExternalIds: ['SUP-BETA-002'] });
    const response = await f.rest.call('ADM-JOBOUT-501', { params: { id: job.id } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(job);
  });

  it('answers an unknown id with 404 NOT_FOUND', async () => {
    const response = await f.rest.call('ADM-JOBOUT-501', { params: { id: randomUUID() } });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, code: 'NOT_FOUND', title: 'Not Found' });
  });
});

describe('GET /v1/mapper/jobout/{jobOutId} (ADM-JOBOUT-500, deprecated)', () => {
  it('answers like v2, with Deprecation (RFC 9745) and a successor-version Link (RFC 8288)', async () => {
    const job = await postJob(f);
    const response = await f.rest.call('ADM-JOBOUT-500', { params: { jobOutId: job.id } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(await getJob(f, job.id));
    expect(response.headers.get('deprecation')).toMatch(/^@\d+$/);
    expect(Number(response.headers.get('deprecation')!.slice(1))).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(response.headers.get('link')).toBe(`</v2/mapper/jobout/${job.id}>; rel="successor-version"`);
  });

  it('carries the deprecation headers on errors too', async () => {
    const id = randomUUID();
    const response = await f.rest.call('ADM-JOBOUT-500', { params: { jobOutId: id } });
    expect(response.status).toBe(404);
    expect(response.headers.get('deprecation')).toMatch(/^@\d+$/);
    expect(response.headers.get('link')).toBe(`</v2/mapper/jobout/${id}>; rel="successor-version"`);
  });

  it('is the only deprecated route: v2 answers without the headers', async () => {
    const job = await postJob(f);
    const response = await f.rest.call('ADM-JOBOUT-501', { params: { id: job.id } });
    expect(response.headers.get('deprecation')).toBeNull();
    expect(response.headers.get('link')).toBeNull();
  });
});

describe('PUT /v1/mapper/jobout/{jobOutId} (ADM-JOBOUT-201)', () => {
  it('replaces the whole job: omitted optional fields return to their defaults', async () => {
    const job = await postJob(f, {
      objectType: 'ORDER',
      triggerStatuses: ['ORDER_DRAFT_ON_HOLD'],
      allowMultipleExports: true,
      apiCall: { httpMethod: 'PATCH', path: '/drafts', queryParams: [{ name: 'a', value: 'b' }] },
      mapping: [{ source: 'reference', target: 'ref' }],
      includeCustomFields: true,
      supplierExternalIds: ['SUP-ACME-001'],
    });
    const replacement = { name: `${job.name} v2`, objectType: 'ORDER', clientConnectionId: f.connectionId, triggerStatuses: ['SHIPPED'], apiCall: { httpMethod: 'PUT', path: '/orders' } };
    expect(f.rest.requestBodyErrors('ADM-JOBOUT-201', replacement)).toEqual([]);
    const response = await f.rest.call('ADM-JOBOUT-201', { params: { jobOutId: job.id }, body: replacement });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: job.id,
      name: replacement.name,
      triggerStatuses: ['SHIPPED'],
      allowMultipleExports: false,
      apiCall: { httpMethod: 'PUT', path: '/orders', queryParams: [] },
      mapping: [],
      includeCustomFields: false,
      suppliers: [],
      createdAt: job.createdAt,
    });
    expect(Date.parse(response.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(job.updatedAt));
    expect(await getJob(f, job.id)).toEqual(response.body);
  });

  it('takes supplierExternalIds and refuses the removed suppliers field with 400 SUPPLIERS_FIELD_REMOVED', async () => {
    const job = await postJob(f);
    const refused = await f.rest.call('ADM-JOBOUT-201', { params: { jobOutId: job.id }, body: jobBody(f.connectionId, { suppliers: ['x'] }) });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('SUPPLIERS_FIELD_REMOVED');
    const accepted = await f.rest.call('ADM-JOBOUT-201', { params: { jobOutId: job.id }, body: jobBody(f.connectionId, { supplierExternalIds: ['SUP-BETA-002'] }) });
    expect(accepted.status).toBe(200);
    expect(accepted.body.suppliers).toEqual([{ externalId: 'SUP-BETA-002', name: 'Beta' }]);
  });

  it('answers an unknown id with 404 and creates nothing', async () => {
    const id = randomUUID();
    const response = await f.rest.call('ADM-JOBOUT-201', { params: { jobOutId: id }, body: jobBody(f.connectionId) });
    expect(response.status).toBe(404);
    expect((await f.rest.call('ADM-JOBOUT-501', { params: { id } })).status).toBe(404);
  });

  it("refuses another job's name with 409 NAME_TAKEN", async () => {
    const [first, second] = [await postJob(f), await postJob(f)];
    const response = await f.rest.call('ADM-JOBOUT-201', { params: { jobOutId: second.id }, body: jobBody(f.connectionId, { name: first.name }) });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('NAME_TAKEN');
  });
});

describe('DELETE /v1/mapper/jobout/{jobOutId} (ADM-JOBOUT-301)', () => {
  it('deletes the job: 204 with no body, then it is gone', async () => {
    const job = await postJob(f);
    const response = await f.rest.call('ADM-JOBOUT-301', { params: { jobOutId: job.id } });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect((await f.rest.call('ADM-JOBOUT-501', { params: { id: job.id } })).status).toBe(404);
  });

  it('is irreversible: a second delete is 404 and the name is free again', async () => {
    const job = await postJob(f);
    expect((await f.rest.call('ADM-JOBOUT-301', { params: { jobOutId: job.id } })).status).toBe(204);
    expect((await f.rest.call('ADM-JOBOUT-301', { params: { jobOutId: job.id } })).status).toBe(404);
    const again = await postJob(f, { name: job.name });
    expect(again.id).not.toBe(job.id);
  });
});
