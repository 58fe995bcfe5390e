/**
 * Each of the dispatcher's statements on its own, on a real database with no dispatcher running (as graphile-worker
 * tests getJobs, failJobs and resetLockedAt): what it claims, writes and returns, and what it leaves alone. Time is
 * moved by writing the rows' timestamps, never waited for.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/db/orm';
import { sqlRunner, type SqlRunner } from '../../src/db/sql-runner';
import { exportIdFor } from '../../src/domain/export-identity';
import { leaseMs, RECORDING_CLAIM_MS } from '../../src/dispatch/lease-budget';
import { claimChanges } from '../../src/dispatch/sql/claim-changes';
import { claimExports } from '../../src/dispatch/sql/claim-exports';
import { insertExports, type ExportRow } from '../../src/dispatch/sql/insert-exports';
import { LEASE_EXPIRED_ERROR, reclaimExpiredLeases } from '../../src/dispatch/sql/reclaim-expired-leases';
import { releaseChanges } from '../../src/dispatch/sql/release-changes';
import { releaseExports } from '../../src/dispatch/sql/release-exports';
import { setIdleFlag } from '../../src/dispatch/sql/set-idle-flag';
import { settleAttempts, type AttemptResult } from '../../src/dispatch/sql/settle-attempts';
import { createTestDatabase, type TestDatabase } from '../support/database';

const RETRY = { maxRetries: 2, intervalMs: 60_000 };
const CONNECTION = '00000000-0000-4000-8000-0000000000c1';
const JOB = '00000000-0000-4000-8000-0000000000a1';
const SUPPLIER_JOB = '00000000-0000-4000-8000-0000000000a2';

let db: TestDatabase;
let orm: MikroORM;
let sql: SqlRunner;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await openOrm(db.url, { size: 2, dispatcher: true });
  sql = sqlRunner(orm);
  await db.query(`insert into client_connection (id, name, base_url, timeout_ms, headers) values ($1, 'Partner', 'http://partner.test/api', 2000, '[{"name":"x-tenant","value":"t1"}]')`, [CONNECTION]);
  // Jobs edited an hour ago: they see every change made since.
  await db.query(
    `insert into export_job (id, name, object_type, client_connection_id, trigger_statuses, http_method, path, updated_at)
     values ($1, 'All suppliers', 'ORDER', $3, '{SHIPPED}', 'POST', '/orders', now() - interval '1 hour'),
            ($2, 'Supplier A only', 'ORDER', $3, '{SHIPPED,COMPLETED}', 'PUT', '/a', now() - interval '1 hour')`,
    [JOB, SUPPLIER_JOB, CONNECTION],
  );
  await db.query(`insert into supplier (id, external_id, name) values ('00000000-0000-4000-8000-0000000000b1', 'SUP-A', 'A')`);
  await db.query(`insert into export_job_supplier (export_job_id, supplier_id) values ($1, '00000000-0000-4000-8000-0000000000b1')`, [SUPPLIER_JOB]);
});
afterAll(async () => {
  await orm?.close();
  await db?.drop();
});
beforeEach(async () => {
  await db.query('delete from status_change');
  await db.query('delete from export_attempt');
  await db.query('delete from export');
  await db.query('delete from order_line');
  await db.query('delete from order_logistic');
});

const order = (reference: string, status: string, supplier: string | null = null) =>
  db.query<{ id: string }>(`insert into order_logistic (reference, supplier_external_id, status) values ($1, $2, $3) returning id`, [reference, supplier, status]);
const outbox = () => db.query<{ object_reference: string; claimed_until: Date | null }>('select object_reference, claimed_until from status_change order by id');

function exportRow(id: string, reference: string, overrides: Partial<ExportRow> = {}): ExportRow {
  return {
    id, job_id: JOB, job_name: 'All suppliers', object_type: 'ORDER', object_id: '00000000-0000-4000-8000-000000000001', object_reference: reference,
    supplier_external_id: null, trigger_status: 'SHIPPED', status_change_id: '1', payload: `{"reference":"${reference}"}`, state: 'PENDING', last_error: null,
    lease_token: null, lease_ms: null, ...overrides,
  };
}

/** An export waiting in the database, due `dueInMs` from now (negative: overdue). */
async function waitingExport(reference: string, state: 'PENDING' | 'RETRY_SCHEDULED', dueInMs = -1, attempts = 0): Promise<string> {
  const id = exportIdFor(reference);
  await insertExports(sql, [exportRow(id, reference)], []);
  await db.query(`update export set state = $2, attempts = $3, next_attempt_at = now() + $4 * interval '1 millisecond' where id = $1`, [id, state, attempts, dueInMs]);
  return id;
}

