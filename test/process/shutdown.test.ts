/**
 * Graceful shutdown of a real process: SIGTERM stops claiming, /readyz answers 503, an in-flight send finishes
 * and is recorded, and the process exits 0. A send still held past the grace period is released.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { startInstance } from '../support/instance';
import { createJob, jobInput, createConnection } from '../support/fixtures';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { deferred, waitFor } from '../support/wait';

let t: TestGateway;
let sink: HttpSink;

beforeAll(async () => {
  t = await startTestGateway();
  await t.gateway.dispatcher.stop(); // only the processes under test send
  sink = await startHttpSink();
  const connectionId = await createConnection(t, 'Sink', sink.url);
  await createJob(t, jobInput(connectionId, { name: 'Shipped', triggerStatuses: ['SHIPPED'] }));
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('SIGTERM', () => {
  it('lets the in-flight send finish and record, answers 503 on /readyz meanwhile, and exits 0', async () => {
    const listeners = async () => (await t.db.query(`select 1 from pg_stat_activity where application_name = 'jobout-listener' and datname = current_database()`)).length;
    const listenersBefore = await listeners();
    const instance = await startInstance(t.db.url);
    const gate = deferred();
    sink.enqueue(reply.hold(gate.promise, reply.json(200, { ok: true })));
    await t.db.query(`insert into order_logistic (reference, status) values ('IN-FLIGHT', 'SHIPPED')`);
    await sink.waitForRequests(1, { timeoutMs: 10_000 });
    instance.child.kill('SIGTERM');
    await waitFor(async () => (await fetch(`${instance.url}/readyz`)).status === 503, { what: '/readyz 503 while draining' });
    gate.resolve();
    expect(await instance.exited).toBe(0);
    const [row] = await t.db.query<any>(`select state, attempts from export where object_reference = 'IN-FLIGHT'`);
    expect(row).toEqual({ state: 'SUCCEEDED', attempts: 1 });
    await waitFor(async () => (await listeners()) === listenersBefore, { what: 'the instance to close its listening connection' });
  });
});

describe('a send held past the grace period', () => {
  it('is released, due at once, and another instance delivers it', async () => {
    const gate = deferred();
    sink.enqueue(reply.hold(gate.promise, reply.status(200)));
    const before = sink.requests.length;
    t.gateway.dispatcher.start();
    await t.db.query(`insert into order_logistic (reference, status) values ('HELD', 'SHIPPED')`);
    await waitFor(() => sink.requests.length === before + 1);
    await t.gateway.dispatcher.stop(50);
    const [released] = await t.db.query<any>(`select state, attempts, lease_token from export where object_reference = 'HELD'`);
    expect(released).toEqual({ state: 'PENDING', attempts: 0, lease_token: null });
    gate.resolve();
    t.gateway.dispatcher.start();
    await waitFor(async () => (await t.db.query<any>(`select state from export where object_reference = 'HELD'`))[0].state === 'SUCCEEDED');
  });
});
