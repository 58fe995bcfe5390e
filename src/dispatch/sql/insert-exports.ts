/**
 * The recording round's second statement: inserts the exports built from claimed changes and deletes those
 * changes from the outbox, all of it or none of it. An export's id is the digest of its dedupe key
 * (domain/export-identity.ts), so "once per job, object and status" is the primary key's rule: an export
 * recorded again (a round retried after its claim ended) is not inserted, and not returned.
 *
 * Exports claimed as they are recorded are inserted already SENDING, with their lease: no second write of each
 * row on the way to the partner. Those of a paused job or a suspended connection are inserted PAUSED instead
 * (CONTRACT §11): recorded, not attempted; those of a connection with limits are inserted PENDING, for the claim.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';

export interface ExportRow {
  id: string;
  job_id: string;
  job_name: string;
  object_type: string;
  object_id: string;
  object_reference: string;
  supplier_external_id: string | null;
  trigger_status: string;
  status_change_id: string;
  payload: string;
  state: 'PENDING' | 'SENDING' | 'FAILED';
  last_error: string | null;
  /** Only while SENDING. */
  lease_token: string | null;
  lease_ms: number | null;
}

const INSERT_EXPORTS_SQL = prepared('jobout_insert_exports', `
  with x as (
    select * from json_to_recordset($1::json) as x(id uuid, job_id uuid, job_name text, object_type text, object_id uuid, object_reference text,
                                                    supplier_external_id text, trigger_status text, status_change_id bigint,
                                                    payload text, state text, last_error text, lease_token uuid, lease_ms integer)
  ), held_jobs as (
    -- read here, at insert, not when the changes were matched: a pause committed meanwhile already holds. Jobs of
    -- a connection with a rate or concurrency limit are not claimed here: the claim statement spends its bucket.
    select j.id, (j.paused or c.state = 'SUSPENDED') as parked
    from export_job j join client_connection c on c.id = j.client_connection_id
    where (select exists (select 1 from export_job where paused)
                  or exists (select 1 from client_connection where state = 'SUSPENDED' or max_requests_per_second is not null or max_concurrent_requests is not null))
      and j.id = any(array(select distinct job_id from x))
      and (j.paused or c.state = 'SUSPENDED' or c.max_requests_per_second is not null or c.max_concurrent_requests is not null)
  ), rows as (
    select x.*, case when x.state in ('PENDING', 'SENDING') and h.parked then 'PAUSED'
                     when x.state = 'SENDING' and h.id is not null then 'PENDING'
                     else x.state end as final_state
    from x left join held_jobs h on h.id = x.job_id
  ), inserted as (
    insert into export (id, job_id, job_name, object_type, object_id, object_reference, supplier_external_id, trigger_status,
                        status_change_id, payload, state, next_attempt_at, last_error, finished_at,
                        attempts, lease_token, lease_until)
    select r.id, r.job_id, r.job_name, r.object_type, r.object_id, r.object_reference, r.supplier_external_id, r.trigger_status,
           r.status_change_id, r.payload, r.final_state,
           case when r.final_state = 'PENDING' then now() end, r.last_error, case when r.final_state = 'FAILED' then now() end,
           case when r.final_state = 'SENDING' then 1 else 0 end, case when r.final_state = 'SENDING' then r.lease_token end,
           case when r.final_state = 'SENDING' then clock_timestamp() + r.lease_ms * interval '1 millisecond' end
    from rows r
    on conflict (id) do nothing -- the id is the dedupe key's digest
    returning id, state
  ), recorded as (
    delete from status_change where id = any($2::bigint[])
  )
  select coalesce(json_agg(json_build_object('id', id, 'state', state)), '[]') as inserted from inserted`);

export interface InsertedExport {
  id: string;
  /** As inserted: one claimed at recording is PAUSED instead when its job is paused or its connection suspended, PENDING when its connection has limits. */
  state: 'PENDING' | 'SENDING' | 'PAUSED' | 'FAILED';
}

/** Returns the exports actually inserted, with the state each was inserted in. */
export async function insertExports(sql: SqlRunner, rows: ExportRow[], changeIds: string[]): Promise<InsertedExport[]> {
  const [{ inserted }] = await sql.query<{ inserted: InsertedExport[] }>(INSERT_EXPORTS_SQL, [JSON.stringify(rows), changeIds]);
  return inserted;
}
