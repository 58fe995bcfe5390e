/**
 * Pausing a job (CONTRACT §11): changes reaching a trigger status while paused are recorded as PAUSED exports, not
 * attempted and using no retry; waiting exports are parked with their retries; resuming sends them oldest first;
 * deleting a paused job cancels them; operators are told (operationalEvents), scoped to who may see the job.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectFeed, type FeedClient } from '../support/feed-client';
import { createConnection, createJob, createOperator, createStore, jobInput, upsertSupplier } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

const PAUSE = `mutation($id: ID!) { pauseExportJob(id: $id) { id paused } }`;
const RESUME = `mutation($id: ID!) { resumeExportJob(id: $id) { id paused } }`;
const EVENTS = `subscription($types: [OperationalEventType!], $jobId: ID) { operationalEvents(types: $types, jobId: $jobId) { type jobId jobName connectionId detail occurredAt } }`;

let t: TestGateway;
let partner: HttpSink;
let connection: string;
let sequence = 0;
const next = (prefix: string) => `${prefix}-${++sequence}`;

/** The export of `job` for `reference` (every job on SHIPPED exports each order: jobs of other tests too). */
const stateOf = async (reference: string, job: string) =>
  (await t.db.query<any>('select state, attempts, next_attempt_at from export where object_reference = $1 and job_id = $2', [reference, job]))[0];
const order = (reference: string, status = 'SHIPPED') => t.admin(`mutation($input: OrderInput!) { upsertOrder(input: $input) { id } }`, { input: { reference, status, supplierExternalId: 'SUP-1' } });
/** The references the partner received for `job`, in order. */
const received = (job: string) => requestsOf(job).map((request) => JSON.parse(request.body).reference as string);

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_RETRY_INTERVAL_MS: '60000' });
  partner = await startHttpSink();
  await createStore(t, 'STORE-1');
  await createStore(t, 'STORE-2');
  await upsertSupplier(t, 'SUP-1', ['STORE-1']);
  connection = await createConnection(t, 'Partner', partner.url);
});
afterAll(async () => {
  await partner?.close();
  await t?.close();
});
beforeEach(() => {
  partner.setDefault(reply.json(200, { ok: true }));
});

/** A job on `status` whose requests the partner tells apart by their path, `/<id>`. */
async function newJob(name: string, status = 'SHIPPED', through = connection): Promise<string> {
  const path = `/job-${++sequence}`;
  const { id } = await createJob(t, jobInput(through, { name, triggerStatuses: [status], apiCall: { httpMethod: 'POST', path } }));
  paths.set(id, path);
  return id;
}
const paths = new Map<string, string>();
/** The requests of `job`, in the order the partner received them. */
const requestsOf = (job: string) => partner.requests.filter((request) => request.url.split('?')[0] === paths.get(job));

/** A feed client whose subscription is registered on the gateway before anything is published. */
async function events(token: string, variables: Record<string, unknown> = {}): Promise<{ client: FeedClient; received: any[] }> {
  const before = t.gateway.events.subscriberCount;
  const client = connectFeed(t.url, token);
  const subscription = client.subscribeRaw(EVENTS, variables);
  await waitFor(() => t.gateway.events.subscriberCount === before + 1, { what: 'the operationalEvents subscription' });
  return { client, received: subscription.events };
}

