/**
 * The seed's retry logic with a short interval (300 ms) and a seconds cron: fixed spacing, identical requests,
 * FAILED after the last retry, reclaimed leases, several sweepers, and the operator's retry tools. Where the
 * behaviour is about time, the test moves the clock (the export's due time) and sweeps itself instead of waiting
 * for the cron; one test keeps the cron in the loop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { startGateway, type Gateway } from '../../src/gateway';
import { silentLogger } from '../../src/logger';
import { sqlRunner } from '../../src/db/sql-runner';
import { claimExports } from '../../src/dispatch/sql/claim-exports';
import { recordExports, recordingSteps } from '../../src/dispatch/recorder';
import { ADMIN_TOKEN, SECRET_KEY, startTestGateway, type TestGateway } from '../support/gateway';
import { createJob, jobInput, createConnection } from '../support/fixtures';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

const INTERVAL_MS = 300;
let t: TestGateway;
let sink: HttpSink;
let connectionId: string;
let jobId: string;
let counter = 0;
const next = (prefix: string) => `${prefix}-${++counter}`;
const requestsFor = (reference: string) => sink.requests.filter((request) => request.body.includes(`"${reference}"`));
const insertOrder = (reference: string) => t.db.query(`insert into order_logistic (reference, supplier_external_id, status) values ($1, 'SUP-1', 'SHIPPED')`, [reference]);
const exportOf = async (reference: string) => (await t.db.query<any>('select * from export where object_reference = $1', [reference]))[0];
/** Failing answers for the exports of `reference`, then `then` for everything else. */
const failFor = (reference: string, times: number) => {
  let failures = 0;
  sink.setDefault((request, res, counters) => {
    const failing = request.body.includes(`"${reference}"`) && failures < times;
    if (failing) failures += 1;
    return (failing ? reply.status(500, 'try later') : reply.json(200, { ok: true }))(request, res, counters);
  });
};

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_RETRY_INTERVAL_MS: String(INTERVAL_MS), JOBOUT_SWEEP_CRON: '* * * * * *' });
  sink = await startHttpSink();
  connectionId = await createConnection(t, 'Sink', sink.url);
  jobId = (await createJob(t, jobInput(connectionId, { name: 'Shipped', triggerStatuses: ['SHIPPED'] }))).id;
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('the fixed retry schedule', () => {
  it('makes exactly 6 attempts, each due one interval after the last, against a partner that always fails, then FAILED', async () => {
    // The sweeps are this test's clock: each one finds the retry due once the clock has moved past it.
    await t.gateway.sweeper.stop();
    try {
      const reference = next('ALWAYS500');
      failFor(reference, Number.POSITIVE_INFINITY);
      await insertOrder(reference);
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        await waitFor(async () => (await exportOf(reference))?.attempts === attempt && (await exportOf(reference)).state === 'RETRY_SCHEDULED', { what: `attempt ${attempt} settled` });
        const scheduled = await exportOf(reference);
        const [last] = await t.db.query<any>('select finished_at from export_attempt where export_id = $1 and attempt = $2', [scheduled.id, attempt]);
        expect(new Date(scheduled.next_attempt_at).getTime() - new Date(last.finished_at).getTime()).toBe(INTERVAL_MS);
        await t.db.query(`update export set next_attempt_at = now() - interval '1 millisecond' where id = $1`, [scheduled.id]); // the clock moves on
        await t.gateway.sweeper.sweep();
      }
      await waitFor(async () => (await exportOf(reference))?.state === 'FAILED', { what: 'the export to fail after its last retry' });
      expect(requestsFor(reference).map((r) => r.headers['x-jobout-attempt'])).toEqual(['1', '2', '3', '4', '5', '6']);
      const attempts = await t.db.query<any>('select attempt from export_attempt where export_id = $1 order by attempt', [(await exportOf(reference)).id]);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await exportOf(reference)).toMatchObject({ state: 'FAILED', attempts: 6, next_attempt_at: null });
      // More sweeps send nothing more: a later export is delivered, the failed one stays at 6.
      await t.gateway.sweeper.sweep();
      const sentinel = next('SENTINEL');
      await insertOrder(sentinel);
      await waitFor(() => requestsFor(sentinel).length === 1);
      await t.gateway.sweeper.sweep();
      await waitFor(async () => (await exportOf(sentinel)).state === 'SUCCEEDED');
      expect(requestsFor(reference)).toHaveLength(6);
    } finally {
      t.gateway.sweeper.start('* * * * * *');
    }
  });

  it('ends SUCCEEDED after two failures with three identical requests', async () => {
    const reference = next('TWICE');
    failFor(reference, 2);
    await insertOrder(reference);
    await waitFor(async () => (await exportOf(reference))?.state === 'SUCCEEDED', { what: 'success on the third attempt', timeoutMs: 10_000 });
    const requests = requestsFor(reference);
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(requests.map((r) => r.headers['x-jobout-attempt'])).toEqual(['1', '2', '3']);
  });
});

