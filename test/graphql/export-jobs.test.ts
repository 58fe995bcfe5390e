import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { CREATE_JOB, createConnection, createJob, createOperator, createStore, JOB_FIELDS, jobInput, upsertSupplier } from '../support/fixtures';

let t: TestGateway;
let connectionId: string;
let userA: string; // USER operator of store A only
let connectionOfA: string; // a connection owned by store A: the one userA may use
let jobCounter = 0;
const uniqueName = () => `Job ${++jobCounter}`;

const UPDATE_JOB = `mutation($id: ID!, $input: ExportJobInput!) { updateExportJob(id: $id, input: $input) { ${JOB_FIELDS} } }`;
const ADD = `mutation($id: ID!, $ids: [String!]!) { addExportJobSuppliers(id: $id, supplierExternalIds: $ids) { suppliers { externalId name } } }`;
const REMOVE = `mutation($id: ID!, $ids: [String!]!) { removeExportJobSuppliers(id: $id, supplierExternalIds: $ids) { suppliers { externalId name } } }`;
const LIST = `query($filter: ExportJobFilter, $page: Int, $size: Int, $sort: String) {
  exportJobs(filter: $filter, page: $page, size: $size, sort: $sort) { content { id name suppliers { externalId } } number size totalElements totalPages } }`;

beforeAll(async () => {
  t = await startTestGateway();
  connectionId = await createConnection(t);
  await createStore(t, 'STORE-A');
  await createStore(t, 'STORE-B');
  await upsertSupplier(t, 'SUP-A1', ['STORE-A'], 'Acme');
  await upsertSupplier(t, 'SUP-A2', ['STORE-A'], 'Alpha');
  await upsertSupplier(t, 'SUP-B1', ['STORE-B'], 'Beta');
  await upsertSupplier(t, 'SUP-AB', ['STORE-A', 'STORE-B'], 'Both');
  userA = await createOperator(t, 'USER', ['STORE-A']);
  connectionOfA = (await t.admin(`mutation { createClientConnection(input: { name: "A's ERP", baseUrl: "http://127.0.0.1:9/a", storeExternalIds: ["STORE-A"] }) { id } }`)).createClientConnection.id;
});

/** A job owned by store A, which userA may change, created by the administrator. */
const jobOfA = (overrides: Record<string, unknown>) => createJob(t, jobInput(connectionOfA, { name: uniqueName(), storeExternalIds: ['STORE-A'], ...overrides }));
/** Moves a supplier to store B only, as an administrator may after it was put on a job of store A. */
const moveToStoreB = (externalId: string) => upsertSupplier(t, externalId, ['STORE-B'], externalId);
afterAll(() => t?.close());

async function createError(input: Record<string, unknown>, token = ADMIN_TOKEN) {
  const result = await t.gql(token, CREATE_JOB, { input });
  expect(result.data).toBeNull();
  return result.errors![0];
}

