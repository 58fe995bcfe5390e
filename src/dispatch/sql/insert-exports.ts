/**
 * The recording round's second statement: inserts the exports built from claimed changes and deletes those
 * changes from the outbox, all of it or none of it. An export's id is the digest of its dedupe key
 * (domain/export-identity.ts), so "once per job, object and status" is the primary key's rule: an export
 * recorded again (a round retried after its claim ended) is not inserted, and not returned.
 *
 * Exports claimed as they are recorded are inserted already SENDING, with their lease: no second write of each
 * row on the way to the partner.
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
  with inserted as (
    insert into export (id, job_id, job_name, object_type, object_id, object_reference, supplier_external_id, trigger_status,
                        status_change_id, payload, state, next_attempt_at, last_error, finished_at,
                        attempts, lease_token, lease_until)
    select x.id, x.job_id, x.job_name, x.object_type, x.object_id, x.object_reference, x.supplier_external_id, x.trigger_status,
           x.status_change_id, x.payload, x.state,
           case when x.state = 'PENDING' then now() end, x.last_error, case when x.state = 'FAILED' then now() end,
           case when x.state = 'SENDING' then 1 else 0 end, x.lease_token,
           case when x.state = 'SENDING' then clock_timestamp() + x.lease_ms * interval '1 millisecond' end
    from json_to_recordset($1::json) as x(id uuid, job_id uuid, job_name text, object_type text, object_id uuid, object_reference text,
                                          supplier_external_id text, trigger_status text, status_change_id bigint,
                                          payload text, state text, last_error text, lease_token uuid, lease_ms integer)
    on conflict (id) do nothing -- the id is the dedupe key's digest
    returning id
  ), recorded as (
    delete from status_change where id = any($2::bigint[])
  )
  select coalesce(json_agg(id), '[]') as inserted from inserted`);

/** Returns the ids of the exports actually inserted. */
export async function insertExports(sql: SqlRunner, rows: ExportRow[], changeIds: string[]): Promise<string[]> {
  const [{ inserted }] = await sql.query<{ inserted: string[] }>(INSERT_EXPORTS_SQL, [JSON.stringify(rows), changeIds]);
  return inserted;
}