describe('claimChanges', () => {
  it('claims the oldest changes up to the limit, for RECORDING_CLAIM_MS, with the jobs they match and the orders', async () => {
    await order('O-1', 'SHIPPED', 'SUP-A');
    await order('O-2', 'SHIPPED', 'SUP-B');
    await order('O-3', 'SHIPPED');
    const before = Date.now();
    const claimed = await claimChanges(sql, 2);
    expect(claimed.changes.map((c) => c.objectReference)).toEqual(['O-1', 'O-2']);
    const matched = claimed.matches.map((m) => [claimed.changes.find((c) => c.id === m.changeId)!.objectReference, m.jobId]);
    expect(matched.sort()).toEqual([['O-1', JOB], ['O-1', SUPPLIER_JOB], ['O-2', JOB]].sort());
    expect(claimed.jobs.map((j) => j.rule.name).sort()).toEqual(['All suppliers', 'Supplier A only']);
    expect(claimed.jobs.find((j) => j.rule.id === JOB)!.send).toMatchObject({ httpMethod: 'POST', path: '/orders', connection: { id: CONNECTION, baseUrl: 'http://partner.test/api', timeoutMs: 2000, headers: [{ name: 'x-tenant', value: 't1' }] } });
    expect(claimed.orders.map((o) => o.reference).sort()).toEqual(['O-1', 'O-2']);
    const until = new Date(claimed.claimed_until!).getTime();
    expect(until).toBeGreaterThanOrEqual(before + RECORDING_CLAIM_MS - 1_000);
    expect((await outbox()).map((r) => r.claimed_until !== null)).toEqual([true, true, false]);
  });

  it('skips changes another round holds, and claims them again once that claim has ended', async () => {
    await order('O-1', 'SHIPPED');
    expect((await claimChanges(sql, 10)).changes).toHaveLength(1);
    expect((await claimChanges(sql, 10)).changes).toHaveLength(0);
    await db.query(`update status_change set claimed_until = now() - interval '1 millisecond'`);
    expect((await claimChanges(sql, 10)).changes.map((c) => c.objectReference)).toEqual(['O-1']);
  });

  it('matches no job edited after the change (no backfill), and no job of another status', async () => {
    await order('O-1', 'COMPLETED', 'SUP-A');
    await db.query(`update status_change set changed_at = now() - interval '2 hours'`);
    const claimed = await claimChanges(sql, 10);
    expect(claimed.changes).toHaveLength(1);
    expect(claimed.matches).toEqual([]);
  });
});

describe('releaseChanges', () => {
  it('gives back the changes of a failed round, unless another round claimed them since', async () => {
    await order('O-1', 'SHIPPED');
    await order('O-2', 'SHIPPED');
    const claimed = await claimChanges(sql, 10);
    await db.query(`update status_change set claimed_until = now() + interval '1 hour' where object_reference = 'O-2'`);
    await releaseChanges(sql, claimed.changes.map((c) => c.id), claimed.claimed_until);
    expect((await outbox()).map((r) => [r.object_reference, r.claimed_until === null])).toEqual([['O-1', true], ['O-2', false]]);
  });
});