describe('an expired lease', () => {
  it('is reclaimed once, counts as an attempt, and the export is sent again', async () => {
    const reference = next('CRASHED');
    sink.setDefault(reply.json(200, { ok: true }));
    await t.gateway.dispatcher.stop();
    try {
      await insertOrder(reference);
      const em = sqlRunner(t.gateway.orm);
      await recordExports(recordingSteps(em), 100, { claim: 0, defaultTimeoutMs: 1000 });
      const [claim] = await claimExports(em, ['PENDING'], 1, 1000);
      expect(claim.objectReference).toBe(reference);
      // The claiming instance "dies": its lease ends without an outcome.
      await t.db.query(`update export set lease_until = now() - interval '1 second' where id = $1`, [claim.id]);
      const [first, second] = [await t.gateway.sweeper.sweep(), await t.gateway.sweeper.sweep()];
      expect(first.reclaimed + second.reclaimed).toBe(1);
      const attempts = await t.db.query<any>('select attempt, error_class from export_attempt where export_id = $1', [claim.id]);
      expect(attempts).toEqual([{ attempt: 1, error_class: 'LEASE_EXPIRED' }]);
      expect(await exportOf(reference)).toMatchObject({ state: 'RETRY_SCHEDULED', attempts: 1 });
    } finally {
      t.gateway.dispatcher.start();
    }
    await waitFor(() => requestsFor(reference).length === 1, { timeoutMs: 5_000 });
    expect(requestsFor(reference)[0].headers['x-jobout-attempt']).toBe('2');
  });
});

describe('several instances sweeping at once', () => {
  let second: Gateway;
  beforeAll(async () => {
    await t.gateway.sweeper.stop(); // only the sweeps this test calls send the retries
    second = await startGateway(
      loadConfig({
        DATABASE_URL: t.db.url,
        PORT: '0',
        JOBOUT_ADMIN_TOKEN: ADMIN_TOKEN,
        JOBOUT_SECRET_KEY: SECRET_KEY,
        JOBOUT_ALLOW_PRIVATE_TARGETS: 'true',
        JOBOUT_RETRY_INTERVAL_MS: '60000',
        // Its own sweeper ticks once a year: only the sweeps this test calls send retries. With the default, a tick
        // at the turn of a minute sent some before the test had seen all 40 scheduled.
        JOBOUT_SWEEP_CRON: '0 0 1 1 *',
      }),
      silentLogger,
    );
  });
  afterAll(async () => {
    await second?.close();
    t.gateway.sweeper.start('* * * * * *');
  });

  it('send each due retry once', async () => {
    const references = Array.from({ length: 40 }, () => next('WAVE'));
    sink.setDefault((request, res, counters) => (references.some((r) => request.body.includes(`"${r}"`)) && request.headers['x-jobout-attempt'] === '1' ? reply.status(503) : reply.json(200, {}))(request, res, counters));
    for (const reference of references) await insertOrder(reference);
    const states = async () => t.db.query<{ state: string }>('select state from export where object_reference = any($1)', [references]);
    await waitFor(async () => (await states()).filter((s) => s.state === 'RETRY_SCHEDULED').length === 40, { what: '40 scheduled retries' });
    await t.db.query(`update export set next_attempt_at = now() where object_reference = any($1)`, [references]);
    await Promise.all([t.gateway.sweeper.sweep(), second.sweeper.sweep(), t.gateway.sweeper.sweep(), second.sweeper.sweep()]);
    await waitFor(async () => (await states()).every((s) => s.state === 'SUCCEEDED'), { what: 'every retry delivered', timeoutMs: 10_000 });
    for (const reference of references) expect(requestsFor(reference).map((r) => r.headers['x-jobout-attempt'])).toEqual(['1', '2']);
  });
});

