/**
 * The circuit breaker (CONTRACT §11) against a partner in maintenance for longer than the seed's retries last:
 * after `suspendAfterConsecutiveFailures` failed attempts in a row the connection is SUSPENDED, its exports wait
 * PAUSED with their retries kept, one is sent as a probe every retry interval, and the first success (or
 * resumeClientConnection) makes it ACTIVE and sends everything parked, oldest first. Nothing is lost, nothing FAILED.
 *
 * Time is the test's: 2 retries, and the sweeper's ticks are run by the test (its cron never fires) after it moves
 * the next probe (or retry) to now, so a window of ten probe intervals takes milliseconds, with no sleep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFeed, type FeedClient } from '../support/feed-client';
import { createJob, createOperator, createStore, jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

const INTERVAL_MS = 60_000;
const MAX_RETRIES = 2;
const EVENTS = `subscription($id: ID) { operationalEvents(clientConnectionId: $id) { type connectionId connectionName detail } }`;
const CONNECTION = `query($id: ID!) { clientConnection(id: $id) { state suspendedAt suspendAfterConsecutiveFailures } }`;

let t: TestGateway;
let partner: HttpSink;
let inMaintenance = true;
let sequence = 0;

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_RETRY_INTERVAL_MS: String(INTERVAL_MS), JOBOUT_MAX_RETRIES: String(MAX_RETRIES), JOBOUT_SWEEP_CRON: '0 0 1 1 *' });
  partner = await startHttpSink();
  partner.setDefault((request, res, counters) => (inMaintenance ? reply.status(503, 'maintenance') : reply.json(200, { ok: true }))(request, res, counters));
  await createStore(t, 'STORE-1');
});
afterAll(async () => {
  await partner?.close();
  await t?.close();
});

async function breakerSetUp(name: string): Promise<{ connection: string; job: string; path: string }> {
  const path = `/${name}`;
  const connection = (
    await t.admin(`mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id suspendAfterConsecutiveFailures state } }`, {
      input: { name, baseUrl: partner.url, suspendAfterConsecutiveFailures: 3 },
    })
  ).createClientConnection;
  expect(connection).toMatchObject({ suspendAfterConsecutiveFailures: 3, state: 'ACTIVE' });
  const { id: job } = await createJob(t, jobInput(connection.id, { name: `${name} job`, triggerStatuses: ['SHIPPED'], apiCall: { httpMethod: 'POST', path } }));
  return { connection: connection.id, job, path };
}

const order = (reference: string) => t.admin(`mutation($input: OrderInput!) { upsertOrder(input: $input) { id } }`, { input: { reference, status: 'SHIPPED' } });
const exportsOf = (job: string) =>
  t.db.query<{ object_reference: string; state: string; attempts: number; retry_base: number }>(
    'select object_reference, state, attempts, retry_base from export where job_id = $1 order by created_at',
    [job],
  );
const requestsTo = (path: string) => partner.requests.filter((request) => request.url === path);

async function subscribeEvents(connection: string): Promise<{ client: FeedClient; events: any[] }> {
  const before = t.gateway.events.subscriberCount;
  const client = connectFeed(t.url, ADMIN_TOKEN);
  const { events } = client.subscribeRaw(EVENTS, { id: connection });
  await waitFor(() => t.gateway.events.subscriberCount === before + 1, { what: 'the operationalEvents subscription' });
  return { client, events };
}

/** The retry interval has passed for the connection's next probe; the probe is still due one interval after it. */
async function probeIntervalPassed(connection: string): Promise<void> {
  const [{ due }] = await t.db.query<{ due: number }>(`select extract(epoch from next_probe_at - now()) * 1000 as due from client_connection where id = $1`, [connection]);
  expect(Number(due)).toBeGreaterThan(INTERVAL_MS - 10_000); // one interval after the last probe, not sooner
  await t.db.query('update client_connection set next_probe_at = now() where id = $1', [connection]);
}

/** Suspends the connection of `setUp` with failing orders, all parked once it is. */
async function suspended(setUp: { connection: string; job: string }, references: string[]): Promise<void> {
  for (const reference of references) await order(reference);
  await waitFor(async () => (await t.admin(CONNECTION, { id: setUp.connection })).clientConnection.state === 'SUSPENDED', { what: 'the breaker to open' });
  await waitFor(async () => (await exportsOf(setUp.job)).every((e) => e.state === 'PAUSED'), { what: 'every export parked' });
}