describe('insertExports', () => {
  it('inserts the exports and deletes their changes in one statement, returning the ids inserted', async () => {
    await order('O-1', 'SHIPPED');
    const claimed = await claimChanges(sql, 10);
    const ids = [exportIdFor('a'), exportIdFor('b')];
    const inserted = await insertExports(sql, [exportRow(ids[0], 'O-1'), exportRow(ids[1], 'O-1', { state: 'FAILED', payload: '', last_error: 'payload could not be built' })], claimed.changes.map((c) => c.id));
    expect(inserted.map((row) => row.id).sort()).toEqual([...ids].sort());
    expect(await outbox()).toEqual([]);
    const rows = await db.query<any>('select id, state, attempts, next_attempt_at is not null as due, finished_at is not null as finished from export order by state');
    expect(rows).toEqual([
      { id: ids[1], state: 'FAILED', attempts: 0, due: false, finished: true },
      { id: ids[0], state: 'PENDING', attempts: 0, due: true, finished: false },
    ]);
  });

  it('inserts nothing for an id that exists (the dedupe key), and does not return it', async () => {
    const id = exportIdFor('same');
    expect(await insertExports(sql, [exportRow(id, 'O-1')], [])).toEqual([{ id, state: 'PENDING' }]);
    expect(await insertExports(sql, [exportRow(id, 'O-1', { payload: '{"changed":true}' })], [])).toEqual([]);
    expect(await db.query('select payload from export')).toEqual([{ payload: '{"reference":"O-1"}' }]);
  });

  it('inserts an export claimed as it is recorded SENDING, with its lease and its first attempt', async () => {
    const id = exportIdFor('claimed');
    await insertExports(sql, [exportRow(id, 'O-1', { state: 'SENDING', lease_token: '00000000-0000-4000-8000-00000000000f', lease_ms: leaseMs(2000) })], []);
    const [row] = await db.query<any>(`select state, attempts, lease_token, extract(epoch from lease_until - now()) * 1000 as lease_left from export`);
    expect(row).toMatchObject({ state: 'SENDING', attempts: 1, lease_token: '00000000-0000-4000-8000-00000000000f' });
    expect(Number(row.lease_left)).toBeGreaterThan(leaseMs(2000) - 1_000);
  });

  it('inserts PAUSED, unclaimed and not due, the exports of a paused job or a suspended connection (CONTRACT §11)', async () => {
    const claimed = { state: 'SENDING' as const, lease_token: '00000000-0000-4000-8000-00000000000f', lease_ms: leaseMs(2000) };
    try {
      await db.query('update export_job set paused = true where id = $1', [JOB]);
      expect(await insertExports(sql, [exportRow(exportIdFor('p1'), 'O-1', claimed), exportRow(exportIdFor('p2'), 'O-2')], [])).toEqual([
        { id: exportIdFor('p1'), state: 'PAUSED' },
        { id: exportIdFor('p2'), state: 'PAUSED' },
      ]);
      await db.query('update export_job set paused = false where id = $1', [JOB]);
      await db.query(`update client_connection set state = 'SUSPENDED' where id = $1`, [CONNECTION]);
      expect(await insertExports(sql, [exportRow(exportIdFor('p3'), 'O-3', claimed)], [])).toEqual([{ id: exportIdFor('p3'), state: 'PAUSED' }]);
      const rows = await db.query<any>(`select state, attempts, lease_token, next_attempt_at from export order by object_reference`);
      expect(rows).toEqual(Array(3).fill({ state: 'PAUSED', attempts: 0, lease_token: null, next_attempt_at: null }));
      // a failed payload stays FAILED: parking is for exports that could be sent
      expect(await insertExports(sql, [exportRow(exportIdFor('p4'), 'O-4', { state: 'FAILED', payload: '', last_error: 'x' })], [])).toEqual([{ id: exportIdFor('p4'), state: 'FAILED' }]);
    } finally {
      await db.query('update export_job set paused = false');
      await db.query(`update client_connection set state = 'ACTIVE'`);
    }
  });
});

