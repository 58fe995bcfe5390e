/**
 * Reclaims exports whose lease ended while SENDING: the instance that claimed them died or hung before it could
 * record an outcome. That counts as an attempt (recorded with error class LEASE_EXPIRED), so a payload that
 * crashes its sender ends FAILED after the last retry instead of being resent forever; otherwise the export is
 * due again at once (the failure was ours, not the partner's). SKIP LOCKED lets every instance's sweeper run this.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';
import type { RetryPolicy } from '../../config';
import { settledExport, type SettledExport } from './settle-attempts';

export const LEASE_EXPIRED_ERROR = 'lease expired: the sending instance stopped before recording an outcome';

const RECLAIM_EXPIRED_LEASES_SQL = prepared('jobout_reclaim_expired_leases', `
  with expired as (
    select id, attempts, updated_at as claimed_at from export
    where state = 'SENDING' and lease_until < now()
    for update skip locked
  ), suspended as (
    -- on a connection suspended by its breaker, an expired lease parks the export, its retries kept (CONTRACT §11)
    select x.id from expired x join export e on e.id = x.id join export_job j on j.id = e.job_id
    join client_connection c on c.id = j.client_connection_id where c.state = 'SUSPENDED'
  ), reclaimed as (
    update export e set
      state = case when e.job_id is null then 'CANCELLED' when e.id in (select id from suspended) then 'PAUSED'
                   when e.attempts - e.retry_base > $1 then 'FAILED' else 'RETRY_SCHEDULED' end,
      next_attempt_at = case when e.job_id is null or e.id in (select id from suspended) or e.attempts - e.retry_base > $1 then null else now() end,
      finished_at = case when e.job_id is null then now() when e.id in (select id from suspended) then null when e.attempts - e.retry_base > $1 then now() end,
      -- a probe's attempt uses no retry; any other keeps at least one
      retry_base = case when e.id not in (select id from suspended) then e.retry_base when e.probe then e.retry_base + 1
                        else greatest(e.retry_base, e.attempts - $1) end,
      probe = false,
      lease_token = null, lease_until = null, last_http_status = null, last_error = $2, updated_at = now()
    from expired x where e.id = any(array(select id from expired)) and e.id = x.id
    returning e.id, e.state, e.attempts, e.next_attempt_at, e.job_id, e.job_name, e.object_type, e.object_reference,
              e.trigger_status, e.supplier_external_id, null::int as http_status, e.last_error as error,
              0 as duration_ms, now() as occurred_at
  ), recorded as (
    insert into export_attempt (export_id, attempt, started_at, finished_at, duration_ms, error_class, error)
    select x.id, x.attempts, x.claimed_at, now(), greatest(0, extract(epoch from now() - x.claimed_at) * 1000)::int, 'LEASE_EXPIRED', $2
    from expired x
  )
  select r.*, j.store_ids::text[] as job_store_ids, j.client_connection_id as connection_id
  from reclaimed r left join export_job j on j.id = r.job_id`);

/** The reclaimed exports, shaped like settled ones: the result feed and the metrics report them alike. */
export async function reclaimExpiredLeases(sql: SqlRunner, retry: RetryPolicy): Promise<SettledExport[]> {
  const rows = await sql.query(RECLAIM_EXPIRED_LEASES_SQL, [retry.maxRetries, LEASE_EXPIRED_ERROR]);
  return rows.map(settledExport);
}
