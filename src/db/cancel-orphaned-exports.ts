/**
 * Unsent exports whose job was deleted: nothing is left to send them for. Run by a job delete, in its
 * transaction, and by every sweep as a safety net (an export in flight during the delete may end up waiting again).
 */
export const CANCEL_ORPHANED_EXPORTS = `update export set state = 'CANCELLED', next_attempt_at = null, finished_at = now(), updated_at = now()
  where job_id is null and state in ('PENDING', 'RETRY_SCHEDULED', 'PAUSED')`;
