/**
 * Retention (CONTRACT §11): the sweeper deletes the payloads and attempts of exports finished longer ago than
 * JOBOUT_RETENTION_DAYS, in batches, and keeps the export rows, so that a status reached again after the purge still
 * fires nothing (the once-per-(job, object, status) rule); a purged FAILED export cannot be retried with no payload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURGE_BATCH } from '../../src/dispatch/sql/purge-finished-exports';
import { createConnection, createJob, jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

let t: TestGateway;
let partner: HttpSink;
let job: string;

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_RETENTION_DAYS: '30', JOBOUT_MAX_RETRIES: '0', JOBOUT_SWEEP_CRON: '0 0 1 1 *' });
  partner = await startHttpSink();
  partner.setDefault((request, res, counters) => (request.body.includes('"FAILS-') ? reply.status(500, 'no') : reply.json(200, { ok: true }))(request, res, counters));
  job = (await createJob(t, jobInput(await createConnection(t, 'Partner', partner.url), { name: 'Kept 30 days', triggerStatuses: ['SHIPPED'] }))).id;
});
afterAll(async () => {
  await partner?.close();
  await t?.close();
});

const setStatus = (reference: string, status: string) => t.admin(`mutation($input: OrderInput!) { upsertOrder(input: $input) { id } }`, { input: { reference, status } });
const exportOf = async (reference: string) => (await t.db.query<any>('select id, state, payload, purged_at, finished_at from export where object_reference = $1', [reference]))[0];
const attemptsOf = async (id: string) => (await t.db.query<{ n: number }>('select count(*)::int as n from export_attempt where export_id = $1', [id]))[0].n;
/** Ages a finished export by `days`, as if it had finished that long ago. */
const age = (id: string, days: number) => t.db.query(`update export set finished_at = now() - $2 * interval '1 day' where id = $1`, [id, days]);

describe('retention', () => {
  it('purges payloads and attempts past the period, keeps the rest, and the export still fires once only', async () => {
    await setStatus('OLD-1', 'SHIPPED');
    await setStatus('RECENT-1', 'SHIPPED');
    await waitFor(async () => (await exportOf('OLD-1'))?.state === 'SUCCEEDED' && (await exportOf('RECENT-1'))?.state === 'SUCCEEDED');
    const old = await exportOf('OLD-1');
    const recent = await exportOf('RECENT-1');
    await age(old.id, 31);
    await age(recent.id, 29);

    expect((await t.gateway.sweeper.sweep()).purged).toBe(1);
    expect(await exportOf('OLD-1')).toMatchObject({ state: 'SUCCEEDED', payload: '', purged_at: expect.any(Date) });
    expect(await attemptsOf(old.id)).toBe(0);
    expect((await exportOf('RECENT-1')).payload).not.toBe('');
    expect(await attemptsOf(recent.id)).toBe(1);
    const listed = await t.admin(`query($id: ID!) { export(id: $id) { payload purgedAt attempts { attempt } } }`, { id: old.id });
    expect(listed.export).toEqual({ payload: '', purgedAt: expect.any(String), attempts: [] });

    // SHIPPED reached again after the purge: nothing is sent (a barrier order is, after it)
    const sent = partner.requests.length;
    await setStatus('OLD-1', 'COMPLETED');
    await setStatus('OLD-1', 'SHIPPED');
    await setStatus('BARRIER-1', 'SHIPPED');
    await waitFor(async () => (await exportOf('BARRIER-1'))?.state === 'SUCCEEDED');
    expect(partner.requests.slice(sent).map((r) => JSON.parse(r.body).reference)).toEqual(['BARRIER-1']);
    expect(await t.db.query(`select count(*)::int as n from export where object_reference = 'OLD-1'`)).toEqual([{ n: 1 }]);
  });

  it('refuses to retry a purged FAILED export, and leaves it out of a bulk retry', async () => {
    await setStatus('FAILS-1', 'SHIPPED');
    await waitFor(async () => (await exportOf('FAILS-1'))?.state === 'FAILED');
    const failed = await exportOf('FAILS-1');
    await age(failed.id, 40);
    await t.gateway.sweeper.sweep();
    const answer = await t.admin(`mutation($filter: RetryExportsFilter!) { retryExports(filter: $filter, dryRun: true) }`, { filter: { jobId: job } });
    expect(answer.retryExports).toBe(0);
    const refused = await t.gql(ADMIN_TOKEN, `mutation($id: ID!) { retryExport(id: $id) { state } }`, { id: failed.id });
    expect(refused.errors![0]).toMatchObject({ message: expect.stringContaining('purged'), extensions: { code: 'INVALID_STATE' } });
  });

  it('works a backlog off in batches', async () => {
    await t.db.query(
      `insert into export (job_id, job_name, object_type, object_id, object_reference, trigger_status, status_change_id, payload, state, finished_at)
       select $1, 'Kept 30 days', 'ORDER', gen_random_uuid(), 'BULK-' || n, 'SHIPPED', 1, '{}', 'SUCCEEDED', now() - interval '60 days'
       from generate_series(1, $2::int) as n`,
      [job, PURGE_BATCH * 2 + 7],
    );
    expect((await t.gateway.sweeper.sweep()).purged).toBe(PURGE_BATCH * 2 + 7);
    expect(await t.db.query(`select count(*)::int as n from export where object_reference like 'BULK-%' and purged_at is null`)).toEqual([{ n: 0 }]);
  });
});
