/**
 * The circuit breaker's probes (CONTRACT §11): for each SUSPENDED connection whose probe is due, its oldest parked
 * export (of a job not paused) is released to be sent, marked as the probe (the claim sends it despite the
 * suspension), and the next probe is due one retry interval later. Taking the connection row in a conditional
 * update lets every instance's sweeper run this: one probe per interval in all.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';

const RELEASE_PROBES_SQL = prepared('jobout_release_probes', `
  with due as (
    update client_connection set next_probe_at = now() + $1 * interval '1 millisecond'
    where state = 'SUSPENDED' and (next_probe_at is null or next_probe_at <= now())
    returning id
  ), probes as (
    select (select e.id from export e join export_job j on j.id = e.job_id
            where e.state = 'PAUSED' and not j.paused and j.client_connection_id = due.id
            order by e.created_at, e.status_change_id limit 1) as id
    from due
  )
  update export e set state = 'PENDING', probe = true, next_attempt_at = now(), updated_at = now()
  where e.id = any(array(select id from probes where id is not null)) and e.state = 'PAUSED'
  returning e.id`);

/** Returns the ids of the exports released as probes. */
export async function releaseProbes(sql: SqlRunner, intervalMs: number): Promise<string[]> {
  return (await sql.query<{ id: string }>(RELEASE_PROBES_SQL, [intervalMs])).map((row) => row.id);
}
