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
  ), settled as (
    update export e set
      -- a job deleted while its export was in flight: nothing is left to retry it for
      state = case when r.succeeded then 'SUCCEEDED' when e.job_id is null then 'CANCELLED' when e.attempts - e.retry_base > $2 then 'FAILED' else 'RETRY_SCHEDULED' end,
      next_attempt_at = case when r.succeeded or e.job_id is null or e.attempts - e.retry_base > $2 then null else r.finished_at + $3 * interval '1 millisecond' end,
      finished_at = case when r.succeeded or e.job_id is null or e.attempts - e.retry_base > $2 then r.finished_at end,
      lease_token = null, lease_until = null, last_http_status = r.http_status, last_error = r.error, updated_at = now()
    -- the lease token alone fences (it exists only while SENDING: export_lease_check), and naming no state keeps
    -- the planner off the partial index of leased exports, which it once scanned for every row
    from r where e.id = r.export_id and e.lease_token = r.lease_token
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
  )
  -- the job's owner stores and connection, looked up once per result (a deleted job: none)
  select s.id, s.state, s.attempts, s.next_attempt_at, s.job_id, s.job_name, s.object_type, s.object_reference, s.trigger_status,
         s.supplier_external_id, j.store_ids::text[] as job_store_ids, j.client_connection_id as connection_id,
         s.http_status, s.error, s.duration_ms, s.occurred_at
  from settled s left join export_job j on j.id = s.job_id`);

type Row = Record<string, any>;

export async function settleAttempts(sql: SqlRunner, results: AttemptResult[], retry: RetryPolicy): Promise<SettledExport[]> {
  if (results.length === 0) return [];
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
  return rows.map(settledExport);
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
