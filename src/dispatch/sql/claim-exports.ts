/**
 * Claims exports for sending in one statement: SKIP LOCKED picks rows no other instance holds, and each claimed
 * row gets a fresh lease token, a lease end (see `leaseMs`) and its attempt number. Nothing is held open while
 * the request is in flight.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';
import type { AuthType } from '../../domain/entities/client-connection';
import type { HttpMethod } from '../../domain/entities/export-job';

/** Time to record the outcome after the deadline has passed. */
export const LEASE_MARGIN_MS = 5_000;

/**
 * A lease outlives the attempt: its deadline twice (the OAuth token fetch shares it), once more for the time a
 * claimed export may wait in the instance's ready queue for a send slot (at most one send's deadline), plus a
 * margin.
 */
export const LEASE_DEADLINES = 3;
export const leaseMs = (attemptTimeoutMs: number) => LEASE_DEADLINES * attemptTimeoutMs + LEASE_MARGIN_MS;

export interface ClaimedExport {
  id: string;
  leaseToken: string;
  attempt: number;
  jobId: string;
  jobName: string;
  objectType: string;
  objectReference: string;
  triggerStatus: string;
  payload: string;
  httpMethod: HttpMethod;
  path: string;
  queryParams: { name: string; value: string }[];
  connection: {
    id: string;
    baseUrl: string;
    headers: { name: string; value: string }[];
    timeoutMs: number | null;
    authType: AuthType;
    tokenUrl: string | null;
    clientId: string | null;
    clientSecretEnc: string | null;
    username: string | null;
    passwordEnc: string | null;
    scope: string | null;
  };
}

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
  ), claimed as (
    update export e set state = 'SENDING', attempts = e.attempts + 1, lease_token = gen_random_uuid(),
                        lease_until = now() + ($4 * coalesce((select c.timeout_ms from export_job j join client_connection c on c.id = j.client_connection_id
                                                              where j.id = e.job_id), $1) + $2) * interval '1 millisecond',
                        next_attempt_at = null, updated_at = now()
    where e.id = any(array(select id from picked))
    returning e.id, e.lease_token, e.attempts, e.job_id, e.job_name, e.object_type, e.object_reference, e.trigger_status, e.payload
  )
  select cl.*, j.http_method, j.path, j.query_params, c.id as connection_id, c.base_url, c.headers, c.timeout_ms, c.auth_type,
         c.token_url, c.client_id, c.client_secret_enc, c.username, c.password_enc, c.scope
  from claimed cl join export_job j on j.id = cl.job_id join client_connection c on c.id = j.client_connection_id
`;
}
const CLAIM_PENDING = prepared('jobout_claim_pending', claimSql(`'PENDING'`));
const CLAIM_PENDING_AND_RETRIES = prepared('jobout_claim_pending_and_retries', claimSql(`'PENDING', 'RETRY_SCHEDULED'`));

type Row = Record<string, any>;
const parseJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

export async function claimExports(
  sql: SqlRunner,
  options: { states: ('PENDING' | 'RETRY_SCHEDULED')[]; limit: number; defaultTimeoutMs: number },
): Promise<ClaimedExport[]> {
  if (options.limit <= 0) return [];
  const statement = options.states.includes('RETRY_SCHEDULED') ? CLAIM_PENDING_AND_RETRIES : CLAIM_PENDING;
  const rows = await sql.query<Row>(statement, [options.defaultTimeoutMs, LEASE_MARGIN_MS, options.limit, LEASE_DEADLINES]);
  return rows.map((row) => ({
    id: row.id,
    leaseToken: row.lease_token,
    attempt: row.attempts,
    jobId: row.job_id,
    jobName: row.job_name,
    objectType: row.object_type,
    objectReference: row.object_reference,
    triggerStatus: row.trigger_status,
    payload: row.payload,
    httpMethod: row.http_method,
    path: row.path,
    queryParams: parseJson(row.query_params),
    connection: {
      id: row.connection_id,
      baseUrl: row.base_url,
      headers: parseJson(row.headers),
      timeoutMs: row.timeout_ms,
      authType: row.auth_type,
      tokenUrl: row.token_url,
      clientId: row.client_id,
      clientSecretEnc: row.client_secret_enc,
      username: row.username,
      passwordEnc: row.password_enc,
      scope: row.scope,
    },
  }));
}
