/**
 * Parked exports (state PAUSED, CONTRACT §11) released to be sent, oldest first: due at their creation time, so the
 * claim's order (by due time) is their age. Only those whose job is not paused and whose connection is ACTIVE: an
 * export waits while either holds it. Callers add `and j.id = $1` or `and c.id = $1`.
 */
export const RELEASE_PARKED_EXPORTS = `update export e set state = 'PENDING', next_attempt_at = e.created_at, updated_at = now()
  from export_job j join client_connection c on c.id = j.client_connection_id
  where e.state = 'PAUSED' and j.id = e.job_id and not j.paused and c.state = 'ACTIVE'`;
