/**
 * The live result feed (`exportResults` over graphql-ws on /graphql): one event per finished attempt, filters,
 * store scope, authentication of the socket, and fan-out between two instances on one database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { startGateway, type Gateway } from '../../src/gateway';
import { silentLogger } from '../../src/logger';
import { connectFeed, type ExportResult, type FeedClient, type FeedSubscription } from '../support/feed-client';
import { createJob, createOperator, createStore, jobInput, upsertSupplier, createConnection } from '../support/fixtures';
import { ADMIN_TOKEN, SECRET_KEY, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

let t: TestGateway;
let sink: HttpSink;
let createdJob: { id: string; name: string };
let shippedJob: { id: string };
let incidentJob: { id: string };
let otherStoreToken: string;
let counter = 0;
const next = (prefix: string) => `${prefix}-${++counter}`;
const clients: FeedClient[] = [];

const insertOrder = (reference: string, supplier: string, status = 'ORDER_CREATED') =>
  t.db.query(`insert into order_logistic (reference, supplier_external_id, status) values ($1, $2, $3)`, [reference, supplier, status]);
const eventsFor = (subscription: FeedSubscription, reference: string) => subscription.events.filter((event) => event.objectReference === reference);

/** Opens a feed client and waits until its subscriptions are registered on `gateway`, so no event can slip past. */
async function subscribe(gateway: Gateway, token: string, ...filters: { jobId?: string; objectType?: string }[]): Promise<FeedSubscription[]> {
  const client = connectFeed(gateway.url, token);
  clients.push(client);
  const before = gateway.results.subscriberCount;
  const subscriptions = filters.map((filter) => client.subscribe(filter));
  await waitFor(() => gateway.results.subscriberCount === before + filters.length, { what: `${filters.length} live subscription(s)` });
  return subscriptions;
}

