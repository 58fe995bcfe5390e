/**
 * What happens around failures: a failed attempt's schedule, changes committed while no dispatcher runs or
 * while the listener reconnects, jobs created later (no backfill), deleted jobs, and a settle from an instance
 * that lost its lease.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlRunner } from '../../src/db/sql-runner';
import { claimExports } from '../../src/dispatch/sql/claim-exports';
import { recordExports, recordingSteps, type RecordingSteps } from '../../src/dispatch/recorder';
import { settleAttempts } from '../../src/dispatch/sql/settle-attempts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { createJob, jobInput, createConnection } from '../support/fixtures';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

let t: TestGateway;
let sink: HttpSink;
let connectionId: string;
let counter = 0;
const next = (prefix: string) => `${prefix}-${++counter}`;
/** Record without claiming any of the new exports for sending. */
const NO_ROOM = { claim: 0, defaultTimeoutMs: 1_000 };
const requestsFor = (reference: string) => sink.requests.filter((request) => request.body.includes(`"${reference}"`));
const insertOrder = (reference: string, status: string) =>
  t.db.query(`insert into order_logistic (reference, supplier_external_id, status) values ($1, 'SUP-1', $2)`, [reference, status]);

beforeAll(async () => {
  t = await startTestGateway();
  sink = await startHttpSink();
  connectionId = await createConnection(t, 'Sink', sink.url);
  await createJob(t, jobInput(connectionId, { name: 'Created orders', triggerStatuses: ['ORDER_CREATED'] }));
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('a failed attempt', () => {
  it('is recorded and leaves the export RETRY_SCHEDULED exactly one interval (15 minutes) after it', async () => {
    const reference = next('FAIL');
    sink.enqueue(reply.status(503, 'partner down for maintenance'));
    await insertOrder(reference, 'ORDER_CREATED');
    const exportRow = async () => (await t.db.query<any>('select * from export where object_reference = $1', [reference]))[0];
    await waitFor(async () => (await exportRow())?.state === 'RETRY_SCHEDULED', { what: 'a scheduled retry' });
    const record = await exportRow();
    const [attempt] = await t.db.query<any>('select * from export_attempt where export_id = $1', [record.id]);
    expect(attempt).toMatchObject({ attempt: 1, http_status: 503, response_excerpt: 'partner down for maintenance', error_class: 'HTTP_STATUS', stale: false });
    expect(new Date(record.next_attempt_at).getTime() - new Date(attempt.finished_at).getTime()).toBe(15 * 60 * 1000);
    expect(record).toMatchObject({ attempts: 1, lease_token: null, last_http_status: 503 });
    const listed = await t.admin(`query { exports(filter: { state: RETRY_SCHEDULED }) { totalElements content { objectReference nextAttemptAt } } }`);
    expect(listed.exports.content).toContainEqual({ objectReference: reference, nextAttemptAt: new Date(record.next_attempt_at).toISOString() });
  });
});

describe('nothing is lost', () => {
  it('exports a change committed while no dispatcher runs once one starts', async () => {
    const reference = next('OFFLINE');
    await t.gateway.dispatcher.stop();
    try {
      await insertOrder(reference, 'ORDER_CREATED');
      expect(requestsFor(reference)).toHaveLength(0);
    } finally {
      t.gateway.dispatcher.start();
    }
    await waitFor(() => requestsFor(reference).length === 1, { what: 'the change committed while stopped' });
  });

  it('records a change claimed by an instance that stopped before recording it once the claim has ended, and only once', async () => {
    const reference = next('CLAIMED');
    const sql = sqlRunner(t.gateway.orm);
    await t.gateway.dispatcher.stop();
    try {
      await insertOrder(reference, 'ORDER_CREATED');
      const [change] = await t.db.query<any>('select * from status_change where object_reference = $1', [reference]);
      // Another instance claimed it (the first of its two statements) and died before the second.
      await t.db.query(`update status_change set claimed_until = now() + interval '1 hour' where id = $1`, [change.id]);
      expect(await recordExports(recordingSteps(sql), 100, NO_ROOM)).toMatchObject({ changes: 0, exports: 0 });
      await t.db.query(`update status_change set claimed_until = now() - interval '1 second' where id = $1`, [change.id]);
      expect(await recordExports(recordingSteps(sql), 100, NO_ROOM)).toMatchObject({ changes: 1, exports: 1 });
      // Its late second statement, or a claim that ran out mid-round, records the same change again: same export id.
      await t.db.query(
        `insert into status_change (id, object_type, object_id, object_reference, supplier_external_id, status, changed_at)
         overriding system value values ($1, $2, $3, $4, $5, $6, $7)`,
        [change.id, change.object_type, change.object_id, change.object_reference, change.supplier_external_id, change.status, change.changed_at],
      );
      // Even with room to claim it for sending, the conflicting export is neither inserted nor claimed.
      expect(await recordExports(recordingSteps(sql), 100, { claim: 5, defaultTimeoutMs: 1_000 })).toEqual({ changes: 1, exports: 0, claimed: [] });
      expect(await t.db.query('select 1 from status_change where object_reference = $1', [reference])).toHaveLength(0);
    } finally {
      t.gateway.dispatcher.start();
    }
    await waitFor(() => requestsFor(reference).length === 1, { what: 'the export sent' });
    expect(await t.db.query('select 1 from export where object_reference = $1', [reference])).toHaveLength(1);
  });

  it('gives the changes of a round that failed back at once, unless another round claimed them meanwhile', async () => {
    const reference = next('RELEASED');
    // The real database, with the insert of the exports failing (after `meanwhile` ran) like a lost connection.
    const failingInsert = (meanwhile: () => Promise<unknown>): RecordingSteps => ({
      ...recordingSteps(sqlRunner(t.gateway.orm)),
      insertExports: async () => {
        await meanwhile();
        throw new Error('connection lost');
      },
    });
    const claimedUntil = async () => (await t.db.query<any>('select claimed_until from status_change where object_reference = $1', [reference]))[0].claimed_until;
    await t.gateway.dispatcher.stop();
    try {
      await insertOrder(reference, 'ORDER_CREATED');
      await expect(recordExports(failingInsert(async () => {}), 100, NO_ROOM)).rejects.toThrow('connection lost');
      expect(await claimedUntil()).toBeNull();
      const otherClaim = new Date(Date.now() + 3_600_000);
      const takenOver = () => t.db.query(`update status_change set claimed_until = $2 where object_reference = $1`, [reference, otherClaim]);
      await expect(recordExports(failingInsert(takenOver), 100, NO_ROOM)).rejects.toThrow('connection lost');
      expect(await claimedUntil()).toEqual(otherClaim);
      await t.db.query(`update status_change set claimed_until = null where object_reference = $1`, [reference]);
    } finally {
      t.gateway.dispatcher.start();
    }
    await waitFor(() => requestsFor(reference).length === 1, { what: 'the export sent' });
  });

  it('recovers a killed listener connection; changes made meanwhile are exported', async () => {
    const ready = async () => (await fetch(`${t.url}/readyz`)).status;
    await t.db.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'jobout-listener' and datname = current_database()`);
    await waitFor(async () => !t.gateway.listener.connected, { what: 'the listener to notice' });
    const references = Array.from({ length: 20 }, () => next('GAP'));
    for (const reference of references) await insertOrder(reference, 'ORDER_CREATED');
    await waitFor(async () => (await ready()) === 200, { what: '/readyz back to 200', timeoutMs: 10_000 });
    await waitFor(() => references.every((reference) => requestsFor(reference).length === 1), { what: 'all 20 changes', timeoutMs: 10_000 });
    const listening = await t.db.query(`select 1 from pg_stat_activity where application_name = 'jobout-listener' and datname = current_database()`);
    expect(listening).toHaveLength(1);
  });

  it('does not backfill: a job sees only changes made after it was created', async () => {
    const before = next('BEFORE');
    const after = next('AFTER');
    await t.gateway.dispatcher.stop();
    try {
      await insertOrder(before, 'SHIPPED');
      await createJob(t, jobInput(connectionId, { name: 'Shipped orders', triggerStatuses: ['SHIPPED'] }));
    } finally {
      t.gateway.dispatcher.start();
    }
    await insertOrder(after, 'SHIPPED');
    await waitFor(() => requestsFor(after).length === 1);
    // recorded in id order: once AFTER is delivered, BEFORE's change (if one was recorded) is through the outbox
    expect(await t.db.query('select 1 from status_change where object_reference = $1', [before])).toHaveLength(0);
    expect(await t.db.query('select 1 from export where object_reference = $1', [before])).toHaveLength(0);
    expect(requestsFor(before)).toHaveLength(0);
  });
});

describe('deleting a job', () => {
  it('cancels its unsent exports', async () => {
    const job = await createJob(t, jobInput(connectionId, { name: 'Soon deleted', triggerStatuses: ['COMPLETED'] }));
    const reference = next('CANCEL');
    sink.enqueue(reply.status(500));
    await insertOrder(reference, 'COMPLETED');
    const state = async () => (await t.db.query<{ state: string; job_id: string | null }>('select state, job_id from export where object_reference = $1', [reference]))[0];
    await waitFor(async () => (await state())?.state === 'RETRY_SCHEDULED');
    await t.admin(`mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: job.id });
    expect(await state()).toEqual({ state: 'CANCELLED', job_id: null });
  });
});

