/**
 * Claims exports waiting in the database for sending, oldest first, in one statement: SKIP LOCKED picks rows no
 * other instance holds, and each claimed row gets a fresh lease token, a lease end (lease-budget.ts) and its
 * attempt number. Nothing is held open while the request is in flight.
 *
 * A picked export its job may no longer send (`jobMayExport`: its supplier left the job's stores, the job's
 * connection no longer covers it, or the job was deleted) is CANCELLED instead of claimed, with the reason. Such a
 * claim returns fewer exports than it picked, so the dispatcher may take it for the last; the rest wait for the
 * next wake-up or safety poll, which only costs latency, and only then. Likewise, one whose job was paused or whose
 * connection was suspended since it was recorded is parked PAUSED (CONTRACT §11), its attempts untouched; and of a
 * connection with a rate or concurrency limit, only as many as its bucket and free slots allow are claimed, the
 * rest left PENDING for a later claim (the safety poll comes every 250 ms).
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
  with throttled as materialized (
    -- connections at their rate or concurrency limit (CONTRACT §11): usually none, and then no row pays for it
    select array_agg(id) as ids from client_connection where throttled_until > now()
  ), picked as (
    select e.id from export e
    where e.state in (${states}) and e.next_attempt_at <= now()
      and ((select ids from throttled) is null
           or not exists (select 1 from export_job tj where tj.id = e.job_id and tj.client_connection_id = any((select ids from throttled)::uuid[])))
    order by e.next_attempt_at
    limit $3
    for update skip locked
  ), controls as materialized (
    -- whether any job is paused or any connection suspended or limited (CONTRACT §11): while none is (the
    -- default), no picked export pays for the checks below
    select exists (select 1 from export_job where paused)
        or exists (select 1 from client_connection where state = 'SUSPENDED' or max_requests_per_second is not null or max_concurrent_requests is not null) as present
  ), allowed as (
    -- parked rather than sent: its job was paused, or its connection suspended (but for the breaker's probe)
    select p.id, j.client_connection_id as connection_id, e.next_attempt_at, e.status_change_id, k.park, k.limited
    from picked p join export e on e.id = p.id join export_job j on j.id = e.job_id
    cross join lateral (
      select coalesce(bool_or(j.paused or (c.state = 'SUSPENDED' and not e.probe)), false) as park,
             coalesce(bool_or(c.max_requests_per_second is not null or c.max_concurrent_requests is not null), false) as limited
      from client_connection c where (select present from controls) and c.id = j.client_connection_id
    ) k
    where ${jobMayExport('j', 'e.supplier_external_id')}
  ), refused as (
    update export e set state = 'CANCELLED', next_attempt_at = null, finished_at = now(), updated_at = now(),
                        last_error = '${NO_LONGER_EXPORTED}'
    where e.id = any(array(select id from picked)) and e.id <> all(array(select id from allowed))
  ), parked as (
    update export e set state = 'PAUSED', next_attempt_at = null, probe = false, updated_at = now()
    where e.id = any(array(select id from allowed where park))
  ), limits as (
    -- the bucket refilled since it was last spent (one second's worth at most), and the sends in flight on every
    -- instance; the row lock makes concurrent claims of one limited connection take turns
    select c.id, c.max_requests_per_second as rps, c.max_concurrent_requests as concurrent,
           least(coalesce(c.max_requests_per_second, 0)::float8,
                 c.rate_tokens + coalesce(c.max_requests_per_second, 0) * extract(epoch from now() - coalesce(c.rate_refilled_at, now() - interval '1 second'))) as tokens,
           (select count(*) from export se join export_job sj on sj.id = se.job_id where se.state = 'SENDING' and sj.client_connection_id = c.id)::int as in_flight
    from client_connection c
    where c.id = any(array(select connection_id from allowed where limited and not park))
    for update of c
  ), ranked as (
    select a.id, a.connection_id, row_number() over (partition by a.connection_id order by a.next_attempt_at, a.status_change_id) as rank
    from allowed a where a.limited and not a.park
  ), within as (
    select r.id, r.connection_id from ranked r join limits l on l.id = r.connection_id
    where (l.rps is null or r.rank <= floor(l.tokens)) and (l.concurrent is null or r.rank <= l.concurrent - l.in_flight)
  ), spent as (
    update client_connection c set
      rate_tokens = l.tokens - n.sent, rate_refilled_at = now(), throttled_total = c.throttled_total + n.held,
      -- out of picks until a token is back (or, at the concurrency limit, for a moment: a send may end any time)
      throttled_until = case
        when l.rps is not null and l.tokens - n.sent < 1 then now() + (1 - (l.tokens - n.sent)) / l.rps * interval '1 second'
        when l.concurrent is not null and l.in_flight + n.sent >= l.concurrent then now() + interval '50 milliseconds'
      end
    from limits l cross join lateral (
      select count(*) filter (where w.id is not null)::int as sent, count(*) filter (where w.id is null)::int as held
      from ranked r left join within w on w.id = r.id where r.connection_id = l.id
    ) n
    where c.id = l.id
  ), claimed as (
    update export e set state = 'SENDING', attempts = e.attempts + 1, lease_token = gen_random_uuid(),
                        lease_until = now() + ($4 * coalesce((select c.timeout_ms from export_job j join client_connection c on c.id = j.client_connection_id
                                                              where j.id = e.job_id), $1) + $2) * interval '1 millisecond',
                        next_attempt_at = null, updated_at = now()
    where e.id = any(array(select id from allowed where not park and not limited union all select id from within))
    returning e.id, e.lease_token, e.attempts, e.job_id, e.job_name, e.object_type, e.object_reference, e.trigger_status, e.payload
  )
  -- oldest first: the dispatcher sends them in this order. Exports recorded in one round share their creation time,
  -- and so their due time once released from a pause; the change that made each tells them apart (an id would not).
  -- The pick itself follows the due index alone, so of more ties than one claim takes, which go first is the index's.
  select cl.*, ${JOB_SEND_JSON} as send from claimed cl join export_job j on j.id = cl.job_id join allowed a on a.id = cl.id
  order by a.next_attempt_at, a.status_change_id
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

/**
 * A claim counts the sends in flight from the exports being sent, as its snapshot shows them; but two claims of
 * one concurrency-limited connection take turns on the connection row, and the second's snapshot, taken before its
 * turn, misses what the first just claimed. So while any connection has a concurrency limit, claims lock those
 * connections first, in a transaction, and claim in a second statement whose snapshot is taken after the lock.
 * Without such a connection (the default) a claim is the one statement, after a look at whether one exists (a
 * claim takes up to 500 exports, so that round trip is a small share of each).
 */