describe('claimExports', () => {
  it('claims due PENDING exports oldest first, with a lease sized by the connection deadline and the job send', async () => {
    const later = await waitingExport('LATER', 'PENDING', -1);
    const older = await waitingExport('OLDER', 'PENDING', -1000);
    await waitingExport('NOT-YET', 'PENDING', 60_000);
    await waitingExport('RETRY', 'RETRY_SCHEDULED', -5000);
    const [first] = await claimExports(sql, ['PENDING'], 1, 10_000);
    expect(first.id).toBe(older);
    expect((await claimExports(sql, ['PENDING'], 10, 10_000)).map((c) => c.id)).toEqual([later]);
    expect(first).toMatchObject({ attempt: 1, httpMethod: 'POST', path: '/orders', payload: '{"reference":"OLDER"}', connection: { id: CONNECTION, timeoutMs: 2000, authType: 'NONE' } });
    const [row] = await db.query<any>(`select state, attempts, extract(epoch from lease_until - now()) * 1000 as lease_left from export where id = $1`, [older]);
    expect(row.state).toBe('SENDING');
    expect(Number(row.lease_left)).toBeGreaterThan(leaseMs(2000) - 1_000);
    expect(Number(row.lease_left)).toBeLessThanOrEqual(leaseMs(2000));
  });

  it("claims exports due at one instant in the order of their changes, not of their ids (a resumed job's, say)", async () => {
    // exports recorded in one round share created_at, and so their due time once released from a pause
    const references = ['SAME-1', 'SAME-2', 'SAME-3', 'SAME-4'];
    const byId = [...references].sort((a, b) => (exportIdFor(a) < exportIdFor(b) ? -1 : 1));
    // the changes in the reverse of the id order, so that an order by id would be wrong at every place
    const changeOf = new Map(byId.map((reference, i) => [reference, 100 - i]));
    const byChange = [...byId].reverse();
    await insertExports(sql, references.map((r) => exportRow(exportIdFor(r), r, { status_change_id: String(changeOf.get(r)) })), []);
    await db.query(`update export set next_attempt_at = now() - interval '1 second'`);

    // one send at a time (a partner that needs order): each claim takes the oldest change left
    await db.query('update client_connection set max_concurrent_requests = 1 where id = $1', [CONNECTION]);
    try {
      expect((await claimExports(sql, ['PENDING'], 10, 10_000)).map((c) => c.objectReference)).toEqual([byChange[0]]);
    } finally {
      await db.query('update client_connection set max_concurrent_requests = null, throttled_until = null where id = $1', [CONNECTION]);
    }
    // no limit: the rest at once, in the order the dispatcher sends them
    expect((await claimExports(sql, ['PENDING'], 10, 10_000)).map((c) => c.objectReference)).toEqual(byChange.slice(1));
  });

  it('claims due retries only when asked, and no more than the limit', async () => {
    await waitingExport('RETRY-1', 'RETRY_SCHEDULED', -2000, 1);
    await waitingExport('RETRY-2', 'RETRY_SCHEDULED', -1000, 1);
    expect(await claimExports(sql, ['PENDING'], 10, 10_000)).toEqual([]);
    const [claimed] = await claimExports(sql, ['PENDING', 'RETRY_SCHEDULED'], 1, 10_000);
    expect(claimed).toMatchObject({ objectReference: 'RETRY-1', attempt: 2 });
  });
});

const attemptResult = (claim: { id: string; leaseToken: string; attempt: number }, succeeded: boolean): AttemptResult => ({
  exportId: claim.id, leaseToken: claim.leaseToken, attempt: claim.attempt, startedAt: new Date(), finishedAt: new Date(), durationMs: 12,
  succeeded, httpStatus: succeeded ? 201 : 503, excerpt: succeeded ? 'ok' : 'down', errorClass: succeeded ? null : 'HTTP_STATUS', error: succeeded ? null : 'partner answered 503',
});

