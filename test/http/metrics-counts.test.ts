/**
 * The export gauges on a clock the test moves: work in progress is counted at every scrape, finished exports at
 * most once per FINISHED_COUNT_MAX_AGE_MS (their count scans a table that only grows).
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/db/orm';
import { FINISHED_COUNT_MAX_AGE_MS, Metrics } from '../../src/observability/metrics';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
let orm: MikroORM;
const clock = { now: 1_000_000 };
let counter = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await openOrm(db.url, { size: 2 });
});
afterAll(async () => {
  await orm?.close();
  await db?.drop();
});

async function exportIn(state: string): Promise<void> {
  await db.query(
    `insert into export (job_name, object_type, object_id, object_reference, trigger_status, status_change_id, payload, state, next_attempt_at, lease_token)
     values ('Job', 'ORDER', gen_random_uuid(), $1, 'SHIPPED', 1, '{}', $2, case when $2 in ('PENDING', 'RETRY_SCHEDULED') then now() + interval '1 hour' end,
             case when $2 = 'SENDING' then gen_random_uuid() end)`,
    [`REF-${++counter}`, state],
  );
}

const gauge = (text: string, state: string) => Number(text.split('\n').find((line) => line.startsWith(`jobout_exports{state="${state}"} `))!.split(' ')[1]);

describe('the export gauges', () => {
  it('count work in progress at every scrape, and finished exports at most once per period', async () => {
    const metrics = new Metrics(orm, () => clock.now);
    await exportIn('SUCCEEDED');
    let text = await metrics.scrape();
    expect([gauge(text, 'SUCCEEDED'), gauge(text, 'PENDING')]).toEqual([1, 0]);

    await exportIn('SUCCEEDED');
    await exportIn('FAILED');
    await exportIn('PENDING');
    await exportIn('SENDING');
    await exportIn('PAUSED');
    clock.now += FINISHED_COUNT_MAX_AGE_MS - 1;
    text = await metrics.scrape();
    expect([gauge(text, 'SUCCEEDED'), gauge(text, 'FAILED'), gauge(text, 'PENDING'), gauge(text, 'SENDING'), gauge(text, 'PAUSED')]).toEqual([1, 0, 1, 1, 1]);

    clock.now += 1;
    text = await metrics.scrape();
    expect([gauge(text, 'SUCCEEDED'), gauge(text, 'FAILED'), gauge(text, 'PENDING'), gauge(text, 'SENDING')]).toEqual([2, 1, 1, 1]);
  });
});

describe('the per-job and per-connection series', () => {
  const settled = (jobId: string, connectionId: string) => ({ state: 'SUCCEEDED', durationMs: 20, jobId, connectionId }) as never;
  const seriesOf = (text: string, id: string) => text.split('\n').filter((line) => line.includes(`"${id}"`));

  it('of deleted jobs and connections are dropped at the next count, those of live ones kept', async () => {
    const [{ id: connection }] = await db.query<{ id: string }>(`insert into client_connection (name, base_url) values ('Metrics ERP', 'http://erp.test') returning id`);
    const [{ id: job }] = await db.query<{ id: string }>(
      `insert into export_job (name, object_type, client_connection_id, trigger_statuses, http_method, path) values ('Metrics job', 'ORDER', $1, '{SHIPPED}', 'POST', '/o') returning id`,
      [connection],
    );
    const deletedJob = '00000000-0000-4000-8000-00000000dead';
    const deletedConnection = '00000000-0000-4000-8000-00000000dea0';
    const metrics = new Metrics(orm, () => clock.now);
    await metrics.scrape(); // the first count
    metrics.recordSettled([settled(job, connection), settled(deletedJob, deletedConnection)]);
    let text = await metrics.scrape();
    expect(seriesOf(text, deletedJob).length).toBeGreaterThan(0);
    expect(seriesOf(text, deletedConnection).length).toBeGreaterThan(0);

    clock.now += FINISHED_COUNT_MAX_AGE_MS;
    text = await metrics.scrape();
    expect(seriesOf(text, deletedJob)).toEqual([]);
    expect(seriesOf(text, deletedConnection)).toEqual([]);
    expect(seriesOf(text, job)).toEqual(expect.arrayContaining([`jobout_job_attempts_total{job_id="${job}",outcome="succeeded"} 1`, `jobout_job_send_duration_seconds_count{job_id="${job}"} 1`]));
    expect(seriesOf(text, connection)).toContain(`jobout_connection_attempts_total{connection_id="${connection}",outcome="succeeded"} 1`);
  });
});
