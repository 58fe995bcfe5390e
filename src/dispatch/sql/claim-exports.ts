/**
 * Claims exports waiting in the database for sending, oldest first, in one statement: SKIP LOCKED picks rows no
 * other instance holds, and each claimed row gets a fresh lease token, a lease end (lease-budget.ts) and its
 * attempt number. Nothing is held open while the request is in flight.
 *
 * A picked export its job may no longer send (`jobMayExport`: its supplier left the job's stores, the job's
 * connection no longer covers it, or the job was deleted) is CANCELLED instead of claimed, with the reason. Such a
 * claim returns fewer exports than it picked, so the dispatcher may take it for the last; the rest wait for the
 * next wake-up or safety poll, which only costs latency, and only then. Likewise, one whose job was paused or whose
 * connection was suspended since it was recorded is parked PAUSED (CONTRACT §11), its attempts untouched.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';
import { JOB_SEND_JSON, type ClaimedExport, type JobSend } from '../claimed-export';
import { LEASE_DEADLINES, LEASE_MARGIN_MS } from '../lease-budget';
import { jobMayExport } from './job-tenancy';

/** Why an export was cancelled at claim time (a constant: it is part of the statement's text). */
export const NO_LONGER_EXPORTED = 'no longer exported: the job was deleted, its supplier left the job stores, or its connection no longer covers them';

/** PENDING: recorded beyond the room to claim them at once, or released; RETRY_SCHEDULED: due retries. */
export type ClaimableState = 'PENDING' | 'RETRY_SCHEDULED';

/**
 * The states are literals, not a parameter, so that even a generic plan can prove the partial index on due
 * exports applies (with a parameter it scanned every export ever sent). The pick reads that index alone and the
 * update finds its rows by primary key, so neither can turn into a scan when most exports are waiting (a burst).
 */
function claimSql(states: string): string {
  return `
  with picked as (
    select e.id from export e
    where e.state in (${states}) and e.next_attempt_at <= now()
    order by e.next_attempt_at
    limit $3
    for update skip locked
  ), allowed as (
    -- parked rather than sent: its job was paused, or its connection suspended (but for the breaker's probe)
    select p.id, (j.paused or (c.state = 'SUSPENDED' and not e.probe)) as park
    from picked p join export e on e.id = p.id join export_job j on j.id = e.job_id join client_connection c on c.id = j.client_connection_id
    where ${jobMayExport('j', 'e.supplier_external_id')}
  ), refused as (
    update export e set state = 'CANCELLED', next_attempt_at = null, finished_at = now(), updated_at = now(),
                        last_error = '${NO_LONGER_EXPORTED}'
    where e.id = any(array(select id from picked)) and e.id <> all(array(select id from allowed))
  ), parked as (
    update export e set state = 'PAUSED', next_attempt_at = null, updated_at = now()
    where e.id = any(array(select id from allowed where park))
  ), claimed as (
    update export e set state = 'SENDING', attempts = e.attempts + 1, lease_token = gen_random_uuid(),
                        lease_until = now() + ($4 * coalesce((select c.timeout_ms from export_job j join client_connection c on c.id = j.client_connection_id
                                                              where j.id = e.job_id), $1) + $2) * interval '1 millisecond',
                        next_attempt_at = null, updated_at = now()
    where e.id = any(array(select id from allowed where not park))
    returning e.id, e.lease_token, e.attempts, e.job_id, e.job_name, e.object_type, e.object_reference, e.trigger_status, e.payload
  )
  select cl.*, ${JOB_SEND_JSON} as send from claimed cl join export_job j on j.id = cl.job_id
`;
}
const CLAIM_PENDING_SQL = prepared('jobout_claim_exports_pending', claimSql(`'PENDING'`));
const CLAIM_PENDING_AND_RETRIES_SQL = prepared('jobout_claim_exports_pending_and_retries', claimSql(`'PENDING', 'RETRY_SCHEDULED'`));

interface Row {
  id: string;
  lease_token: string;
  attempts: number;
  job_id: string;
  job_name: string;
  object_type: string;
  object_reference: string;
  trigger_status: string;
  payload: string;
  send: JobSend;
}

/** Claims up to `limit` exports in `states`; `defaultTimeoutMs` sizes the lease of connections without a deadline of their own. */
export async function claimExports(sql: SqlRunner, states: readonly ClaimableState[], limit: number, defaultTimeoutMs: number): Promise<ClaimedExport[]> {
  if (limit <= 0) return [];
  const statement = states.includes('RETRY_SCHEDULED') ? CLAIM_PENDING_AND_RETRIES_SQL : CLAIM_PENDING_SQL;
  const rows = await sql.query<Row>(statement, [defaultTimeoutMs, LEASE_MARGIN_MS, limit, LEASE_DEADLINES]);
  return rows.map((row) => ({
    ...row.send,
    id: row.id,
    leaseToken: row.lease_token,
    attempt: row.attempts,
    jobId: row.job_id,
    jobName: row.job_name,
    objectType: row.object_type,
    objectReference: row.object_reference,
    triggerStatus: row.trigger_status,
    payload: row.payload,
  }));
}