const LOCK_CONCURRENCY_LIMITED = `select id from client_connection where max_concurrent_requests is not null order by id for no key update`;
const CONCURRENCY_LIMITS_EXIST = prepared('jobout_concurrency_limits_exist', `select exists (select 1 from client_connection where max_concurrent_requests is not null) as present`);

/** Claims up to `limit` exports in `states`; `defaultTimeoutMs` sizes the lease of connections without a deadline of their own. */
export async function claimExports(sql: SqlRunner, states: readonly ClaimableState[], limit: number, defaultTimeoutMs: number): Promise<ClaimedExport[]> {
  if (limit <= 0) return [];
  const statement = states.includes('RETRY_SCHEDULED') ? CLAIM_PENDING_AND_RETRIES_SQL : CLAIM_PENDING_SQL;
  const params = [defaultTimeoutMs, LEASE_MARGIN_MS, limit, LEASE_DEADLINES];
  const [{ present }] = await sql.query<{ present: boolean }>(CONCURRENCY_LIMITS_EXIST);
  const rows =
    present && sql.transaction
      ? await sql.transaction(async (tx) => {
          await tx.query(LOCK_CONCURRENCY_LIMITED);
          return tx.query<Row>(statement, params);
        })
      : await sql.query<Row>(statement, params);
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
