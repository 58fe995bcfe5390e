/**
 * Records the outcome of finished attempts, a batch in one round trip. Every update is fenced by the lease
 * token: an instance whose lease expired (and was reclaimed) changes nothing, and its late result is kept as an
 * attempt marked stale. A failed attempt schedules the next one a fixed interval after it finished, or ends the
 * export FAILED once the retries of its current round are spent (`retry_base`: attempts made before an operator's
 * retryExport started a fresh round).
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';
import type { RetryPolicy } from '../../config';
import type { ExportState } from '../../domain/statuses';

export interface AttemptResult {
  exportId: string;
  leaseToken: string;
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  succeeded: boolean;
  httpStatus: number | null;
  excerpt: string | null;
  errorClass: string | null;
  error: string | null;
}

export interface SettledExport {
  id: string;
  state: ExportState;
  attempts: number;
  nextAttemptAt: Date | null;
  jobId: string | null;
  jobName: string;
  objectType: string;
  objectReference: string;
  triggerStatus: string;
  supplierExternalId: string | null;
  /** The job's owner stores (ids; empty: global), which decide with the supplier who may see the result. */
  jobStoreIds: string[];
  /** The job's connection now (null once the job is deleted): metrics count attempts per connection. */
  connectionId: string | null;
  /** Of the attempt just settled (the result feed and the metrics report it). */
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  occurredAt: Date;
}

const SETTLE_SQL = prepared('jobout_settle_attempts', `
  with r as (
    select * from json_to_recordset($1::json) as r(export_id uuid, lease_token uuid, attempt int, started_at timestamptz,
      finished_at timestamptz, duration_ms int, succeeded boolean, http_status int, excerpt text, error_class text, error text)
  ), breaker_candidates as (
    -- results of connections with a circuit breaker, or suspended (CONTRACT §11); while no connection has one (the
    -- default), the first condition, evaluated once, spares every result the lookups
    select r.export_id, r.succeeded, r.finished_at, c.id as connection_id
    from r join export e on e.id = r.export_id and e.lease_token = r.lease_token
    join export_job j on j.id = e.job_id join client_connection c on c.id = j.client_connection_id
    where (select exists (select 1 from client_connection where suspend_after_consecutive_failures is not null or state = 'SUSPENDED'))
      and (c.suspend_after_consecutive_failures is not null or c.state = 'SUSPENDED')
  ), breaker_rows as materialized (
    -- the connections locked, in id order (two settles never wait on each other crosswise), and read as they are
    -- now: a resume or another instance's settle committed while this statement waited counts
    select c.id, c.state, c.suspend_after_consecutive_failures, c.consecutive_failures, c.next_probe_at
    from client_connection c where c.id = any(array(select distinct connection_id from breaker_candidates))
    order by c.id for no key update
  ), breaker_results as (
    select x.export_id, x.succeeded, x.finished_at, x.connection_id, b.state as state_before,
           b.suspend_after_consecutive_failures as threshold, b.consecutive_failures as failures_before
    from breaker_candidates x join breaker_rows b on b.id = x.connection_id
  ), breaker_batches as (
    select connection_id, min(state_before) as state_before, min(threshold) as threshold, min(failures_before) as failures_before,
           max(finished_at) filter (where succeeded) as last_success, count(*) filter (where not succeeded) as failures
    from breaker_results group by connection_id
  ), breaker as (
    -- failures in a row after this batch: those since its last success, or added to the count before it
    select b.connection_id, b.state_before, f.failures_after,
           case when b.last_success is null and b.state_before = 'SUSPENDED' then true
                else b.threshold is not null and f.failures_after >= b.threshold end as suspended
    from breaker_batches b cross join lateral (
      select case when b.last_success is null then b.failures_before + b.failures
                  else (select count(*) from breaker_results x where x.connection_id = b.connection_id and not x.succeeded and x.finished_at > b.last_success) end::int as failures_after
    ) f
  ), settled as (
    update export e set
      -- a job deleted while its export was in flight: nothing is left to retry it for; a failure on a suspended
      -- connection parks it, its retries kept (a probe's failure uses none), at least one left
      state = case when r.succeeded then 'SUCCEEDED' when e.job_id is null then 'CANCELLED' when coalesce(b.suspended, false) then 'PAUSED'
                   when e.attempts - e.retry_base > $2 then 'FAILED' else 'RETRY_SCHEDULED' end,
      next_attempt_at = case when r.succeeded or e.job_id is null or coalesce(b.suspended, false) or e.attempts - e.retry_base > $2 then null
                             else r.finished_at + $3 * interval '1 millisecond' end,
      finished_at = case when r.succeeded or e.job_id is null then r.finished_at
                         when not coalesce(b.suspended, false) and e.attempts - e.retry_base > $2 then r.finished_at end,
      retry_base = case when r.succeeded or not coalesce(b.suspended, false) then e.retry_base
                        when e.probe then e.retry_base + 1 else greatest(e.retry_base, e.attempts - $2) end,
      probe = false,
      lease_token = null, lease_until = null, last_http_status = r.http_status, last_error = r.error, updated_at = now()
    -- the lease token alone fences (it exists only while SENDING: export_lease_check), and naming no state keeps
    -- the planner off the partial index of leased exports, which it once scanned for every row
    from r left join breaker_results br on br.export_id = r.export_id left join breaker b on b.connection_id = br.connection_id
    where e.id = r.export_id and e.lease_token = r.lease_token
    returning e.id, e.state, e.attempts, e.next_attempt_at, e.job_id, e.job_name, e.object_type, e.object_reference,
              e.trigger_status, e.supplier_external_id, r.http_status, r.error, r.duration_ms, r.finished_at as occurred_at,
              r.attempt, r.started_at, r.excerpt, r.error_class
  ), recorded as (
    -- a late result (its lease was reclaimed meanwhile) is kept too, marked stale
    insert into export_attempt (export_id, attempt, started_at, finished_at, duration_ms, http_status, response_excerpt, error_class, error, stale)
    select s.id, s.attempt, s.started_at, s.occurred_at, s.duration_ms, s.http_status, s.excerpt, s.error_class, s.error, false from settled s
    union all
    select r.export_id, r.attempt, r.started_at, r.finished_at, r.duration_ms, r.http_status, r.excerpt, r.error_class, r.error, true
    from r where r.export_id <> all (array(select id from settled))
  ), connections as (
    -- written only when something changed: a healthy connection's settles do not queue on its row
    update client_connection c set
      consecutive_failures = b.failures_after,
      state = case when b.suspended then 'SUSPENDED' else 'ACTIVE' end,
      suspended_at = case when not b.suspended then null when b.state_before = 'ACTIVE' then now() else c.suspended_at end,
      next_probe_at = case when not b.suspended then null
                           when b.state_before = 'ACTIVE' then now() + $3 * interval '1 millisecond'
                           else coalesce(c.next_probe_at, now() + $3 * interval '1 millisecond') end
    from breaker b where c.id = b.connection_id
      and (c.consecutive_failures <> b.failures_after or (c.state = 'SUSPENDED') <> b.suspended)
    returning c.id, c.name, c.store_ids::text[] as store_ids, b.state_before, c.state
  ), parked as (
    -- a connection just suspended: its waiting exports (other than this batch's, which were SENDING) park too
    update export e set state = 'PAUSED', next_attempt_at = null, updated_at = now()
    from export_job j join breaker b on b.connection_id = j.client_connection_id
    where b.suspended and b.state_before = 'ACTIVE' and e.job_id = j.id and e.state in ('PENDING', 'RETRY_SCHEDULED')
  ), released as (
    -- a connection recovered: its parked exports go, oldest first, but those of paused jobs
    update export e set state = 'PENDING', next_attempt_at = e.created_at, updated_at = now()
    from export_job j join breaker b on b.connection_id = j.client_connection_id
    where not b.suspended and b.state_before = 'SUSPENDED' and e.job_id = j.id and e.state = 'PAUSED' and not j.paused
  ), transitions as (
    select coalesce(json_agg(json_build_object('connectionId', id, 'connectionName', name, 'storeIds', store_ids, 'state', state)), '[]') as list
    from connections where state <> state_before
  )
  -- the job's owner stores and connection, looked up once per result (a deleted job: none)
  select s.id, s.state, s.attempts, s.next_attempt_at, s.job_id, s.job_name, s.object_type, s.object_reference, s.trigger_status,
         s.supplier_external_id, j.store_ids::text[] as job_store_ids, j.client_connection_id as connection_id,
         s.http_status, s.error, s.duration_ms, s.occurred_at, t.list as transitions
  from settled s left join export_job j on j.id = s.job_id cross join transitions t`);