describe('createExportJob', () => {
  it('creates the job of CONTRACT §4 and reads it back', async () => {
    const created = await createJob(
      t,
      jobInput(connectionId, {
        name: 'Contract example',
        mapping: [{ source: 'reference', target: 'orderNumber' }, { source: 'orderLines[].gtin', target: 'lines[].ean' }],
        supplierExternalIds: ['SUP-A1'],
      }),
    );
    expect(created).toMatchObject({
      name: 'Contract example',
      exportMethod: 'API_CLIENT',
      objectType: 'ORDER',
      clientConnectionId: connectionId,
      triggerStatuses: ['ORDER_CREATED', 'SHIPPED'],
      allowMultipleExports: false,
      apiCall: { httpMethod: 'POST', path: '/orders', queryParams: [{ name: 'source', value: 'jobout' }] },
      mapping: [{ source: 'reference', target: 'orderNumber' }, { source: 'orderLines[].gtin', target: 'lines[].ean' }],
      includeCustomFields: false,
      suppliers: [{ externalId: 'SUP-A1', name: 'Acme' }],
    });
    expect(created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const read = await t.admin(`query($id: ID!) { exportJob(id: $id) { ${JOB_FIELDS} } }`, { id: created.id });
    expect(read.exportJob).toEqual(created);
  });

  it('refuses a duplicate name with NAME_TAKEN', async () => {
    const name = uniqueName();
    await createJob(t, jobInput(connectionId, { name }));
    const error = await createError(jobInput(connectionId, { name }));
    expect(error.extensions?.code).toBe('NAME_TAKEN');
  });

  it('refuses an empty trigger status list', async () => {
    const error = await createError(jobInput(connectionId, { name: uniqueName(), triggerStatuses: [] }));
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.errors).toContainEqual({ field: 'triggerStatuses', message: 'needs at least one status' });
  });

  it('refuses a status of the other object type, naming the allowed ones', async () => {
    const error = await createError(jobInput(connectionId, { name: uniqueName(), objectType: 'INCIDENT', triggerStatuses: ['SHIPPED'] }));
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('SHIPPED is not a INCIDENT status (allowed: OPEN, ON_GOING, CLOSED)');
  });

  it('accepts DRAFT_ORDER_ON_HOLD and stores ORDER_DRAFT_ON_HOLD with allowMultipleExports', async () => {
    const job = await createJob(t, jobInput(connectionId, { name: uniqueName(), triggerStatuses: ['DRAFT_ORDER_ON_HOLD'], allowMultipleExports: true }));
    expect(job.triggerStatuses).toEqual(['ORDER_DRAFT_ON_HOLD']);
    expect(job.allowMultipleExports).toBe(true);
  });

  it('refuses allowMultipleExports without ORDER_DRAFT_ON_HOLD', async () => {
    const error = await createError(jobInput(connectionId, { name: uniqueName(), allowMultipleExports: true }));
    expect(error.extensions?.errors?.[0].field).toBe('allowMultipleExports');
  });

  it('refuses unknown mapping sources, listing them', async () => {
    const error = await createError(jobInput(connectionId, { name: uniqueName(), mapping: [{ source: 'password', target: 'x' }, { source: 'reference', target: 'y' }] }));
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.errors).toEqual([{ field: 'mapping[0].source', message: 'unknown ORDER field "password"' }]);
  });

  it('refuses the removed suppliers field with SUPPLIERS_FIELD_REMOVED', async () => {
    const error = await createError({ ...jobInput(connectionId, { name: uniqueName() }), suppliers: ['SUP-A1'] });
    expect(error.extensions?.code).toBe('SUPPLIERS_FIELD_REMOVED');
    expect(error.message).toContain('supplierExternalIds');
  });

  it('refuses a method outside POST, PUT, PATCH', async () => {
    const result = await t.gql(ADMIN_TOKEN, CREATE_JOB, { input: jobInput(connectionId, { name: uniqueName(), apiCall: { httpMethod: 'GET', path: '/x' } }) });
    expect(result.status).toBe(400);
    expect(result.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses an unknown client connection', async () => {
    const error = await createError(jobInput('00000000-0000-4000-8000-000000000000', { name: uniqueName() }));
    expect(error.extensions?.errors).toContainEqual({ field: 'clientConnectionId', message: 'unknown client connection' });
  });

  it('refuses unknown and invisible supplier ids alike, listing them', async () => {
    const error = await createError(jobInput(connectionOfA, { name: uniqueName(), supplierExternalIds: ['SUP-A1', 'SUP-B1', 'SUP-NOPE'] }), userA);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.errors).toEqual([{ field: 'supplierExternalIds', message: 'unknown suppliers: SUP-B1, SUP-NOPE' }]);
  });

  it('writes nothing when a rule fails', async () => {
    const name = uniqueName();
    await createError(jobInput(connectionId, { name, supplierExternalIds: ['SUP-NOPE'] }));
    expect(await t.db.query('select 1 from export_job where name = $1', [name])).toHaveLength(0);
  });
});

describe('reading jobs in a store scope', () => {
  it('shows an operator only the suppliers of its stores', async () => {
    const job = await createJob(t, jobInput(connectionId, { name: uniqueName(), supplierExternalIds: ['SUP-A1', 'SUP-B1', 'SUP-AB'] }));
    const asUser = await t.gql(userA, `query($id: ID!) { exportJob(id: $id) { suppliers { externalId name } } }`, { id: job.id });
    expect(asUser.data.exportJob.suppliers).toEqual([
      { externalId: 'SUP-A1', name: 'Acme' },
      { externalId: 'SUP-AB', name: 'Both' },
    ]);
    expect(job.suppliers.map((s: { externalId: string }) => s.externalId)).toEqual(['SUP-A1', 'SUP-AB', 'SUP-B1']);
  });

  it('keeps suppliers the caller cannot see (moved out of its stores) when it replaces the job', async () => {
    await upsertSupplier(t, 'SUP-MOVED-1', ['STORE-A']);
    const job = await jobOfA({ supplierExternalIds: ['SUP-A1', 'SUP-MOVED-1'] });
    await moveToStoreB('SUP-MOVED-1');
    const result = await t.gql(userA, UPDATE_JOB, { id: job.id, input: jobInput(connectionOfA, { name: job.name, supplierExternalIds: ['SUP-A2'] }) });
    expect(result.data.updateExportJob.suppliers).toEqual([{ externalId: 'SUP-A2', name: 'Alpha' }]);
    const asAdmin = await t.admin(`query($id: ID!) { exportJob(id: $id) { suppliers { externalId } } }`, { id: job.id });
    expect(asAdmin.exportJob.suppliers).toEqual([{ externalId: 'SUP-A2' }, { externalId: 'SUP-MOVED-1' }]);
  });
});

