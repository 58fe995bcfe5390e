/**
 * The recording round's first statement: claims waiting outbox rows for RECORDING_CLAIM_MS and matches them
 * against the export jobs (CONTRACT §8.1), returning the matched jobs and the objects' current state, so that
 * payloads (built in code: mappings are code) need no further read.
 *
 * SKIP LOCKED keeps two instances claiming at once apart, never an `id > last_seen` cursor: ids commit out of
 * order. A claim is a time, not a lock: no transaction spans the round's two statements, and a claim whose
 * instance died ends by itself.
 */
import { prepared, type SqlRunner } from '../../db/sql-runner';
import { JOB_RULE_JSON, type JobRule } from '../../db/job-rules';
import { INCIDENT_SNAPSHOT_JSON, ORDER_SNAPSHOT_JSON } from '../../db/object-snapshots';
import type { ObjectType } from '../../domain/statuses';
import { JOB_SEND_JSON, type JobSend } from '../claimed-export';
import { jobMayExport } from './job-tenancy';
import { RECORDING_CLAIM_MS } from '../lease-budget';

export interface StatusChange {
  id: string;
  objectType: ObjectType;
  objectId: string;
  objectReference: string;
  supplierExternalId: string | null;
  status: string;
}

export interface ClaimedChanges {
  /** When this round's claim ends: every change it claimed carries this exact value (text: a Date drops microseconds). */
  claimed_until: string | null;
  changes: StatusChange[];
  matches: { changeId: string; jobId: string }[];
  jobs: { rule: JobRule; send: JobSend }[];
  /** Order and incident snapshots as JSON (db/object-snapshots.ts), with their ids. */
  orders: Record<string, any>[];
  incidents: Record<string, any>[];
}

/**
 * A job matches a change of its object type reaching one of its trigger statuses, made after the job's last
 * edit (no backfill), when it has no suppliers or lists the object's supplier (CONTRACT §8.1).
 *
 * Tenancy is decided here, where data flows, not only in the API (`jobMayExport`): a store's orders never reach
 * another store's partner or secrets.
 */
const MATCHING_JOB = `
  j.object_type = c.object_type and c.status = any(j.trigger_statuses) and c.changed_at >= j.updated_at
  and (not exists (select 1 from export_job_supplier js where js.export_job_id = j.id)
       or exists (select 1 from export_job_supplier js join supplier s on s.id = js.supplier_id
                  where js.export_job_id = j.id and s.external_id = c.supplier_external_id))
  and ${jobMayExport('j', 'c.supplier_external_id')}`;

/**
 * Every lookup of a row goes through `= any(array(...))` on a primary key, never a join between the CTEs: a
 * generic plan cannot know how many changes a round claims, and a nested loop over two CTEs was quadratic.
 */
const CLAIM_CHANGES_SQL = prepared('jobout_claim_changes', `
  with changes as (
    update status_change s set claimed_until = now() + $2 * interval '1 millisecond'
    where s.id = any(array(select id from status_change where claimed_until is null or claimed_until < now()
                           order by id limit $1 for update skip locked))
    returning s.id, s.object_type, s.object_id, s.object_reference, s.supplier_external_id, s.status, s.changed_at, s.claimed_until
  ), matches as (
    select c.id as change_id, c.object_type, c.object_id, j.id as job_id from changes c join export_job j on ${MATCHING_JOB}
  )
  select
    (select max(claimed_until)::text from changes) as claimed_until,
    coalesce((select json_agg(json_build_object('id', c.id::text, 'objectType', c.object_type, 'objectId', c.object_id,
        'objectReference', c.object_reference, 'supplierExternalId', c.supplier_external_id, 'status', c.status) order by c.id)
      from changes c), '[]') as changes,
    coalesce((select json_agg(json_build_object('changeId', m.change_id::text, 'jobId', m.job_id) order by m.change_id) from matches m), '[]') as matches,
    coalesce((select json_agg(json_build_object('rule', ${JOB_RULE_JSON}, 'send', ${JOB_SEND_JSON}))
      from export_job j where j.id = any(array(select distinct job_id from matches))), '[]') as jobs,
    coalesce((select json_agg(${ORDER_SNAPSHOT_JSON}) from order_logistic o
      where o.id = any(array(select distinct object_id from matches where object_type = 'ORDER'))), '[]') as orders,
    coalesce((select json_agg(${INCIDENT_SNAPSHOT_JSON}) from incident i
      where i.id = any(array(select distinct object_id from matches where object_type = 'INCIDENT'))), '[]') as incidents`);

/** Claims up to `limit` outbox rows, oldest first, with what recording them needs. */
export async function claimChanges(sql: SqlRunner, limit: number): Promise<ClaimedChanges> {
  const [claimed] = await sql.query<ClaimedChanges>(CLAIM_CHANGES_SQL, [limit, RECORDING_CLAIM_MS]);
  return claimed;
}
