/**
 * Gives claimed outbox rows back when their recording round failed, so the next round need not wait for the
 * claim to end; only those still held by that round (same `claimed_until`): after a slow failure another round
 * may have claimed them.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';

const RELEASE_CHANGES_SQL = prepared(
  'jobout_release_changes',
  `update status_change set claimed_until = null where id = any($1::bigint[]) and claimed_until = $2::timestamptz`,
);

export async function releaseChanges(sql: SqlRunner, changeIds: string[], claimedUntil: string | null): Promise<void> {
  await sql.query(RELEASE_CHANGES_SQL, [changeIds, claimedUntil]);
}