describe('updateExportJob', () => {
  it('replaces the whole job: omitted optional fields return to their defaults', async () => {
    const job = await createJob(
      t,
      jobInput(connectionId, { name: uniqueName(), includeCustomFields: true, mapping: [{ source: 'reference', target: 'id' }], supplierExternalIds: ['SUP-A1'] }),
    );
    const result = await t.admin(UPDATE_JOB, {
      id: job.id,
      input: { name: job.name, objectType: 'INCIDENT', clientConnectionId: connectionId, triggerStatuses: ['OPEN'], apiCall: { httpMethod: 'PUT', path: '/incidents' } },
    });
    expect(result.updateExportJob).toMatchObject({
      objectType: 'INCIDENT',
      triggerStatuses: ['OPEN'],
      apiCall: { httpMethod: 'PUT', path: '/incidents', queryParams: [] },
      mapping: [],
      includeCustomFields: false,
      suppliers: [],
      createdAt: job.createdAt,
    });
    expect(Date.parse(result.updateExportJob.updatedAt)).toBeGreaterThanOrEqual(Date.parse(job.updatedAt));
  });

  it('refuses taking another job\'s name', async () => {
    const first = await createJob(t, jobInput(connectionId, { name: uniqueName() }));
    const second = await createJob(t, jobInput(connectionId, { name: uniqueName() }));
    const result = await t.gql(ADMIN_TOKEN, UPDATE_JOB, { id: second.id, input: jobInput(connectionId, { name: first.name }) });
    expect(result.errors![0].extensions?.code).toBe('NAME_TAKEN');
  });

  it('answers NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const unknown = await t.gql(ADMIN_TOKEN, UPDATE_JOB, { id: '00000000-0000-4000-8000-000000000000', input: jobInput(connectionId, { name: uniqueName() }) });
    expect(unknown.errors![0].extensions?.code).toBe('NOT_FOUND');
    const malformed = await t.gql(ADMIN_TOKEN, `query { exportJob(id: "42") { id } }`);
    expect(malformed.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('deleteExportJob', () => {
  it('deletes the job for good', async () => {
    const job = await createJob(t, jobInput(connectionId, { name: uniqueName(), supplierExternalIds: ['SUP-A1'] }));
    expect((await t.admin(`mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: job.id })).deleteExportJob).toBe(true);
    const again = await t.gql(ADMIN_TOKEN, `query($id: ID!) { exportJob(id: $id) { id } }`, { id: job.id });
    expect(again.errors![0].extensions?.code).toBe('NOT_FOUND');
    expect(await t.db.query('select 1 from export_job_supplier where export_job_id = $1', [job.id])).toHaveLength(0);
  });
});

describe('supplier changes', () => {
  it('merges added suppliers, ignoring duplicates', async () => {
    const job = await createJob(t, jobInput(connectionId, { name: uniqueName(), supplierExternalIds: ['SUP-A1'] }));
    const result = await t.admin(ADD, { id: job.id, ids: ['SUP-A1', 'SUP-A2', 'SUP-A2'] });
    expect(result.addExportJobSuppliers.suppliers.map((s: { externalId: string }) => s.externalId)).toEqual(['SUP-A1', 'SUP-A2']);
  });

  it('refuses adding suppliers the caller cannot see, listing them, and changes nothing', async () => {
    const job = await jobOfA({ supplierExternalIds: ['SUP-A1'] });
    const result = await t.gql(userA, ADD, { id: job.id, ids: ['SUP-A2', 'SUP-B1'] });
    expect(result.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('SUP-B1');
    const rows = await t.db.query('select count(*)::int as n from export_job_supplier where export_job_id = $1', [job.id]);
    expect(rows[0].n).toBe(1);
  });

  it('removes suppliers, ignoring absent ones; removing all means all suppliers', async () => {
    const job = await createJob(t, jobInput(connectionId, { name: uniqueName(), supplierExternalIds: ['SUP-A1', 'SUP-A2'] }));
    const partly = await t.admin(REMOVE, { id: job.id, ids: ['SUP-A1', 'SUP-NOT-THERE'] });
    expect(partly.removeExportJobSuppliers.suppliers).toEqual([{ externalId: 'SUP-A2', name: 'Alpha' }]);
    const all = await t.admin(REMOVE, { id: job.id, ids: ['SUP-A2'] });
    expect(all.removeExportJobSuppliers.suppliers).toEqual([]);
  });

  it('never removes a supplier the caller cannot see', async () => {
    await upsertSupplier(t, 'SUP-MOVED-2', ['STORE-A']);
    const job = await jobOfA({ supplierExternalIds: ['SUP-A1', 'SUP-MOVED-2'] });
    await moveToStoreB('SUP-MOVED-2');
    await t.gql(userA, REMOVE, { id: job.id, ids: ['SUP-A1', 'SUP-MOVED-2'] });
    const asAdmin = await t.admin(`query($id: ID!) { exportJob(id: $id) { suppliers { externalId } } }`, { id: job.id });
    expect(asAdmin.exportJob.suppliers).toEqual([{ externalId: 'SUP-MOVED-2' }]);
  });

  it('needs at least one supplier id', async () => {
    const job = await createJob(t, jobInput(connectionId, { name: uniqueName() }));
    for (const mutation of [ADD, REMOVE]) {
      const result = await t.gql(ADMIN_TOKEN, mutation, { id: job.id, ids: [] });
      expect(result.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('exportJobs', () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    ids = {};
    for (const [name, suppliers, objectType] of [
      ['List alpha', ['SUP-A1'], 'ORDER'],
      ['List beta', ['SUP-A2'], 'ORDER'],
      ['List gamma', ['SUP-B1'], 'ORDER'],
      ['List delta', [], 'INCIDENT'],
    ] as const) {
      const job = await createJob(t, jobInput(connectionId, { name, supplierExternalIds: suppliers, objectType, triggerStatuses: objectType === 'ORDER' ? ['SHIPPED'] : ['OPEN'] }));
      ids[name] = job.id;
    }
  });

  const names = (page: { content: { name: string }[] }) => page.content.map((job) => job.name);

  it('filters by supplierExternalIds with OR logic', async () => {
    const { exportJobs } = await t.admin(LIST, { filter: { supplierExternalIds: ['SUP-A1', 'SUP-B1'], search: 'List ' }, sort: 'name:asc' });
    expect(names(exportJobs)).toEqual(['List alpha', 'List gamma']);
  });

  it('lists a job matching several of the suppliers once', async () => {
    await createJob(t, jobInput(connectionId, { name: 'Multi supplier', supplierExternalIds: ['SUP-A1', 'SUP-A2'] }));
    const { exportJobs } = await t.admin(LIST, { filter: { supplierExternalIds: ['SUP-A1', 'SUP-A2'], search: 'Multi' }, size: 1 });
    expect(exportJobs).toMatchObject({ totalElements: 1, totalPages: 1 });
    expect(names(exportJobs)).toEqual(['Multi supplier']);
  });

  it('matches no job through a supplier the caller cannot see', async () => {
    const result = await t.gql(userA, LIST, { filter: { supplierExternalIds: ['SUP-B1'] } });
    expect(result.data.exportJobs.totalElements).toBe(0);
  });

  it('filters by object type and by name, case-insensitively', async () => {
    const byType = await t.admin(LIST, { filter: { objectType: 'INCIDENT', search: 'list' } });
    expect(names(byType.exportJobs)).toEqual(['List delta']);
    const bySearch = await t.admin(LIST, { filter: { search: 'GAMMA' } });
    expect(names(bySearch.exportJobs)).toEqual(['List gamma']);
  });

  it('pages and sorts', async () => {
    const first = await t.admin(LIST, { filter: { search: 'List ' }, page: 0, size: 3, sort: 'name:asc' });
    expect(first.exportJobs).toMatchObject({ number: 0, size: 3, totalElements: 4, totalPages: 2 });
    expect(names(first.exportJobs)).toEqual(['List alpha', 'List beta', 'List delta']);
    const second = await t.admin(LIST, { filter: { search: 'List ' }, page: 1, size: 3, sort: 'name:asc' });
    expect(names(second.exportJobs)).toEqual(['List gamma']);
    const newestFirst = await t.admin(LIST, { filter: { search: 'List ' } });
    expect(names(newestFirst.exportJobs)).toEqual(['List delta', 'List gamma', 'List beta', 'List alpha']);
  });

  it('refuses a page size over 100 and an unknown sort field', async () => {
    expect((await t.gql(ADMIN_TOKEN, LIST, { size: 101 })).errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await t.gql(ADMIN_TOKEN, LIST, { sort: 'password:asc' })).errors![0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
