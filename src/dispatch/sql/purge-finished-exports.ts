/**
 * Retention (CONTRACT §11, JOBOUT_RETENTION_DAYS): finished exports older than the retention period lose their
 * payload and their attempts, a small batch per statement so that no lock is held for long and the dispatcher's
 * writes never queue behind a purge. The export row stays, marked `purged_at`: its id is the once-per-(job, object,
 * status) key, so a status reached again after the purge still fires nothing. SKIP LOCKED lets every instance's
 * sweeper run this.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';

/** Exports per statement: a purge holds their row locks for a few milliseconds. */
export const PURGE_BATCH = 500;
/** Statements per sweep at most: a backlog (the first purge of a large table) is worked off over several ticks. */
export const PURGE_BATCHES_PER_SWEEP = 20;

const PURGE_SQL = prepared('jobout_purge_finished_exports', `
  with old as (
    select id from export
    where finished_at < now() - $1 * interval '1 day' and purged_at is null
    order by finished_at
    limit $2
    for update skip locked
  ), attempts as (
    delete from export_attempt where export_id = any(array(select id from old))
  )
  update export e set payload = '', purged_at = now()
  where e.id = any(array(select id from old))
  returning e.id`);

/** Purges up to PURGE_BATCHES_PER_SWEEP batches; returns how many exports were purged. */
export async function purgeFinishedExports(sql: SqlRunner, retentionDays: number): Promise<number> {
  let purged = 0;
  for (let batch = 0; batch < PURGE_BATCHES_PER_SWEEP; batch++) {
    const rows = await sql.query(PURGE_SQL, [retentionDays, PURGE_BATCH]);
    purged += rows.length;
    if (rows.length < PURGE_BATCH) break;
  }
  return purged;
}
