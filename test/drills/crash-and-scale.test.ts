/**
 * Fault drills with real processes on one database: a dispatcher killed mid-burst, three instances sharing a
 * burst, and every database connection terminated mid-burst. Nothing may be lost; a duplicate is allowed only
 * after a crash, and then with the same idempotency key.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createJob, jobInput, createConnection } from '../support/fixtures';
import { startHttpSink, type HttpSink, type Responder } from '../support/http-sink';
import { killInstance, startInstance, type Instance } from '../support/instance';
import { waitFor } from '../support/wait';

/** Short leases and a sweeper every second, so a crashed instance's work comes back within seconds. */
const FAST_RECOVERY = { JOBOUT_HTTP_TIMEOUT_MS: '1000', JOBOUT_SWEEP_CRON: '* * * * * *' };
const DRILL_TIMEOUT_MS = 60_000;

let t: TestGateway;
let sink: HttpSink;
let instances: Instance[] = [];
let batch = 0;

/** A partner that takes a few milliseconds, so a burst is still in flight when the drill strikes. */
const slowOk = (ms: number): Responder => (_request, res) => {
  setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), ms);
};

beforeAll(async () => {
  t = await startTestGateway();
  await t.gateway.sweeper.stop();
  await t.gateway.dispatcher.stop(); // only the instances under test work
  sink = await startHttpSink();
  const connectionId = await createConnection(t, 'Sink', sink.url);
  await createJob(t, jobInput(connectionId, { name: 'Created orders', triggerStatuses: ['ORDER_CREATED'] }));
});
afterEach(async () => {
  await Promise.all(instances.map(killInstance));
  instances = [];
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

async function start(env: Record<string, string> = {}): Promise<Instance> {
  const instance = await startInstance(t.db.url, { ...FAST_RECOVERY, ...env });
  instances.push(instance);
  return instance;
}

/** Seeds `count` orders and returns their references; the burst moves them all to ORDER_CREATED. */
async function seed(count: number): Promise<string[]> {
  const prefix = `D${++batch}-`;
  const rows = await t.db.query<{ reference: string }>(
    `insert into order_logistic (reference, supplier_external_id, status) select $1 || n, 'SUP-1', 'DRAFT_ORDER' from generate_series(1, $2) n returning reference`,
    [prefix, count],
  );
  return rows.map((row) => row.reference);
}

async function burst(references: string[]): Promise<void> {
  for (let i = 0; i < references.length; i += 100) {
    await t.db.query(`update order_logistic set status = 'ORDER_CREATED' where reference = any($1)`, [references.slice(i, i + 100)]);
  }
}

/** Deliveries per reference, and the idempotency keys each reference was sent with. */
function deliveries(references: string[]) {
  const wanted = new Set(references);
  const byReference = new Map<string, { count: number; keys: Set<string> }>();
  for (const request of sink.requests) {
    const reference = /"reference":"([^"]+)"/.exec(request.body)?.[1];
    if (!reference || !wanted.has(reference)) continue;
    const entry = byReference.get(reference) ?? { count: 0, keys: new Set<string>() };
    entry.count += 1;
    entry.keys.add(String(request.headers['idempotency-key']));
    byReference.set(reference, entry);
  }
  return byReference;
}

async function allSucceeded(references: string[]): Promise<boolean> {
  const [row] = await t.db.query<{ n: number }>(`select count(*)::int as n from export where object_reference = any($1) and state = 'SUCCEEDED'`, [references]);
  return row.n === references.length;
}

describe('drills', () => {
  it('kill -9 mid-burst: after a restart every change is delivered, duplicates only with the same idempotency key', async () => {
    sink.setDefault(slowOk(20));
    const references = await seed(2000);
    const first = await start();
    await burst(references);
    await waitFor(() => deliveries(references).size >= 300, { what: 'the burst under way', timeoutMs: DRILL_TIMEOUT_MS });
    await killInstance(first);
    const delivered = deliveries(references).size;
    expect(delivered).toBeLessThan(references.length); // the kill struck mid-burst
    await start();
    await waitFor(() => allSucceeded(references), { what: 'every export SUCCEEDED after the restart', timeoutMs: DRILL_TIMEOUT_MS });
    const seen = deliveries(references);
    expect(seen.size).toBe(references.length);
    for (const { keys } of seen.values()) expect(keys.size).toBe(1);
    const [exports] = await t.db.query<{ n: number }>('select count(*)::int as n from export where object_reference = any($1)', [references]);
    expect(exports.n).toBe(references.length);
  });

  it('three instances share a 3,000-change burst without a single duplicate', async () => {
    sink.setDefault(slowOk(1));
    const references = await seed(3000);
    await Promise.all([start(), start(), start()]);
    await burst(references);
    await waitFor(() => allSucceeded(references), { what: 'every export SUCCEEDED', timeoutMs: DRILL_TIMEOUT_MS });
    const seen = deliveries(references);
    expect(seen.size).toBe(references.length);
    expect([...seen.values()].filter((entry) => entry.count > 1)).toEqual([]);
  });

  it('survives every database connection being terminated mid-burst, and loses nothing', async () => {
    sink.setDefault(slowOk(5));
    const references = await seed(1000);
    const instance = await start();
    await burst(references);
    await waitFor(() => deliveries(references).size >= 200, { what: 'the burst under way', timeoutMs: DRILL_TIMEOUT_MS });
    await t.db.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
    await waitFor(() => allSucceeded(references), { what: 'every export SUCCEEDED after the connections were cut', timeoutMs: DRILL_TIMEOUT_MS });
    expect(instance.child.exitCode).toBeNull();
    await waitFor(async () => (await fetch(`${instance.url}/readyz`)).status === 200, { what: '/readyz 200 again' });
    for (const { keys } of deliveries(references).values()) expect(keys.size).toBe(1);
  });
});