describe('settleAttempts', () => {
  it('ends a delivered export SUCCEEDED and schedules a failed one exactly one interval after the attempt', async () => {
    await waitingExport('OK', 'PENDING');
    await waitingExport('KO', 'PENDING');
    const [ok, ko] = await claimExports(sql, ['PENDING'], 10, 10_000);
    const failed = attemptResult(ko, false);
    const settled = await settleAttempts(sql, [attemptResult(ok, true), failed], RETRY);
    expect(settled.map((s) => [s.objectReference, s.state]).sort()).toEqual([['KO', 'RETRY_SCHEDULED'], ['OK', 'SUCCEEDED']]);
    expect(settled.find((s) => s.objectReference === 'KO')!.nextAttemptAt!.getTime()).toBe(failed.finishedAt.getTime() + RETRY.intervalMs);
    const attempts = await db.query<any>('select http_status, response_excerpt, stale from export_attempt order by http_status');
    expect(attempts).toEqual([{ http_status: 201, response_excerpt: 'ok', stale: false }, { http_status: 503, response_excerpt: 'down', stale: false }]);
  });

  it('ends an export FAILED once the retries of its round are spent', async () => {
    await waitingExport('LAST', 'RETRY_SCHEDULED', -1, RETRY.maxRetries);
    const [claim] = await claimExports(sql, ['RETRY_SCHEDULED'], 1, 10_000);
    const [settled] = await settleAttempts(sql, [attemptResult(claim, false)], RETRY);
    expect(settled).toMatchObject({ state: 'FAILED', attempts: RETRY.maxRetries + 1, nextAttemptAt: null });
  });

  it('changes nothing for a result under a lease that is no longer current, and keeps it as a stale attempt', async () => {
    await waitingExport('FENCED', 'PENDING');
    const [claim] = await claimExports(sql, ['PENDING'], 1, 10_000);
    await db.query(`update export set lease_token = gen_random_uuid() where id = $1`, [claim.id]);
    expect([...(await settleAttempts(sql, [attemptResult(claim, true)], RETRY))]).toEqual([]);
    expect(await db.query('select state from export')).toEqual([{ state: 'SENDING' }]);
    expect(await db.query('select stale from export_attempt')).toEqual([{ stale: true }]);
  });
});