describe('a settle by an instance that lost its lease', () => {
  it('changes nothing and is kept as a stale attempt', async () => {
    const reference = next('FENCE');
    await t.gateway.dispatcher.stop();
    try {
      await insertOrder(reference, 'ORDER_CREATED');
      const em = sqlRunner(t.gateway.orm);
      await recordExports(recordingSteps(em), 100, NO_ROOM);
      const [first] = await claimExports(em, ['PENDING'], 100, 1000);
      expect(first.objectReference).toBe(reference);
      // Instance A's lease expires; instance B reclaims the export (a new token) and delivers it.
      await t.db.query(`update export set state = 'PENDING', next_attempt_at = now(), lease_token = null, lease_until = null where id = $1`, [first.id]);
      const [second] = await claimExports(em, ['PENDING'], 1, 1000);
      expect(second.leaseToken).not.toBe(first.leaseToken);
      const result = (claim: typeof first, succeeded: boolean) => ({
        exportId: claim.id, leaseToken: claim.leaseToken, attempt: claim.attempt, startedAt: new Date(), finishedAt: new Date(), durationMs: 1,
        succeeded, httpStatus: succeeded ? 200 : 500, excerpt: null, errorClass: succeeded ? null : 'HTTP_STATUS', error: null,
      });
      const retry = { maxRetries: 5, intervalMs: 1000 };
      expect(await settleAttempts(em, [result(second, true)], retry)).toHaveLength(1);
      expect(await settleAttempts(em, [result(first, false)], retry)).toHaveLength(0);
      const [row] = await t.db.query<any>('select state, attempts from export where id = $1', [first.id]);
      expect(row).toEqual({ state: 'SUCCEEDED', attempts: 2 });
      const attempts = await t.db.query<any>('select attempt, stale, http_status from export_attempt where export_id = $1 order by id', [first.id]);
      expect(attempts).toEqual([
        { attempt: 2, stale: false, http_status: 200 },
        { attempt: 1, stale: true, http_status: 500 },
      ]);
    } finally {
      t.gateway.dispatcher.start();
    }
  });
});

