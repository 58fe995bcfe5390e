/**
 * Raises or lowers the idle flag (`dispatch_wakeup.idle`): writers NOTIFY only while it is raised. Written only
 * when it changes, so an idle instance's safety poll costs no write.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';

const SET_IDLE_FLAG_SQL = prepared('jobout_set_idle_flag', 'update dispatch_wakeup set idle = $1 where id = 1 and idle is distinct from $1');

export async function setIdleFlag(sql: SqlRunner, raised: boolean): Promise<void> {
  await sql.query(SET_IDLE_FLAG_SQL, [raised]);
}