describe('operator tools', () => {
  const RETRY = `mutation($id: ID!) { retryExport(id: $id) { id state } }`;

  async function failedExport(): Promise<{ id: string; reference: string }> {
    const reference = next('FAILED');
    await insertOrder(reference);
    await waitFor(async () => ['SUCCEEDED', 'FAILED'].includes((await exportOf(reference))?.state));
    const { id } = await exportOf(reference);
    await t.db.query(`update export set state = 'FAILED', finished_at = now() where id = $1`, [id]);
    return { id, reference };
  }

  it('retryExport gives a FAILED export one fresh round, even when called twice at once', async () => {
    sink.setDefault(reply.json(200, { ok: true }));
    const { id, reference } = await failedExport();
    const results = await Promise.all([t.gql(ADMIN_TOKEN, RETRY, { id }), t.gql(ADMIN_TOKEN, RETRY, { id })]);
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? r.data.retryExport.state).sort();
    expect(codes).toEqual(['INVALID_STATE', 'PENDING']);
    await waitFor(async () => (await exportOf(reference)).state === 'SUCCEEDED');
    expect(requestsFor(reference).map((r) => r.headers['x-jobout-attempt'])).toEqual(['1', '2']);
    expect(await exportOf(reference)).toMatchObject({ attempts: 2, retry_base: 1 });
  });

  it('retryExport refuses an export that did not fail, and an unknown one', async () => {
    sink.setDefault(reply.json(200, { ok: true }));
    const reference = next('OK');
    await insertOrder(reference);
    await waitFor(async () => (await exportOf(reference))?.state === 'SUCCEEDED');
    const refused = await t.gql(ADMIN_TOKEN, RETRY, { id: (await exportOf(reference)).id });
    expect(refused.errors![0].extensions?.code).toBe('INVALID_STATE');
    expect(refused.errors![0].message).toContain('SUCCEEDED');
    const unknown = await t.gql(ADMIN_TOKEN, RETRY, { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.errors![0].extensions?.code).toBe('NOT_FOUND');
  });

  it('retryExports queues the FAILED exports of a job in a time window and returns the count', async () => {
    sink.setDefault(reply.json(200, { ok: true }));
    const from = new Date().toISOString();
    const failed = [await failedExport(), await failedExport()];
    // a dry run counts them and changes nothing: the console shows this number before asking to confirm
    const counted = await t.admin(`mutation($filter: RetryExportsFilter!) { retryExports(filter: $filter, dryRun: true) }`, { filter: { jobId, from } });
    expect(counted.retryExports).toBe(2);
    expect((await Promise.all(failed.map((f) => exportOf(f.reference)))).map((e) => e.state)).toEqual(['FAILED', 'FAILED']);
    const result = await t.admin(`mutation($filter: RetryExportsFilter!) { retryExports(filter: $filter) }`, { filter: { jobId, from } });
    expect(result.retryExports).toBe(2);
    await waitFor(async () => (await Promise.all(failed.map((f) => exportOf(f.reference)))).every((e) => e.state === 'SUCCEEDED'));
    expect((await t.admin(`mutation($filter: RetryExportsFilter!) { retryExports(filter: $filter) }`, { filter: { jobId, from } })).retryExports).toBe(0);
  });

  it('lists the exports created in a time window, by reference across jobs', async () => {
    const older = await failedExport();
    const newer = await failedExport();
    await t.db.query(`update export set created_at = '2026-01-01T10:00:00Z' where id = $1`, [older.id]);
    await t.db.query(`update export set created_at = '2026-01-01T12:00:00Z' where id = $1`, [newer.id]);
    const list = async (filter: Record<string, unknown>) =>
      (await t.admin(`query($filter: ExportFilter) { exports(filter: $filter, size: 100) { content { objectReference } } }`, { filter })).exports.content.map((e: any) => e.objectReference);
    expect(await list({ from: '2026-01-01T09:00:00Z', to: '2026-01-01T11:00:00Z' })).toEqual([older.reference]);
    expect(await list({ from: '2026-01-01T12:00:00Z' })).toContain(newer.reference);
    expect(await list({ from: '2026-01-01T12:00:00Z' })).not.toContain(older.reference);
    expect(await list({ to: '2026-01-01T12:00:00Z', objectReference: newer.reference })).toEqual([]);
    expect(await list({ objectReference: newer.reference })).toEqual([newer.reference]);
    // the retry takes the same filter, so the console's Retry failed acts on the list it shows
    const count = async (filter: Record<string, unknown>) =>
      (await t.admin(`mutation($filter: RetryExportsFilter!) { retryExports(filter: $filter, dryRun: true) }`, { filter: { jobId, ...filter } })).retryExports;
    expect(await count({ createdFrom: '2026-01-01T09:00:00Z', createdTo: '2026-01-01T11:00:00Z' })).toBe(1);
    expect(await count({ objectReference: newer.reference })).toBe(1);
    expect(await count({ objectReference: newer.reference, createdTo: '2026-01-01T12:00:00Z' })).toBe(0);
  });

  it('shows each job\'s health', async () => {
    // A failure after the last success, held still: no sweeper sends its retry while the figures are compared.
    await t.gateway.sweeper.stop();
    const reference = next('STREAK');
    failFor(reference, 1);
    await insertOrder(reference);
    await waitFor(async () => (await exportOf(reference))?.state === 'RETRY_SCHEDULED');
    const health = await t.admin(`query($id: ID!) { exportJob(id: $id) { lastSuccessAt lastFailureAt consecutiveFailures failedExports } }`, { id: jobId });
    const [latest] = await t.db.query<any>(
      `select max(a.finished_at) filter (where a.error_class is null) as ok, max(a.finished_at) filter (where a.error_class is not null) as ko
       from export_attempt a join export e on e.id = a.export_id where e.job_id = $1 and not a.stale`,
      [jobId],
    );
    const [failed] = await t.db.query<any>(`select count(*)::int as n from export where job_id = $1 and state = 'FAILED'`, [jobId]);
    const [streak] = await t.db.query<any>(
      `select count(*)::int as n from export_attempt a join export e on e.id = a.export_id
       where e.job_id = $1 and not a.stale and a.error_class is not null and a.finished_at > $2`,
      [jobId, latest.ok],
    );
    expect(health.exportJob).toMatchObject({
      lastSuccessAt: new Date(latest.ok).toISOString(),
      lastFailureAt: new Date(latest.ko).toISOString(),
      failedExports: failed.n,
      consecutiveFailures: streak.n,
    });
    expect(streak.n).toBeGreaterThan(0);
    const listed = await t.admin(`{ exportJobs { content { id failedExports } } }`);
    expect(listed.exportJobs.content.find((j: { id: string }) => j.id === jobId).failedExports).toBe(failed.n);
    t.gateway.sweeper.start('* * * * * *');
  });
});