describe('a connection with a circuit breaker', () => {
  it('parks its exports through a maintenance window longer than the retries, probes, and sends everything after it', async () => {
    inMaintenance = true;
    const setUp = await breakerSetUp('warehouse');
    const { client, events } = await subscribeEvents(setUp.connection);
    try {
      const references = Array.from({ length: 5 }, () => `MW-${++sequence}`);
      await suspended(setUp, references);
      const { clientConnection } = await t.admin(CONNECTION, { id: setUp.connection });
      expect(clientConnection.suspendedAt).not.toBeNull();
      await waitFor(() => events.length === 1, { what: 'CONNECTION_SUSPENDED' });
      expect(events[0]).toMatchObject({ type: 'CONNECTION_SUSPENDED', connectionId: setUp.connection, connectionName: 'warehouse' });

      // a change made while suspended is recorded PAUSED, not attempted
      const late = `MW-${++sequence}`;
      await order(late);
      await waitFor(async () => (await exportsOf(setUp.job)).some((e) => e.object_reference === late));
      expect((await exportsOf(setUp.job)).find((e) => e.object_reference === late)).toMatchObject({ state: 'PAUSED', attempts: 0 });

      // the window outlasts the seed's retries: ten probe intervals, one probe each, every export still parked
      for (let tick = 1; tick <= 10; tick++) {
        const sent = requestsTo(setUp.path).length;
        await probeIntervalPassed(setUp.connection);
        await t.gateway.sweeper.sweep();
        await waitFor(async () => requestsTo(setUp.path).length === sent + 1 && (await exportsOf(setUp.job)).every((e) => e.state === 'PAUSED'), { what: `probe ${tick}` });
      }
      const parked = await exportsOf(setUp.job);
      expect(parked.map((e) => e.state)).toEqual(Array(6).fill('PAUSED'));
      // retries kept: none has used more than the round allows, and the probes used none
      for (const e of parked) expect(e.attempts - e.retry_base, e.object_reference).toBeLessThanOrEqual(MAX_RETRIES);

      inMaintenance = false;
      await probeIntervalPassed(setUp.connection);
      await t.gateway.sweeper.sweep();
      await waitFor(async () => (await exportsOf(setUp.job)).every((e) => e.state === 'SUCCEEDED'), { what: 'everything sent after the window' });
      expect((await t.admin(CONNECTION, { id: setUp.connection })).clientConnection).toMatchObject({ state: 'ACTIVE', suspendedAt: null });
      await waitFor(() => events.length === 2, { what: 'CONNECTION_RECOVERED' });
      expect(events[1]).toMatchObject({ type: 'CONNECTION_RECOVERED', connectionId: setUp.connection });
      // every order arrived, once successfully each, and the parked ones oldest first after the probe
      const delivered = requestsTo(setUp.path)
        .slice(-6)
        .map((request) => JSON.parse(request.body).reference);
      expect([...delivered].sort()).toEqual([...references, late].sort());
      expect(await t.db.query(`select count(*)::int as n from export where job_id = $1 and state = 'FAILED'`, [setUp.job])).toEqual([{ n: 0 }]);
    } finally {
      await client.close();
    }
  });

  it('is resumed by an operator: ACTIVE again, its parked exports sent', async () => {
    inMaintenance = true;
    const setUp = await breakerSetUp('carrier');
    await suspended(setUp, [`RS-${++sequence}`, `RS-${++sequence}`, `RS-${++sequence}`]);
    const reader = await createOperator(t, 'READER', ['STORE-1']);
    expect((await t.gql(reader, `mutation($id: ID!) { resumeClientConnection(id: $id) { state } }`, { id: setUp.connection })).errors![0].extensions?.code).toBe('FORBIDDEN');

    inMaintenance = false;
    const { resumeClientConnection } = await t.admin(`mutation($id: ID!) { resumeClientConnection(id: $id) { state suspendedAt } }`, { id: setUp.connection });
    expect(resumeClientConnection).toEqual({ state: 'ACTIVE', suspendedAt: null });
    await waitFor(async () => (await exportsOf(setUp.job)).every((e) => e.state === 'SUCCEEDED'), { what: 'the parked exports sent' });
  });

  it('leaves the exports of a paused job parked when the connection recovers', async () => {
    inMaintenance = true;
    const setUp = await breakerSetUp('erp');
    await suspended(setUp, [`PJ-${++sequence}`, `PJ-${++sequence}`, `PJ-${++sequence}`]);
    await t.admin(`mutation($id: ID!) { pauseExportJob(id: $id) { paused } }`, { id: setUp.job });
    inMaintenance = false;
    await t.admin(`mutation($id: ID!) { resumeClientConnection(id: $id) { state } }`, { id: setUp.connection });
    expect((await exportsOf(setUp.job)).map((e) => e.state)).toEqual(['PAUSED', 'PAUSED', 'PAUSED']);
    await t.admin(`mutation($id: ID!) { resumeExportJob(id: $id) { paused } }`, { id: setUp.job });
    await waitFor(async () => (await exportsOf(setUp.job)).every((e) => e.state === 'SUCCEEDED'), { what: 'the exports sent once the job resumed' });
  });
});

describe('a connection without a breaker', () => {
  it('keeps the seed: retries, then FAILED', async () => {
    inMaintenance = true;
    const connection = (await t.admin(`mutation { createClientConnection(input: { name: "seed", baseUrl: "${partner.url}" }) { id suspendAfterConsecutiveFailures } }`)).createClientConnection;
    expect(connection.suspendAfterConsecutiveFailures).toBeNull();
    const { id: job } = await createJob(t, jobInput(connection.id, { name: 'seed job', triggerStatuses: ['SHIPPED'], apiCall: { httpMethod: 'POST', path: '/seed' } }));
    const reference = `SEED-${++sequence}`;
    await order(reference);
    for (let retry = 0; retry < MAX_RETRIES; retry++) {
      await waitFor(async () => (await exportsOf(job))[0]?.state === 'RETRY_SCHEDULED' && (await exportsOf(job))[0].attempts === retry + 1);
      await t.db.query('update export set next_attempt_at = now() where job_id = $1', [job]); // the retry interval has passed
      await t.gateway.sweeper.sweep();
    }
    await waitFor(async () => (await exportsOf(job))[0].state === 'FAILED', { what: 'the seed behaviour' });
    expect((await t.admin(CONNECTION, { id: connection.id })).clientConnection.state).toBe('ACTIVE');
  });
});