describe('settleAttempts with a circuit breaker (CONTRACT §11)', () => {
  const breaker = async (threshold: number | null, state = 'ACTIVE', failures = 0) =>
    db.query(`update client_connection set suspend_after_consecutive_failures = $2, state = $3, consecutive_failures = $4 where id = $1`, [CONNECTION, threshold, state, failures]);
  afterEach(() => breaker(null));
  const connection = async () => (await db.query<any>('select state, consecutive_failures, suspended_at is not null as suspended, next_probe_at is not null as probe_due from client_connection where id = $1', [CONNECTION]))[0];

  it('suspends at the threshold: the failure parks instead of failing, keeping one attempt, and the waiting exports park too', async () => {
    await breaker(3, 'ACTIVE', 2);
    await waitingExport('LAST-RETRY', 'RETRY_SCHEDULED', -1, RETRY.maxRetries);
    await waitingExport('WAITING', 'RETRY_SCHEDULED', 60_000, 1);
    const [claim] = await claimExports(sql, ['RETRY_SCHEDULED'], 1, 10_000);
    const settled = await settleAttempts(sql, [attemptResult(claim, false)], RETRY);
    expect(settled.transitions).toEqual([{ connectionId: CONNECTION, connectionName: 'Partner', storeIds: [], state: 'SUSPENDED' }]);
    expect(await connection()).toEqual({ state: 'SUSPENDED', consecutive_failures: 3, suspended: true, probe_due: true });
    const rows = await db.query<any>('select object_reference, state, attempts, retry_base, finished_at is null as unfinished from export order by object_reference');
    expect(rows).toEqual([
      // one more attempt left, not FAILED for the outage
      { object_reference: 'LAST-RETRY', state: 'PAUSED', attempts: RETRY.maxRetries + 1, retry_base: 1, unfinished: true },
      { object_reference: 'WAITING', state: 'PAUSED', attempts: 1, retry_base: 0, unfinished: true },
    ]);
  });

  it("counts a probe's failure against no retry, and its success recovers the connection and releases what is parked", async () => {
    await breaker(3, 'SUSPENDED', 3);
    const probe = await waitingExport('PROBE', 'PENDING', -1, 1);
    await db.query(`update export set probe = true where id = $1`, [probe]);
    await waitingExport('PARKED', 'PENDING', -1, 0);
    await db.query(`update export set state = 'PAUSED', next_attempt_at = null where object_reference = 'PARKED'`);
    const claims = await claimExports(sql, ['PENDING'], 10, 10_000);
    expect(claims.map((c) => c.objectReference)).toEqual(['PROBE']); // a parked one is not claimed, the probe is
    const [failed] = await settleAttempts(sql, [attemptResult(claims[0], false)], RETRY);
    expect(failed).toMatchObject({ state: 'PAUSED', attempts: 2 });
    expect((await db.query<any>(`select retry_base, probe from export where id = $1`, [probe]))[0]).toEqual({ retry_base: 1, probe: false });
    expect((await connection()).state).toBe('SUSPENDED');

    await db.query(`update export set state = 'PENDING', probe = true, next_attempt_at = now() where id = $1`, [probe]);
    const [again] = await claimExports(sql, ['PENDING'], 10, 10_000);
    const recovered = await settleAttempts(sql, [attemptResult(again, true)], RETRY);
    expect(recovered.transitions).toEqual([expect.objectContaining({ state: 'ACTIVE' })]);
    expect(await connection()).toEqual({ state: 'ACTIVE', consecutive_failures: 0, suspended: false, probe_due: false });
    expect((await db.query<any>(`select state from export where object_reference = 'PARKED'`))[0].state).toBe('PENDING');
  });

  it('leaves connections without a breaker alone: no count kept, no transition', async () => {
    await waitingExport('PLAIN', 'PENDING');
    const [claim] = await claimExports(sql, ['PENDING'], 1, 10_000);
    const settled = await settleAttempts(sql, [attemptResult(claim, false)], RETRY);
    expect(settled.transitions).toEqual([]);
    expect(await connection()).toEqual({ state: 'ACTIVE', consecutive_failures: 0, suspended: false, probe_due: false });
  });
});

describe('reclaimExpiredLeases', () => {
  it('counts an expired lease as an attempt: due again at once, FAILED after the last retry, CANCELLED without a job', async () => {
    await waitingExport('AGAIN', 'PENDING');
    await waitingExport('LAST', 'RETRY_SCHEDULED', -1, RETRY.maxRetries);
    await waitingExport('ORPHAN', 'PENDING');
    await waitingExport('ALIVE', 'PENDING');
    await claimExports(sql, ['PENDING', 'RETRY_SCHEDULED'], 10, 10_000);
    await db.query(`update export set lease_until = now() - interval '1 millisecond' where object_reference <> 'ALIVE'`); // the clock moves past those leases
    await db.query(`update export set job_id = null where object_reference = 'ORPHAN'`);
    const reclaimed = await reclaimExpiredLeases(sql, RETRY);
    expect(reclaimed.map((r) => [r.objectReference, r.state]).sort()).toEqual([['AGAIN', 'RETRY_SCHEDULED'], ['LAST', 'FAILED'], ['ORPHAN', 'CANCELLED']]);
    expect(reclaimed.every((r) => r.error === LEASE_EXPIRED_ERROR)).toBe(true);
    const attempts = await db.query<any>(`select e.object_reference, a.error_class from export_attempt a join export e on e.id = a.export_id order by 1`);
    expect(attempts).toEqual([
      { object_reference: 'AGAIN', error_class: 'LEASE_EXPIRED' },
      { object_reference: 'LAST', error_class: 'LEASE_EXPIRED' },
      { object_reference: 'ORPHAN', error_class: 'LEASE_EXPIRED' },
    ]);
    expect(await reclaimExpiredLeases(sql, RETRY)).toEqual([]);
  });

  it('parks, retries kept, what expires on a connection its breaker suspended (CONTRACT §11)', async () => {
    await waitingExport('LAST', 'RETRY_SCHEDULED', -1, RETRY.maxRetries);
    await claimExports(sql, ['RETRY_SCHEDULED'], 10, 10_000);
    await db.query(`update client_connection set state = 'SUSPENDED' where id = $1`, [CONNECTION]);
    try {
      await db.query(`update export set lease_until = now() - interval '1 millisecond'`);
      const [reclaimed] = await reclaimExpiredLeases(sql, RETRY);
      expect(reclaimed.state).toBe('PAUSED');
      expect((await db.query<any>('select attempts - retry_base as used, finished_at from export'))[0]).toEqual({ used: RETRY.maxRetries, finished_at: null });
    } finally {
      await db.query(`update client_connection set state = 'ACTIVE' where id = $1`, [CONNECTION]);
    }
  });
});