describe('a paused job', () => {
  it('records its changes as PAUSED exports, sends nothing, and sends them oldest first once resumed', async () => {
    // "Oldest first" is the order the exports are claimed and their sends started; concurrent sends may reach the
    // partner in another order (one opens a socket while the next reuses one). A partner that needs them in order
    // gets one send at a time, and so exactly this order.
    const oneAtATime = (
      await t.admin(`mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, {
        input: { name: 'Partner, one send at a time', baseUrl: partner.url, maxConcurrentRequests: 1 },
      })
    ).createClientConnection.id as string;
    const job = await newJob('Paused then resumed', 'SHIPPED', oneAtATime);
    const { client, received: announced } = await events(ADMIN_TOKEN, { jobId: job });
    try {
      expect((await t.admin(PAUSE, { id: job })).pauseExportJob).toEqual({ id: job, paused: true });
      await waitFor(() => announced.length === 1, { what: 'JOB_PAUSED' });
      expect(announced[0]).toMatchObject({ type: 'JOB_PAUSED', jobId: job, jobName: 'Paused then resumed', connectionId: oneAtATime, detail: 'paused by administrator' });

      const references = [next('P'), next('P'), next('P')];
      for (const reference of references) await order(reference);
      await waitFor(async () => (await Promise.all(references.map((r) => stateOf(r, job)))).every((row) => row?.state === 'PAUSED'), { what: 'three PAUSED exports' });
      expect((await Promise.all(references.map((r) => stateOf(r, job)))).map((row) => [row.attempts, row.next_attempt_at])).toEqual(Array(3).fill([0, null]));
      // a barrier: another job's export is sent meanwhile, so the paused ones had every chance to go
      const other = await newJob('Running alongside', 'COMPLETED');
      const barrier = next('BARRIER');
      await order(barrier, 'COMPLETED');
      await waitFor(() => received(other).length === 1, { what: 'the barrier export' });
      expect(received(job)).toEqual([]);
      await t.admin(`mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: other });

      expect((await t.admin(RESUME, { id: job })).resumeExportJob).toEqual({ id: job, paused: false });
      await waitFor(() => received(job).length === 3, { what: 'the three parked exports' });
      expect(received(job)).toEqual(references);
      await waitFor(async () => (await Promise.all(references.map((r) => stateOf(r, job)))).every((row) => row.state === 'SUCCEEDED' && row.attempts === 1));
      await waitFor(() => announced.length === 2, { what: 'JOB_RESUMED' });
      expect(announced[1]).toMatchObject({ type: 'JOB_RESUMED', jobId: job });
    } finally {
      await client.close();
    }
  });

  it('parks a scheduled retry with its attempts kept, and gives it back its place on resume', async () => {
    const job = await newJob('Retry parked');
    const reference = next('R');
    partner.setDefault(reply.status(503, 'down'));
    await order(reference);
    await waitFor(async () => (await stateOf(reference, job))?.state === 'RETRY_SCHEDULED');
    await t.admin(PAUSE, { id: job });
    expect(await stateOf(reference, job)).toMatchObject({ state: 'PAUSED', attempts: 1, next_attempt_at: null });
    partner.setDefault(reply.json(200, { ok: true }));
    await t.admin(RESUME, { id: job });
    await waitFor(async () => (await stateOf(reference, job)).state === 'SUCCEEDED');
    expect((await stateOf(reference, job)).attempts).toBe(2);
    expect(requestsOf(job).map((r) => r.headers['x-jobout-attempt'])).toEqual(['1', '2']);
  });

  it('keeps its pause through a full replacement, and shows it in the REST JSON, read-only', async () => {
    const job = await newJob('Replaced while paused');
    await t.admin(PAUSE, { id: job });
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'dj-client': 'OPERATOR', 'content-type': 'application/json' };
    const got = await (await fetch(`${t.url}/v2/mapper/jobout/${job}`, { headers })).json();
    expect(got.paused).toBe(true);
    const put = await fetch(`${t.url}/v1/mapper/jobout/${job}`, { method: 'PUT', headers, body: JSON.stringify({ ...got, paused: false, suppliers: undefined, apiCall: { ...got.apiCall, path: '/v2' } }) });
    expect(put.status, await put.clone().text()).toBe(200);
    expect((await put.json()).paused).toBe(true);
    expect((await t.admin(`query($id: ID!) { exportJob(id: $id) { paused apiCall { path } } }`, { id: job })).exportJob).toEqual({ paused: true, apiCall: { path: '/v2' } });
  });

  it('cancels its PAUSED exports when deleted', async () => {
    const job = await newJob('Deleted while paused');
    await t.admin(PAUSE, { id: job });
    const reference = next('D');
    await order(reference);
    await waitFor(async () => (await stateOf(reference, job))?.state === 'PAUSED');
    const [{ id: exportId }] = await t.db.query<{ id: string }>('select id from export where object_reference = $1 and job_id = $2', [reference, job]);
    await t.admin(`mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: job });
    expect((await t.db.query<any>('select state, job_id from export where id = $1', [exportId]))[0]).toEqual({ state: 'CANCELLED', job_id: null });
  });

  it('is paused twice without a second event, and only by those who may write it', async () => {
    const job = await newJob('Permissions');
    const reader = await createOperator(t, 'READER', ['STORE-1']);
    expect((await t.gql(reader, PAUSE, { id: job })).errors![0].extensions?.code).toBe('FORBIDDEN');
    const otherStore = await createOperator(t, 'ADMIN', ['STORE-2']);
    const ofStore2 = (await t.gql(otherStore, `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, { input: { name: 'Store 2 partner', baseUrl: partner.url } })).data.createClientConnection.id;
    const mine = await createJob(t, jobInput(ofStore2, { name: 'Of store 2' }), otherStore);
    const invisible = await t.gql(await createOperator(t, 'ADMIN', ['STORE-1']), PAUSE, { id: mine.id });
    const unknown = await t.gql(ADMIN_TOKEN, PAUSE, { id: '00000000-0000-4000-8000-00000000dead' });
    expect(invisible.errors![0].extensions?.code).toBe('NOT_FOUND');
    expect(invisible.errors![0].message.replace(mine.id, 'ID')).toBe(unknown.errors![0].message.replace('00000000-0000-4000-8000-00000000dead', 'ID'));

    const { client, received: announced } = await events(ADMIN_TOKEN, { jobId: job, types: ['JOB_PAUSED'] });
    try {
      await t.admin(PAUSE, { id: job });
      await t.admin(PAUSE, { id: job });
      await t.admin(RESUME, { id: job });
      await t.admin(PAUSE, { id: job });
      await waitFor(() => announced.length === 2, { what: 'two JOB_PAUSED events' });
      expect(announced.map((event) => event.type)).toEqual(['JOB_PAUSED', 'JOB_PAUSED']);
    } finally {
      await client.close();
    }
  });

  it("reaches only the operators who may see the job with its event", async () => {
    const store2Admin = await createOperator(t, 'ADMIN', ['STORE-2']);
    const connectionOf2 = (await t.gql(store2Admin, `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, { input: { name: 'Store 2 only', baseUrl: partner.url } })).data.createClientConnection.id;
    const jobOf2 = await createJob(t, jobInput(connectionOf2, { name: 'Events of store 2', triggerStatuses: ['COMPLETED'] }), store2Admin);
    const store1 = await events(await createOperator(t, 'READER', ['STORE-1']));
    const store2 = await events(await createOperator(t, 'READER', ['STORE-2']));
    try {
      await t.admin(PAUSE, { id: jobOf2.id });
      await waitFor(() => store2.received.length === 1, { what: "store 2's event" });
      // a barrier: a global job's event reaches both, after the one store 1 must not see
      const global = await newJob('Global barrier');
      await t.admin(PAUSE, { id: global });
      await waitFor(() => store1.received.length === 1 && store2.received.length === 2, { what: 'the global event on both' });
      expect(store1.received.map((event) => event.jobId)).toEqual([global]);
    } finally {
      await store1.client.close();
      await store2.client.close();
    }
  });
});