beforeAll(async () => {
  // One retry, so the final FAILED comes on the second attempt; retries are made due by the tests.
  t = await startTestGateway({ JOBOUT_MAX_RETRIES: '1' });
  sink = await startHttpSink();
  const connectionId = await createConnection(t, 'Sink', sink.url);
  await createStore(t, 'STORE-1');
  await createStore(t, 'STORE-2');
  await upsertSupplier(t, 'SUP-1', ['STORE-1']);
  await upsertSupplier(t, 'SUP-2', ['STORE-2']);
  otherStoreToken = await createOperator(t, 'READER', ['STORE-2']);
  createdJob = await createJob(t, jobInput(connectionId, { name: 'Created orders', triggerStatuses: ['ORDER_CREATED'] }));
  shippedJob = await createJob(t, jobInput(connectionId, { name: 'Shipped orders', triggerStatuses: ['SHIPPED'] }));
  incidentJob = await createJob(t, jobInput(connectionId, { name: 'Open incidents', objectType: 'INCIDENT', triggerStatuses: ['OPEN'], apiCall: { httpMethod: 'POST', path: '/incidents' } }));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await waitFor(() => t.gateway.results.subscriberCount === 0, { what: 'every subscription ended on the server' });
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('an event per finished attempt', () => {
  /** Makes the scheduled retry of `reference` due now and runs a sweep, as the cron tick would. */
  async function retryNow(reference: string) {
    await t.db.query(`update export set next_attempt_at = now() where object_reference = $1 and state = 'RETRY_SCHEDULED'`, [reference]);
    await t.gateway.sweeper.sweep();
  }

  it('reports a failed attempt with its schedule, then the success of the retry', async () => {
    const [feed] = await subscribe(t.gateway, ADMIN_TOKEN, {});
    const reference = next('RETRIED');
    sink.enqueue(reply.status(500, 'partner broke'));
    await insertOrder(reference, 'SUP-1');
    await waitFor(() => eventsFor(feed, reference).length === 1, { what: 'the failed attempt' });

    const [record] = await t.db.query<any>('select id, next_attempt_at from export where object_reference = $1', [reference]);
    const [attempt] = await t.db.query<any>('select finished_at from export_attempt where export_id = $1', [record.id]);
    expect(eventsFor(feed, reference)[0]).toEqual<ExportResult>({
      exportId: record.id,
      jobId: createdJob.id,
      jobName: 'Created orders',
      objectType: 'ORDER',
      objectReference: reference,
      triggerStatus: 'ORDER_CREATED',
      state: 'RETRY_SCHEDULED',
      attempt: 1,
      httpStatus: 500,
      error: 'partner answered 500',
      nextAttemptAt: new Date(record.next_attempt_at).toISOString(),
      occurredAt: new Date(attempt.finished_at).toISOString(),
    });

    await retryNow(reference);
    await waitFor(() => eventsFor(feed, reference).length === 2, { what: 'the retry' });
    expect(eventsFor(feed, reference)[1]).toMatchObject({ exportId: record.id, state: 'SUCCEEDED', attempt: 2, httpStatus: 200, error: null, nextAttemptAt: null });
  });

  it('reports the final FAILED once the retries are spent', async () => {
    const [feed] = await subscribe(t.gateway, ADMIN_TOKEN, {});
    const reference = next('FAILED');
    sink.enqueue(reply.status(502), reply.status(503));
    await insertOrder(reference, 'SUP-1');
    await waitFor(() => eventsFor(feed, reference).length === 1, { what: 'the first attempt' });
    await retryNow(reference);
    await waitFor(() => eventsFor(feed, reference).length === 2, { what: 'the last attempt' });
    expect(eventsFor(feed, reference).map(({ state, attempt, httpStatus, nextAttemptAt }) => ({ state, attempt, httpStatus, nextAttemptAt }))).toEqual([
      { state: 'RETRY_SCHEDULED', attempt: 1, httpStatus: 502, nextAttemptAt: expect.any(String) },
      { state: 'FAILED', attempt: 2, httpStatus: 503, nextAttemptAt: null },
    ]);
  });
});

describe('filters', () => {
  it('by jobId: only that job\'s results', async () => {
    const [all, shipped] = await subscribe(t.gateway, ADMIN_TOKEN, {}, { jobId: shippedJob.id });
    const reference = next('BY-JOB');
    await insertOrder(reference, 'SUP-1');
    await waitFor(() => eventsFor(all, reference).length === 1, { what: 'the ORDER_CREATED export on the unfiltered feed' });
    await t.db.query(`update order_logistic set status = 'SHIPPED' where reference = $1`, [reference]);
    // Results reach a subscription in order: once the SHIPPED result is in, the earlier one was not let through.
    await waitFor(() => eventsFor(shipped, reference).length === 1, { what: 'the SHIPPED export on the filtered feed' });
    expect(eventsFor(shipped, reference).map((event) => event.triggerStatus)).toEqual(['SHIPPED']);
    expect(eventsFor(shipped, reference)[0].jobId).toBe(shippedJob.id);
  });

  it('by objectType: only results of that type', async () => {
    const [all, incidents] = await subscribe(t.gateway, ADMIN_TOKEN, {}, { objectType: 'INCIDENT' });
    const order = next('ORDER');
    await insertOrder(order, 'SUP-1');
    await waitFor(() => eventsFor(all, order).length === 1, { what: 'the order result on the unfiltered feed' });
    const incident = next('INCIDENT');
    await t.db.query(`insert into incident (order_incident_id, supplier_external_id, status) values ($1, 'SUP-1', 'OPEN')`, [incident]);
    await waitFor(() => eventsFor(incidents, incident).length === 1, { what: 'the incident result on the filtered feed' });
    expect(incidents.events.map((event) => [event.objectType, event.jobId])).toEqual([['INCIDENT', incidentJob.id]]);
  });

  it('rejects a malformed jobId with BAD_USER_INPUT', async () => {
    const client = connectFeed(t.url, ADMIN_TOKEN);
    clients.push(client);
    const subscription = client.subscribe({ jobId: 'not-a-uuid' });
    await waitFor(() => subscription.completed, { what: 'the refused subscription to complete' });
    expect(subscription.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
  });
});

describe('store scope', () => {
  it('an operator receives nothing about a supplier outside its stores; the administrator does', async () => {
    const [admin] = await subscribe(t.gateway, ADMIN_TOKEN, {});
    const [operator] = await subscribe(t.gateway, otherStoreToken, {});
    const hidden = next('HIDDEN');
    const visible = next('VISIBLE');
    await insertOrder(hidden, 'SUP-1');
    await waitFor(() => eventsFor(admin, hidden).length === 1, { what: 'the administrator to see SUP-1\'s export' });
    await insertOrder(visible, 'SUP-2');
    await waitFor(() => eventsFor(operator, visible).length === 1, { what: 'the operator to see SUP-2\'s export' });
    expect(operator.events.map((event) => event.objectReference)).toEqual([visible]);
  });
});

describe('authentication', () => {
  it.each([
    ['an unknown token', 'not-a-token'],
    ['no token', undefined],
  ])('closes the socket with 4401 for %s', async (_case, token) => {
    const client = connectFeed(t.url, token);
    clients.push(client);
    expect(await client.closed).toBe(4401);
    expect(t.gateway.results.subscriberCount).toBe(0);
  });
});

describe('two instances on one database', () => {
  let second: Gateway;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'jobout-test-data-'));
    const config = loadConfig({
      DATABASE_URL: t.db.url,
      PORT: '0',
      JOBOUT_DATA_DIR: dataDir,
      JOBOUT_ADMIN_TOKEN: ADMIN_TOKEN,
      JOBOUT_SECRET_KEY: SECRET_KEY,
      JOBOUT_ALLOW_PRIVATE_TARGETS: 'true',
    });
    second = await startGateway(config, silentLogger);
    await second.dispatcher.stop(); // only the first instance sends
  });
  afterAll(async () => {
    await second?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a subscriber on one instance sees an export sent by the other', async () => {
    const [feed] = await subscribe(second, ADMIN_TOKEN, {});
    const reference = next('ACROSS');
    const before = sink.requests.length;
    await insertOrder(reference, 'SUP-1');
    await waitFor(() => eventsFor(feed, reference).length === 1, { what: 'the result on the other instance' });
    expect(eventsFor(feed, reference)[0]).toMatchObject({ state: 'SUCCEEDED', attempt: 1, httpStatus: 200, jobId: createdJob.id });
    expect(sink.requests.length - before).toBe(1);
  });
});
