/**
 * Alert targets (CONTRACT §11 `setAlertTarget`): operational events are POSTed as JSON to the target of the stores
 * that may see them, through the exports' sender and with their retry rules; a target sees only its stores' events.
 * The sweeper's ticks are run by the test (its cron never fires), after it moves a retry's due time to now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, createOperator, createStore, jobInput } from '../support/fixtures';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

const SET_TARGET = `mutation($input: AlertTargetInput!) { setAlertTarget(input: $input) { id clientConnectionId path storeExternalIds } }`;
const PAUSE = `mutation($id: ID!) { pauseExportJob(id: $id) { paused } }`;

let t: TestGateway;
let alerts: HttpSink;
let store1Admin: string;
let store2Admin: string;

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_MAX_RETRIES: '1', JOBOUT_RETRY_INTERVAL_MS: '60000', JOBOUT_SWEEP_CRON: '0 0 1 1 *' });
  alerts = await startHttpSink();
  await createStore(t, 'S1');
  await createStore(t, 'S2');
  store1Admin = await createOperator(t, 'ADMIN', ['S1']);
  store2Admin = await createOperator(t, 'ADMIN', ['S2']);
});
afterAll(async () => {
  await alerts?.close();
  await t?.close();
});

async function connectionOf(token: string, name: string): Promise<string> {
  const result = await t.gql(token, `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, { input: { name, baseUrl: `${alerts.url}/hooks` } });
  return result.data.createClientConnection.id;
}
const bodiesAt = (path: string) => alerts.requests.filter((request) => request.url === path).map((request) => JSON.parse(request.body));

describe('an alert target', () => {
  it("receives its stores' events as JSON, with an idempotency key, and is retried when the endpoint fails", async () => {
    const connection = await connectionOf(store1Admin, 'Alerts of S1');
    const target = await t.gql(store1Admin, SET_TARGET, { input: { clientConnectionId: connection, path: '/s1' } });
    expect(target.data.setAlertTarget).toMatchObject({ clientConnectionId: connection, path: '/s1', storeExternalIds: ['S1'] });
    const { id: job } = await createJob(t, jobInput(connection, { name: 'Job of S1' }), store1Admin);

    alerts.setDefault(reply.status(503, 'busy'));
    await t.gql(store1Admin, PAUSE, { id: job });
    await t.gateway.sweeper.sweep();
    await waitFor(() => bodiesAt('/hooks/s1').length === 1, { what: 'the first attempt' });
    const [delivery] = await t.db.query<any>(`select id, state, attempts from alert_delivery`);
    expect(delivery).toMatchObject({ state: 'PENDING', attempts: 1 });

    alerts.setDefault(reply.json(200, { ok: true }));
    await t.db.query(`update alert_delivery set next_attempt_at = now()`); // the retry interval has passed
    await t.gateway.sweeper.sweep();
    await waitFor(() => bodiesAt('/hooks/s1').length === 2, { what: 'the retry' });
    await waitFor(async () => (await t.db.query<any>(`select state from alert_delivery where id = $1`, [delivery.id]))[0].state === 'SUCCEEDED');
    const [body] = bodiesAt('/hooks/s1').slice(-1);
    expect(body).toMatchObject({ type: 'JOB_PAUSED', jobId: job, jobName: 'Job of S1', detail: expect.stringContaining('paused by') });
    expect(body).not.toHaveProperty('storeIds');
    const request = alerts.requests.filter((r) => r.url === '/hooks/s1').slice(-1)[0];
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': delivery.id, 'x-jobout-attempt': '2' });
  });

  it("does not receive another store's events, and replaces the target of the same stores when set again", async () => {
    const connection2 = await connectionOf(store2Admin, 'Alerts of S2');
    const first = (await t.gql(store2Admin, SET_TARGET, { input: { clientConnectionId: connection2, path: '/old' } })).data.setAlertTarget;
    const second = (await t.gql(store2Admin, SET_TARGET, { input: { clientConnectionId: connection2, path: '/s2' } })).data.setAlertTarget;
    expect(second.id).toBe(first.id);
    const { id: jobOf2 } = await createJob(t, jobInput(connection2, { name: 'Job of S2' }), store2Admin);
    await t.gql(store2Admin, PAUSE, { id: jobOf2 });
    await t.gateway.sweeper.sweep();
    await waitFor(() => bodiesAt('/hooks/s2').length === 1, { what: "store 2's event at its target" });
    expect(bodiesAt('/hooks/s1').map((b) => b.jobName)).not.toContain('Job of S2');
    expect(bodiesAt('/hooks/old')).toEqual([]);
    // each store lists only its own target
    const listed = await t.gql(store1Admin, `{ alertTargets { path storeExternalIds } }`);
    expect(listed.data.alertTargets).toEqual([{ path: '/s1', storeExternalIds: ['S1'] }]);
  });

  it('refuses a connection the caller cannot see like an unknown one, one it may not write, a READER, and a path that leaves the base URL', async () => {
    const connection2 = (await t.gql(store2Admin, `{ clientConnections { id } }`)).data.clientConnections[0].id;
    const invisible = await t.gql(store1Admin, SET_TARGET, { input: { clientConnectionId: connection2, path: '/x' } });
    const unknown = await t.gql(store1Admin, SET_TARGET, { input: { clientConnectionId: '00000000-0000-4000-8000-00000000dead', path: '/x' } });
    expect(invisible.errors![0].extensions?.code).toBe('NOT_FOUND');
    expect(invisible.errors![0].message.replace(connection2, 'ID')).toBe(unknown.errors![0].message.replace('00000000-0000-4000-8000-00000000dead', 'ID'));
    const reader = await createOperator(t, 'READER', ['S1']);
    expect((await t.gql(reader, SET_TARGET, { input: { clientConnectionId: connection2, path: '/x' } })).errors![0].extensions?.code).toBe('FORBIDDEN');
    const mine = (await t.gql(store1Admin, `{ clientConnections { id } }`)).data.clientConnections[0].id;
    // a connection the caller sees but may not write (global, or shared with another store) is not its to use
    for (const storeExternalIds of [[], ['S1', 'S2']]) {
      const shared = (await t.admin(`mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, { input: { name: `Shared ${storeExternalIds.length}`, baseUrl: `${alerts.url}/hooks`, storeExternalIds } })).createClientConnection.id;
      const refused = await t.gql(store1Admin, SET_TARGET, { input: { clientConnectionId: shared, path: '/x' } });
      expect(refused.errors![0].extensions?.code, JSON.stringify(storeExternalIds)).toBe('FORBIDDEN');
    }
    expect((await t.gql(store1Admin, `{ alertTargets { path } }`)).data.alertTargets).toEqual([{ path: '/s1' }]);
    const escaping = await t.gql(store1Admin, SET_TARGET, { input: { clientConnectionId: mine, path: '/%2e%2e/admin' } });
    expect(escaping.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'path' }] });
  });
});