describe("the sweep's safety net for parked exports", () => {
  it('releases, oldest first, the PAUSED exports that no pause and no suspension holds any more', async () => {
    const { RELEASE_UNHELD_PARKED_EXPORTS } = await import('../../src/db/parked-exports');
    const older = await waitingExport('OLDER', 'PENDING', -1000);
    const newer = await waitingExport('NEWER', 'PENDING', -1);
    await db.query(`update export set created_at = now() - interval '1 minute' where id = $1`, [older]);
    await db.query(`update export set state = 'PAUSED', next_attempt_at = null, probe = true`);
    await db.query('update export_job set paused = true where id = $1', [JOB]);
    expect(await sql.query(RELEASE_UNHELD_PARKED_EXPORTS)).toHaveLength(0); // the job is paused: both stay
    await db.query('update export_job set paused = false where id = $1', [JOB]);
    expect((await sql.query<{ id: string }>(RELEASE_UNHELD_PARKED_EXPORTS)).map((r) => r.id).sort()).toEqual([older, newer].sort());
    const claims = await claimExports(sql, ['PENDING'], 10, 10_000);
    expect(claims.map((c) => c.id)).toEqual([older, newer]);
    expect(await db.query('select distinct probe from export')).toEqual([{ probe: false }]);
  });
});

describe('releaseExports', () => {
  it('gives claims back due at once without counting the attempt, and leaves a claim under another lease alone', async () => {
    await waitingExport('FIRST', 'PENDING');
    await waitingExport('RETRY', 'RETRY_SCHEDULED', -1, 1);
    await waitingExport('TAKEN', 'PENDING');
    const claims = await claimExports(sql, ['PENDING', 'RETRY_SCHEDULED'], 10, 10_000);
    const taken = claims.find((c) => c.objectReference === 'TAKEN')!;
    await db.query(`update export set lease_token = gen_random_uuid() where id = $1`, [taken.id]);
    expect(await releaseExports(sql, claims)).toBe(2);
    const rows = await db.query<any>(`select object_reference, state, attempts, next_attempt_at <= now() as due from export order by 1`);
    expect(rows).toEqual([
      { object_reference: 'FIRST', state: 'PENDING', attempts: 0, due: true },
      { object_reference: 'RETRY', state: 'RETRY_SCHEDULED', attempts: 1, due: true },
      { object_reference: 'TAKEN', state: 'SENDING', attempts: 1, due: null },
    ]);
  });
});

describe('setIdleFlag', () => {
  it('raises and lowers the flag writers read', async () => {
    await setIdleFlag(sql, false);
    expect(await db.query('select idle from dispatch_wakeup')).toEqual([{ idle: false }]);
    await setIdleFlag(sql, true);
    expect(await db.query('select idle from dispatch_wakeup')).toEqual([{ idle: true }]);
  });
});
