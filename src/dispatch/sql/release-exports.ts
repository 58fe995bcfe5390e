/**
 * Releases exports this instance claimed but will not send or finish: those that waited too long for a send
 * slot, and, at shutdown, the queued ones and those still in flight after the grace period. They are due at once
 * for any instance, and the unsent or unfinished attempt is not counted. The partner may still have received an
 * unfinished one; the resend carries the same idempotency key. Only rows still under the given lease change.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';

const RELEASE_EXPORTS_SQL = prepared('jobout_release_exports', `
  update export e set state = case when e.job_id is null then 'CANCELLED' when e.attempts - 1 = e.retry_base then 'PENDING' else 'RETRY_SCHEDULED' end,
    attempts = e.attempts - 1, next_attempt_at = case when e.job_id is null then null else now() end,
    finished_at = case when e.job_id is null then now() end, lease_token = null, lease_until = null, updated_at = now()
  from json_to_recordset($1::json) as c(id uuid, lease_token uuid)
  where e.id = c.id and e.lease_token = c.lease_token
  returning e.id`);

/** Returns how many were still held and so released. */
export async function releaseExports(sql: SqlRunner, claims: readonly { id: string; leaseToken: string }[]): Promise<number> {
  if (claims.length === 0) return 0;
  const rows = await sql.query(RELEASE_EXPORTS_SQL, [JSON.stringify(claims.map((claim) => ({ id: claim.id, lease_token: claim.leaseToken })))]);
  return rows.length;
}