describe('a job deleted while its export is in flight', () => {
  it('ends the export CANCELLED instead of retrying it for no job', async () => {
    const { deferred } = await import('../support/wait');
    const job = await createJob(t, jobInput(connectionId, { name: 'Deleted mid-send', triggerStatuses: ['INCIDENT'] }));
    const gate = deferred();
    sink.enqueue(reply.hold(gate.promise, reply.status(500)));
    const reference = next('MIDSEND');
    await insertOrder(reference, 'INCIDENT');
    await waitFor(() => requestsFor(reference).length === 1);
    await t.admin(`mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: job.id });
    gate.resolve();
    await waitFor(async () => (await t.db.query<{ state: string }>('select state from export where object_reference = $1', [reference]))[0].state === 'CANCELLED');
  });
});

describe('the payload of a status reached earlier', () => {
  it('carries the status that fired the export, even if the object moved on before the outbox was drained', async () => {
    await createJob(t, jobInput(connectionId, { name: 'Open incidents', objectType: 'INCIDENT', triggerStatuses: ['OPEN'], apiCall: { httpMethod: 'POST', path: '/incidents' } }));
    await t.gateway.dispatcher.stop();
    try {
      await t.db.query(`insert into incident (order_incident_id, status) values ('INC-MOVED', 'OPEN')`);
      await t.db.query(`update incident set status = 'CLOSED' where order_incident_id = 'INC-MOVED'`);
    } finally {
      t.gateway.dispatcher.start();
    }
    await waitFor(() => sink.requests.some((r) => r.body.includes('"INC-MOVED"')));
    expect(JSON.parse(sink.requests.find((r) => r.body.includes('"INC-MOVED"'))!.body).incidentStatus).toBe('OPEN');
  });
});

describe('a status change made while a job is being created', () => {
  it('waits for the job to commit and is then exported by it', async () => {
    const { Client } = await import('pg');
    const jobWriter = new Client({ connectionString: t.db.url });
    const orderWriter = new Client({ connectionString: t.db.url });
    await Promise.all([jobWriter.connect(), orderWriter.connect()]);
    const reference = next('RACE');
    await insertOrder(reference, 'DRAFT_ORDER');
    try {
      await jobWriter.query('begin');
      await jobWriter.query(
        `insert into export_job (name, object_type, client_connection_id, trigger_statuses, http_method, path, updated_at)
         values ('Created in a transaction', 'ORDER', $1, '{DECLINED_BY_CUSTOMER}', 'POST', '/race', now())`,
        [connectionId],
      );
      const orderPid = (await orderWriter.query('select pg_backend_pid() as pid')).rows[0].pid;
      const change = orderWriter.query(`update order_logistic set status = 'DECLINED_BY_CUSTOMER' where reference = $1`, [reference]);
      await waitFor(async () => (await t.db.query(`select 1 from pg_stat_activity where pid = $1 and wait_event_type = 'Lock'`, [orderPid])).length === 1, {
        what: 'the status change to wait for the job change',
      });
      await jobWriter.query('commit');
      await change;
    } finally {
      await Promise.all([jobWriter.end(), orderWriter.end()]);
    }
    await waitFor(() => sink.requests.some((r) => r.url === '/race' && r.body.includes(`"${reference}"`)), { what: 'the export by the job created meanwhile' });
  });
});

describe('a job edit while the order system keeps a write transaction open', () => {
  it('gives up after the lock timeout with CONFLICT instead of stalling the order writes queued behind it', async () => {
    const { Client } = await import('pg');
    const orderWriter = new Client({ connectionString: t.db.url });
    await orderWriter.connect();
    const reference = next('LONG');
    await insertOrder(reference, 'DRAFT_ORDER');
    try {
      await orderWriter.query('begin');
      await orderWriter.query(`update order_logistic set account_external_id = 'long-running' where reference = $1`, [reference]);
      const result = await t.gql(ADMIN_TOKEN, `mutation($input: ExportJobInput!) { createExportJob(input: $input) { id } }`, {
        input: jobInput(connectionId, { name: 'Waits for the order system', triggerStatuses: ['COMPLETED'] }),
      });
      expect(result.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    } finally {
      await orderWriter.query('rollback');
      await orderWriter.end();
    }
    const jobs = await t.db.query(`select 1 from export_job where name = 'Waits for the order system'`);
    expect(jobs).toHaveLength(0);
    await createJob(t, jobInput(connectionId, { name: 'Waits for the order system', triggerStatuses: ['COMPLETED'] }));
  });
});

describe('a job edit that changes the watched statuses', () => {
  it('does not wait for readers of the order table (only writers)', async () => {
    const { Client } = await import('pg');
    const reader = new Client({ connectionString: t.db.url });
    await reader.connect();
    try {
      await reader.query('begin');
      await reader.query('select count(*) from order_logistic'); // holds its read lock until the end of the transaction
      const job = await createJob(t, jobInput(connectionId, { name: 'Declined orders', triggerStatuses: ['DECLINED_BY_SUPPLIER'] }));
      expect(job.id).toBeTruthy();
      const [trigger] = await t.db.query<{ definition: string }>(
        `select pg_get_triggerdef(oid) as definition from pg_trigger where tgrelid = 'order_logistic'::regclass and tgname = 'order_logistic_status_changed'`,
      );
      expect(trigger.definition).toContain('DECLINED_BY_SUPPLIER');
    } finally {
      await reader.query('rollback');
      await reader.end();
    }
  });
});
