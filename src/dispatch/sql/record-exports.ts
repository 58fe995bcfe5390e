/**
 * Outbox -> exports, in one transaction: claim unprocessed status changes with SKIP LOCKED (never an
 * `id > last_seen` cursor: ids commit out of order), match them against the export jobs, build each payload
 * from the object's current state, insert the exports (the unique dedupe key makes "once per job, object and
 * status" a database rule), and mark the changes processed. Either all of it happens or none of it.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MappingEntry } from '../../domain/mapping';
import { buildPayload, type ObjectSnapshot } from '../../domain/payload';
import { MULTI_EXPORT_STATUS, type ObjectType } from '../../domain/statuses';
import { loadSnapshots } from './load-snapshots';

export interface StatusChange {
  id: string;
  objectType: ObjectType;
  objectId: string;
  objectReference: string;
  supplierExternalId: string | null;
  status: string;
  changedAt: Date;
}

export interface JobRule {
  id: string;
  name: string;
  objectType: ObjectType;
  triggerStatuses: string[];
  allowMultipleExports: boolean;
  supplierExternalIds: string[];
  mapping: MappingEntry[];
  includeCustomFields: boolean;
  /** Changes made before this instant do not fire the job (no backfill). */
  activeSince: Date;
}

const CLAIM_CHANGES_SQL = `
  select id::text, object_type, object_id, object_reference, supplier_external_id, status, changed_at
  from status_change where processed_at is null order by id limit ? for update skip locked`;

const JOB_RULES_SQL = `
  select j.id, j.name, j.object_type, j.trigger_statuses, j.allow_multiple_exports, j.mapping, j.include_custom_fields, j.updated_at,
         coalesce(array(select s.external_id from export_job_supplier js join supplier s on s.id = js.supplier_id
                        where js.export_job_id = j.id), '{}') as supplier_external_ids
  from export_job j`;

const INSERT_EXPORTS_SQL = `
  insert into export (id, job_id, job_name, object_type, object_id, object_reference, supplier_external_id, trigger_status,
                      status_change_id, dedupe_key, payload, state, next_attempt_at, last_error, finished_at)
  select x.id, x.job_id, x.job_name, x.object_type, x.object_id, x.object_reference, x.supplier_external_id, x.trigger_status,
         x.status_change_id, x.dedupe_key, x.payload, x.state,
         case when x.state = 'PENDING' then now() end, x.last_error, case when x.state = 'FAILED' then now() end
  from json_to_recordset(?::json) as x(id uuid, job_id uuid, job_name text, object_type text, object_id uuid, object_reference text,
                                        supplier_external_id text, trigger_status text, status_change_id bigint, dedupe_key text, payload text,
                                        state text, last_error text)
  on conflict (dedupe_key) do nothing
  returning id`;

const MARK_PROCESSED_SQL = `update status_change set processed_at = now() where id in (select value::bigint from json_array_elements_text(?::json))`;

type Row = Record<string, any>;
const parseJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

export async function loadJobRules(em: EntityManager): Promise<JobRule[]> {
  return (await em.execute<Row[]>(JOB_RULES_SQL)).map((row) => ({
    id: row.id,
    name: row.name,
    objectType: row.object_type,
    triggerStatuses: row.trigger_statuses,
    allowMultipleExports: row.allow_multiple_exports,
    supplierExternalIds: row.supplier_external_ids,
    mapping: parseJson(row.mapping),
    includeCustomFields: row.include_custom_fields,
    activeSince: new Date(row.updated_at),
  }));
}

/** CONTRACT §8.1: type, trigger status, supplier scope (none = all), and only changes after the job's last edit. */
export function jobMatches(job: JobRule, change: StatusChange): boolean {
  return (
    job.objectType === change.objectType &&
    job.triggerStatuses.includes(change.status) &&
    change.changedAt.getTime() >= job.activeSince.getTime() &&
    (job.supplierExternalIds.length === 0 || (change.supplierExternalId !== null && job.supplierExternalIds.includes(change.supplierExternalId)))
  );
}

/** Once per (job, object, status) — except the on-hold status on jobs that allow multiple exports. */
export function dedupeKey(job: JobRule, change: StatusChange): string {
  const key = `${job.id}:${change.objectId}:${change.status}`;
  return job.allowMultipleExports && change.status === MULTI_EXPORT_STATUS ? `${key}:${change.id}` : key;
}

export function payloadText(snapshot: ObjectSnapshot, job: Pick<JobRule, 'mapping' | 'includeCustomFields'>): string {
  return JSON.stringify(buildPayload(snapshot, job));
}

/**
 * The object as it was when it reached `status`: later changes to its other fields are included (the payload is
 * built when the export is recorded), but the status is the one that fired the export.
 */
function atStatus(snapshot: ObjectSnapshot, status: string): ObjectSnapshot {
  return snapshot.objectType === 'ORDER' ? { objectType: 'ORDER', order: { ...snapshot.order, status } } : { objectType: 'INCIDENT', incident: { ...snapshot.incident, incidentStatus: status } };
}

/** A payload that cannot be built fails its own export for an operator to see; it never blocks the batch. */
function buildRecorded(snapshot: ObjectSnapshot, job: JobRule, status: string): { payload: string; state: 'PENDING' | 'FAILED'; last_error: string | null } {
  try {
    return { payload: payloadText(atStatus(snapshot, status), job), state: 'PENDING', last_error: null };
  } catch (error) {
    return { payload: '', state: 'FAILED', last_error: `payload could not be built: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Processes up to `limit` outbox rows; returns how many changes and new exports it recorded. */
export async function recordExports(em: EntityManager, limit: number): Promise<{ changes: number; exports: number }> {
  return em.transactional(async (tx) => {
    const changes: StatusChange[] = (await tx.execute<Row[]>(CLAIM_CHANGES_SQL, [limit])).map((row) => ({
      id: row.id,
      objectType: row.object_type,
      objectId: row.object_id,
      objectReference: row.object_reference,
      supplierExternalId: row.supplier_external_id,
      status: row.status,
      changedAt: new Date(row.changed_at),
    }));
    if (changes.length === 0) return { changes: 0, exports: 0 };

    const jobs = await loadJobRules(tx);
    const matches = changes.flatMap((change) => jobs.filter((job) => jobMatches(job, change)).map((job) => ({ change, job })));
    let inserted = 0;
    if (matches.length > 0) {
      const ids = (type: ObjectType) => [...new Set(matches.filter((m) => m.change.objectType === type).map((m) => m.change.objectId))];
      const snapshots = await loadSnapshots(tx, ids('ORDER'), ids('INCIDENT'));
      const rows = matches.flatMap(({ change, job }) => {
        const snapshot = snapshots.get(change.objectId);
        if (!snapshot) return []; // the object was deleted since its status changed: nothing left to export
        return [
          {
            id: randomUUID(),
            job_id: job.id,
            job_name: job.name,
            object_type: change.objectType,
            object_id: change.objectId,
            object_reference: change.objectReference,
            supplier_external_id: change.supplierExternalId,
            trigger_status: change.status,
            status_change_id: change.id,
            dedupe_key: dedupeKey(job, change),
            ...buildRecorded(snapshot, job, change.status),
          },
        ];
      });
      if (rows.length > 0) inserted = (await tx.execute<Row[]>(INSERT_EXPORTS_SQL, [JSON.stringify(rows)])).length;
    }
    await tx.execute(MARK_PROCESSED_SQL, [JSON.stringify(changes.map((change) => change.id))]);
    return { changes: changes.length, exports: inserted };
  });
}
