/** `GET /metrics`: Prometheus text without a token, with the documented metrics and plausible values. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, jobInput, createConnection } from '../support/fixtures';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

let t: TestGateway;
let sink: HttpSink;
let jobId: string;
let connectionId: string;

const insertOrder = (reference: string) => t.db.query(`insert into order_logistic (reference, status) values ($1, 'ORDER_CREATED')`, [reference]);
const stateOf = async (reference: string) => (await t.db.query<{ state: string }>('select state from export where object_reference = $1', [reference]))[0]?.state;

async function scrape(): Promise<string> {
  const response = await fetch(`${t.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample, e.g. `jobout_exports{state="SUCCEEDED"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  t = await startTestGateway();
  sink = await startHttpSink();
  connectionId = await createConnection(t, 'Sink', sink.url);
  jobId = (await createJob(t, jobInput(connectionId, { name: 'Created orders', triggerStatuses: ['ORDER_CREATED'] }))).id;
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('GET /metrics', () => {
  it('answers without a token, every metric present and zero before any work', async () => {
    const text = await scrape();
    for (const state of ['PENDING', 'SENDING', 'RETRY_SCHEDULED', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED']) expect(sample(text, `jobout_exports{state="${state}"}`)).toBe(0);
    expect(sample(text, 'jobout_suspended_connections')).toBe(0);
    expect(sample(text, 'jobout_export_attempts_total{outcome="succeeded"}')).toBe(0);
    expect(sample(text, 'jobout_export_attempts_total{outcome="failed"}')).toBe(0);
    expect(sample(text, 'jobout_send_duration_seconds_count')).toBe(0);
    expect(sample(text, 'jobout_outbox_lag_seconds')).toBe(0);
    expect(sample(text, 'jobout_due_retries')).toBe(0);
  });

  it('counts a delivered export: its state, its attempt and how long it took', async () => {
    await insertOrder('DELIVERED-1');
    await waitFor(async () => (await stateOf('DELIVERED-1')) === 'SUCCEEDED', { what: 'the export to succeed' });
    const text = await scrape();
    // (finished exports are counted at most once a minute: metrics-counts.test.ts)
    expect(sample(text, 'jobout_exports{state="PENDING"}')).toBe(0);
    expect(sample(text, 'jobout_exports{state="SENDING"}')).toBe(0);
    expect(sample(text, 'jobout_export_attempts_total{outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'jobout_export_attempts_total{outcome="failed"}')).toBe(0);
    expect(sample(text, 'jobout_send_duration_seconds_count')).toBe(1);
    const seconds = sample(text, 'jobout_send_duration_seconds_sum')!;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(10); // the attempt deadline
    expect(sample(text, 'jobout_send_duration_seconds_bucket{le="+Inf"}')).toBe(1);
    // per job and per connection, so an alert can name the failing partner
    expect(sample(text, `jobout_job_attempts_total{job_id="${jobId}",outcome="succeeded"}`)).toBe(1);
    expect(sample(text, `jobout_job_send_duration_seconds_count{job_id="${jobId}"}`)).toBe(1);
    expect(sample(text, `jobout_connection_attempts_total{connection_id="${connectionId}",outcome="succeeded"}`)).toBe(1);
    expect(sample(text, `jobout_connection_send_duration_seconds_count{connection_id="${connectionId}"}`)).toBe(1);
  });

  it("reports the process's own health: CPU, memory, event loop", async () => {
    const text = await scrape();
    for (const name of ['jobout_process_cpu_user_seconds_total', 'jobout_process_resident_memory_bytes', 'jobout_nodejs_eventloop_lag_seconds']) {
      expect(sample(text, name)).toBeGreaterThanOrEqual(0);
    }
  });

  it('reports a failed attempt, a due retry and the age of unprocessed status changes', async () => {
    sink.enqueue(reply.status(500));
    await insertOrder('FAILING-1');
    await waitFor(async () => (await stateOf('FAILING-1')) === 'RETRY_SCHEDULED', { what: 'the retry to be scheduled' });
    let text = await scrape();
    expect(sample(text, 'jobout_exports{state="RETRY_SCHEDULED"}')).toBe(1);
    expect(sample(text, 'jobout_export_attempts_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'jobout_due_retries')).toBe(0); // 15 minutes away

    // With the dispatcher stopped, nothing sends the retry or processes the outbox while we look.
    await t.gateway.dispatcher.stop();
    try {
      await t.db.query(`update export set next_attempt_at = now() where object_reference = 'FAILING-1'`);
      await insertOrder('WAITING-1');
      await waitFor(async () => (sample(await scrape(), 'jobout_outbox_lag_seconds') ?? 0) > 0, { what: 'a positive outbox lag' });
      text = await scrape();
      expect(sample(text, 'jobout_due_retries')).toBe(1);
      expect(sample(text, 'jobout_outbox_lag_seconds')).toBeLessThan(60);
    } finally {
      t.gateway.dispatcher.start();
    }
    await waitFor(async () => (await stateOf('WAITING-1')) === 'SUCCEEDED', { what: 'the outbox to drain once the dispatcher runs again' });
    expect(sample(await scrape(), 'jobout_outbox_lag_seconds')).toBe(0);
  });
});
