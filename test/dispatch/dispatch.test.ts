/**
 * The pipeline end to end: a status change committed in PostgreSQL (through the GraphQL ingest or plain SQL)
 * reaches a real HTTP sink on 127.0.0.1 as the documented JSON.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { createJob, createStore, jobInput, upsertSupplier } from '../support/fixtures';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

let t: TestGateway;
let sink: HttpSink;
let connectionId: string;
let counter = 0;
const next = (prefix: string) => `${prefix}-${++counter}`;

const UPSERT_ORDER = `mutation($input: OrderInput!) { upsertOrder(input: $input) { id reference status } }`;
const SET_ORDER_STATUS = `mutation($reference: String!, $status: String!) { setOrderStatus(reference: $reference, status: $status) { status } }`;

async function upsertOrder(input: Record<string, unknown>) {
  return (await t.admin(UPSERT_ORDER, { input })).upsertOrder;
}
async function setStatus(reference: string, status: string) {
  return (await t.admin(SET_ORDER_STATUS, { reference, status })).setOrderStatus;
}
const requestsFor = (reference: string) => sink.requests.filter((request) => request.body.includes(`"${reference}"`));

beforeAll(async () => {
  t = await startTestGateway();
  sink = await startHttpSink();
  connectionId = (
    await t.admin(`mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, {
      input: { name: 'Sink', baseUrl: `${sink.url}/api`, headers: [{ name: 'X-Tenant', value: 'acme' }] },
    })
  ).createClientConnection.id;
  await createStore(t, 'STORE-1');
  await upsertSupplier(t, 'SUP-1', ['STORE-1']);
  await upsertSupplier(t, 'SUP-2', ['STORE-1']);
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});
beforeEach(() => {
  sink.setDefault(reply.json(200, { ok: true }));
});

describe('an order reaching a trigger status', () => {
  let jobId: string;
  beforeAll(async () => {
    jobId = (await createJob(t, jobInput(connectionId, { name: 'Orders', triggerStatuses: ['ORDER_CREATED', 'SHIPPED'], supplierExternalIds: ['SUP-1'] }))).id;
  });

  it('is sent once as exactly the documented JSON, with the contract headers', async () => {
    await upsertOrder({
      reference: '172-189-1896838-1',
      accountExternalId: '1234',
      supplierExternalId: 'SUP-1',
      createdAt: '2024-06-04T10:30:00Z',
      status: 'ORDER_CREATED',
      orderLines: [{ orderLineId: '7894', offerPriceExternalId: '6549', variantExternalId: 'SKU123', quantityPerItem: '2', gtin: '17244701', quantity: 2 }],
    });
    await waitFor(() => requestsFor('172-189-1896838-1').length === 1, { what: 'the order export' });
    const [request] = requestsFor('172-189-1896838-1');
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/orders?source=jobout');
    expect(request.body).toBe(
      '{"reference":"172-189-1896838-1","accountExternalId":"1234","supplierExternalId":"SUP-1","createdAt":"2024-06-04T10:30:00Z",' +
        '"orderLines":[{"orderLineId":"7894","offerPriceExternalId":"6549","variantExternalId":"SKU123","quantityPerItem":"2","gtin":"17244701","quantity":2}]}',
    );
    const [record] = await t.db.query<{ id: string }>(`select id from export where object_reference = '172-189-1896838-1'`);
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'x-tenant': 'acme',
      'idempotency-key': record.id,
      'x-jobout-attempt': '1',
      'user-agent': 'jobout/0.1.0',
    });
    await waitFor(async () => (await t.db.query(`select 1 from export where id = $1 and state = 'SUCCEEDED'`, [record.id])).length === 1);
    const detail = await t.admin(`query($id: ID!) { export(id: $id) { state jobId attemptCount attempts { attempt httpStatus responseExcerpt errorClass } } }`, { id: record.id });
    expect(detail.export).toEqual({ state: 'SUCCEEDED', jobId, attemptCount: 1, attempts: [{ attempt: 1, httpStatus: 200, responseExcerpt: '{"ok":true}', errorClass: null }] });
  });

  it('sends A once for A -> B -> A, and nothing when the status is kept', async () => {
    const reference = next('ABA');
    await t.gateway.dispatcher.stop(); // so the outbox can be read before it is drained
    try {
      await upsertOrder({ reference, supplierExternalId: 'SUP-1', status: 'ORDER_CREATED' });
      await setStatus(reference, 'ACCEPTED_BY_SUPPLIER');
      await setStatus(reference, 'ORDER_CREATED');
      await upsertOrder({ reference, supplierExternalId: 'SUP-1', status: 'ORDER_CREATED', accountExternalId: 'changed' });
      await setStatus(reference, 'SHIPPED');
      // Only real changes to watched statuses reach the outbox: not the kept status, not a status no job watches.
      const changes = await t.db.query<{ status: string }>('select status from status_change where object_reference = $1 order by id', [reference]);
      expect(changes.map((change) => change.status)).toEqual(['ORDER_CREATED', 'ORDER_CREATED', 'SHIPPED']);
    } finally {
      t.gateway.dispatcher.start();
    }
    await waitFor(() => requestsFor(reference).length === 2, { what: 'ORDER_CREATED and SHIPPED exports' });
    // (recorded in one round, both have the same created_at: compared as a set)
    const statuses = await t.db.query<{ trigger_status: string }>('select trigger_status from export where object_reference = $1', [reference]);
    expect(statuses.map((s) => s.trigger_status).sort()).toEqual(['ORDER_CREATED', 'SHIPPED']);
    await waitFor(async () => (await t.db.query('select 1 from status_change where object_reference = $1', [reference])).length === 0, { what: 'recorded changes gone from the outbox' });
    // Both ORDER_CREATED changes were recorded in one round: the send settles the export it claimed, not a twin.
    await waitFor(async () => (await t.db.query(`select 1 from export where object_reference = $1 and state = 'SUCCEEDED'`, [reference])).length === 2, {
      what: 'both exports settled',
    });
    const attempts = await t.db.query<{ stale: boolean }>('select a.stale from export_attempt a join export e on e.id = a.export_id where e.object_reference = $1', [reference]);
    expect(attempts).toEqual([{ stale: false }, { stale: false }]);
  });

  it('ignores orders of suppliers the job is not scoped to', async () => {
    const other = next('OTHER');
    const mine = next('MINE');
    await upsertOrder({ reference: other, supplierExternalId: 'SUP-2', status: 'ORDER_CREATED' });
    await upsertOrder({ reference: mine, supplierExternalId: 'SUP-1', status: 'ORDER_CREATED' });
    await waitFor(() => requestsFor(mine).length === 1);
    await waitFor(async () => (await t.db.query('select 1 from status_change where object_reference = $1', [other])).length === 0, { what: 'the other change recorded' });
    expect(await t.db.query('select 1 from export where object_reference = $1', [other])).toHaveLength(0);
    expect(requestsFor(other)).toHaveLength(0);
  });

  it('exports a change made by plain SQL', async () => {
    const reference = next('SQL');
    await t.db.query(`insert into order_logistic (reference, supplier_external_id, status) values ($1, 'SUP-1', 'DRAFT_ORDER')`, [reference]);
    await t.db.query(`update order_logistic set status = 'SHIPPED' where reference = $1`, [reference]);
    await waitFor(() => requestsFor(reference).length === 1);
  });

  it('refuses an unknown status in the database, naming the allowed values', async () => {
    await expect(t.db.query(`insert into order_logistic (reference, status) values ('bad-status', 'LOST')`)).rejects.toThrow(
      /unknown order status "LOST"; allowed values: CREATING, DRAFT_ORDER, ORDER_DRAFT_ON_HOLD/,
    );
    const result = await t.gql(ADMIN_TOKEN, UPSERT_ORDER, { input: { reference: 'bad-status', status: 'LOST' } });
    expect(result.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('previews the payload without sending it', async () => {
    const reference = next('PREVIEW');
    await upsertOrder({ reference, supplierExternalId: 'SUP-1', status: 'DRAFT_ORDER', createdAt: '2025-01-02T03:04:05Z' });
    const before = sink.requests.length;
    const { exportPreview } = await t.admin(`query($jobId: ID!, $ref: String!) { exportPreview(jobId: $jobId, objectReference: $ref) }`, { jobId, ref: reference });
    expect(JSON.parse(exportPreview)).toEqual({ reference, accountExternalId: null, supplierExternalId: 'SUP-1', createdAt: '2025-01-02T03:04:05Z', orderLines: [] });
    expect(sink.requests.length).toBe(before);
    expect(await t.db.query('select 1 from export where object_reference = $1', [reference])).toHaveLength(0);
  });
});

describe('the on-hold status', () => {
  it('is exported each time on a job that allows it, once on one that does not, under either spelling', async () => {
    const multi = await createJob(t, jobInput(connectionId, { name: 'On hold, every time', triggerStatuses: ['ORDER_DRAFT_ON_HOLD'], allowMultipleExports: true, apiCall: { httpMethod: 'PUT', path: '/hold' } }));
    const once = await createJob(t, jobInput(connectionId, { name: 'On hold, once', triggerStatuses: ['DRAFT_ORDER_ON_HOLD'], apiCall: { httpMethod: 'PATCH', path: '/hold-once' } }));
    const reference = next('HOLD');
    await upsertOrder({ reference, supplierExternalId: 'SUP-1', status: 'DRAFT_ORDER_ON_HOLD' });
    await setStatus(reference, 'DRAFT_ORDER');
    await setStatus(reference, 'ORDER_DRAFT_ON_HOLD');
    const exports = () => t.db.query<{ job_id: string }>('select job_id from export where object_reference = $1', [reference]);
    await waitFor(async () => (await exports()).length === 3, { what: 'two multi exports and one single export' });
    const byJob = (await exports()).reduce<Record<string, number>>((acc, row) => ({ ...acc, [row.job_id]: (acc[row.job_id] ?? 0) + 1 }), {});
    expect(byJob).toEqual({ [multi.id]: 2, [once.id]: 1 });
    await waitFor(() => requestsFor(reference).length === 3);
    expect(requestsFor(reference).map((r) => r.method).sort()).toEqual(['PATCH', 'PUT', 'PUT']);
    expect(await t.db.query(`select 1 from order_logistic where reference = $1 and status = 'ORDER_DRAFT_ON_HOLD'`, [reference])).toHaveLength(1);
  });
});

describe('incidents and mappings', () => {
  it('sends the documented incident JSON', async () => {
    await createJob(t, jobInput(connectionId, { name: 'Incidents', objectType: 'INCIDENT', triggerStatuses: ['OPEN'], apiCall: { httpMethod: 'POST', path: '/incidents' } }));
    await t.admin(`mutation($input: IncidentInput!) { upsertIncident(input: $input) { id } }`, {
      input: {
        orderIncidentId: 'INCIDENT_1234',
        orderIncidentExternalId: '4567',
        orderReference: '172-189-1896838-1',
        createdAt: '2024-06-04T10:30:00Z',
        status: 'OPEN',
        reasonCode: 'RC001',
        reasonDescription: 'Broken product on delivery',
        supplierExternalId: 'SUP_321',
        accountExternalId: 'ACC_777',
        orderLineIncident: [{ orderLineId: '16841984844', orderLineExternalId: 'OLINE_5678', incidentLineStatus: 'OPEN', variantExternalId: '489156', incidentLineQuantity: 1 }],
      },
    });
    await waitFor(() => sink.requests.some((r) => r.url === '/api/incidents'), { what: 'the incident export' });
    expect(sink.requests.find((r) => r.url === '/api/incidents')!.body).toBe(
      '{"orderIncidentId":"INCIDENT_1234","orderIncidentExternalId":"4567","orderReference":"172-189-1896838-1","createdAt":"2024-06-04T10:30:00Z",' +
        '"incidentStatus":"OPEN","reasonCode":"RC001","reasonDescription":"Broken product on delivery","supplierExternalId":"SUP_321","accountExternalId":"ACC_777",' +
        '"orderLineIncident":[{"orderLineId":"16841984844","orderLineExternalId":"OLINE_5678","incidentLineStatus":"OPEN","variantExternalId":"489156","incidentLineQuantity":1}]}',
    );
  });

  it('maps fields to other names, nested paths and arrays', async () => {
    await createJob(
      t,
      jobInput(connectionId, {
        name: 'Mapped',
        triggerStatuses: ['WAITING_SHIPMENT'],
        apiCall: { httpMethod: 'POST', path: '/mapped' },
        mapping: [
          { source: 'reference', target: 'order.id' },
          { source: 'orderLines[].gtin', target: 'lines[].ean' },
          { source: 'orderLines[].quantity', target: 'lines[].qty' },
          { source: 'customFields.costCenter', target: 'order.costCenter' },
        ],
      }),
    );
    const reference = next('MAP');
    await upsertOrder({
      reference,
      supplierExternalId: 'SUP-1',
      status: 'WAITING_SHIPMENT',
      customFields: { costCenter: 'CC-1' },
      orderLines: [{ gtin: '111', quantity: 1 }, { gtin: '222', quantity: 3 }],
    });
    await waitFor(() => sink.requests.some((r) => r.url.startsWith('/api/mapped') && r.body.includes(reference)));
    const body = JSON.parse(sink.requests.find((r) => r.url.startsWith('/api/mapped') && r.body.includes(reference))!.body);
    expect(body).toEqual({ order: { id: reference, costCenter: 'CC-1' }, lines: [{ ean: '111', qty: 1 }, { ean: '222', qty: 3 }] });
  });
});

describe('ingest in a store scope', () => {
  it('refuses an order system (INGEST) writing orders of suppliers outside its stores, always with the same answer', async () => {
    const { createOperator, createStore: store, upsertSupplier: supplier } = await import('../support/fixtures');
    await store(t, 'STORE-OTHER');
    await supplier(t, 'SUP-OTHER', ['STORE-OTHER']);
    const operator = await createOperator(t, 'INGEST', ['STORE-1']);
    const reference = next('SCOPED');
    await upsertOrder({ reference, supplierExternalId: 'SUP-OTHER', status: 'DRAFT_ORDER' });
    const write = await t.gql(operator, UPSERT_ORDER, { input: { reference: next('SCOPED'), supplierExternalId: 'SUP-OTHER', status: 'ORDER_CREATED' } });
    expect(write.errors![0].extensions?.code).toBe('FORBIDDEN');
    const overwrite = await t.gql(operator, UPSERT_ORDER, { input: { reference, supplierExternalId: 'SUP-1', status: 'ORDER_CREATED' } });
    expect(overwrite.errors![0].extensions?.code).toBe('FORBIDDEN');
    const status = await t.gql(operator, SET_ORDER_STATUS, { reference, status: 'ORDER_CREATED' });
    expect(status.errors![0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.db.query<{ status: string; supplier_external_id: string }>('select status, supplier_external_id from order_logistic where reference = $1', [reference]))[0]).toEqual({
      status: 'DRAFT_ORDER',
      supplier_external_id: 'SUP-OTHER',
    });
    const own = await t.gql(operator, UPSERT_ORDER, { input: { reference: next('SCOPED'), supplierExternalId: 'SUP-1', status: 'DRAFT_ORDER' } });
    expect(own.errors).toBeUndefined();
  });
});

describe('statuses no job watches', () => {
  it('record nothing, and become watched when a job triggers on them', async () => {
    const reference = next('UNWATCHED');
    await upsertOrder({ reference, supplierExternalId: 'SUP-1', status: 'WAITING_FULFILLMENT' });
    const outbox = () => t.db.query('select 1 from status_change where object_reference = $1', [reference]);
    expect(await outbox()).toHaveLength(0);
    const recordingTrigger = async () => (await t.db.query<{ definition: string }>(
      `select pg_get_triggerdef(oid) as definition from pg_trigger where tgrelid = 'order_logistic'::regclass and tgname = 'order_logistic_status_changed'`))[0].definition;
    expect(await recordingTrigger()).not.toContain('PARTIALLY_SHIPPED');
    expect(await t.db.query(`select 1 from dispatch_watch where object_type = 'ORDER' and status = 'PARTIALLY_SHIPPED'`)).toHaveLength(0);

    const job = await createJob(t, jobInput(connectionId, { name: 'Partial shipments', triggerStatuses: ['PARTIALLY_SHIPPED'] }));
    expect(await t.db.query(`select 1 from dispatch_watch where object_type = 'ORDER' and status = 'PARTIALLY_SHIPPED'`)).toHaveLength(1);
    expect(await recordingTrigger()).toContain('PARTIALLY_SHIPPED');
    await setStatus(reference, 'PARTIALLY_SHIPPED');
    await waitFor(() => requestsFor(reference).length === 1, { what: 'the watched status exported' });

    await t.admin(`mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: job.id });
    expect(await t.db.query(`select 1 from dispatch_watch where object_type = 'ORDER' and status = 'PARTIALLY_SHIPPED'`)).toHaveLength(0);
    expect(await recordingTrigger()).not.toContain('PARTIALLY_SHIPPED');
    await setStatus(reference, 'WAITING_FULFILLMENT');
    expect(await outbox()).toHaveLength(0);
  });
});