/** A connection's breaker moved in a settle: SUSPENDED, or ACTIVE again. */
export interface ConnectionTransition {
  connectionId: string;
  connectionName: string;
  storeIds: string[];
  state: 'ACTIVE' | 'SUSPENDED';
}

type Row = Record<string, any>;

/** The settled exports, and the breaker transitions of their connections. */
export type SettledBatch = SettledExport[] & { transitions: ConnectionTransition[] };

export async function settleAttempts(sql: SqlRunner, results: AttemptResult[], retry: RetryPolicy): Promise<SettledBatch> {
  if (results.length === 0) return Object.assign([], { transitions: [] });
  const json = JSON.stringify(
    results.map((r) => ({
      export_id: r.exportId,
      lease_token: r.leaseToken,
      attempt: r.attempt,
      started_at: r.startedAt.toISOString(),
      finished_at: r.finishedAt.toISOString(),
      duration_ms: Math.round(r.durationMs),
      succeeded: r.succeeded,
      http_status: r.httpStatus,
      excerpt: r.excerpt,
      error_class: r.errorClass,
      error: r.error,
    })),
  );
  const rows = await sql.query<Row>(SETTLE_SQL, [json, retry.maxRetries, retry.intervalMs]);
  // every row carries the batch's breaker transitions; the first row's are the batch's
  return Object.assign(rows.map(settledExport), { transitions: (rows[0]?.transitions ?? []) as ConnectionTransition[] });
}

/** A row returning the SETTLE_SQL columns (also used for exports reclaimed after an expired lease). */
export function settledExport(row: Row): SettledExport {
  return {
    id: row.id,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at ? new Date(row.next_attempt_at) : null,
    jobId: row.job_id,
    jobName: row.job_name,
    objectType: row.object_type,
    objectReference: row.object_reference,
    triggerStatus: row.trigger_status,
    supplierExternalId: row.supplier_external_id,
    jobStoreIds: row.job_store_ids ?? [],
    connectionId: row.connection_id ?? null,
    httpStatus: row.http_status,
    error: row.error,
    durationMs: row.duration_ms,
    occurredAt: new Date(row.occurred_at),
  };
}
