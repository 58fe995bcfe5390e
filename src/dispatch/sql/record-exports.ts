/**
 * Outbox -> exports, in two autocommit statements. The first claims waiting status changes for a while
 * (RECORDING_CLAIM_MS; SKIP LOCKED keeps two instances claiming at once apart, never an `id > last_seen` cursor:
 * ids commit out of order), matches them against the export jobs (CONTRACT §8.1) and returns the matched jobs and
 * the objects' current state. Payloads are built in between, here, because mappings are code. The second inserts
 * the exports, whose ids, digests of the dedupe key, make "once per job, object and status" a database rule, and
 * deletes the recorded changes from the outbox, in one statement: all of it or none of it.
 *
 * No transaction spans the two (two round trips fewer for every change, the steady latency's largest part). If
 * the second never runs (a crash, a lost connection), the changes are claimed again once their claim has ended,
 * by any instance, and recorded again under the same export ids: nothing is lost and nothing is recorded twice.
 */
import { createHash, randomUUID } from 'node:crypto';
import { prepared, type SqlRunner } from '../../db/sql-runner';
import type { MappingEntry } from '../../domain/mapping';
import { buildPayload, type ObjectSnapshot } from '../../domain/payload';
import { MULTI_EXPORT_STATUS, type ObjectType } from '../../domain/statuses';
import { leaseMs, type ClaimedExport } from './claim-exports';
import { INCIDENT_SNAPSHOT_JSON, incidentSnapshot, ORDER_SNAPSHOT_JSON, orderSnapshot } from './load-snapshots';

export interface StatusChange {
  id: string;
  objectType: ObjectType;
  objectId: string;
  objectReference: string;
  supplierExternalId: string | null;
  status: string;
}

export interface JobRule {
  id: string;
  name: string;
  allowMultipleExports: boolean;
  mapping: MappingEntry[];
  includeCustomFields: boolean;
}

/**
 * A job matches a change of its object type reaching one of its trigger statuses, made after the job's last
 * edit (no backfill), when it has no suppliers or lists the object's supplier.
 */
const MATCHING_JOB = `
  j.object_type = c.object_type and c.status = any(j.trigger_statuses) and c.changed_at >= j.updated_at
  and (not exists (select 1 from export_job_supplier js where js.export_job_id = j.id)
       or exists (select 1 from export_job_supplier js join supplier s on s.id = js.supplier_id
                  where js.export_job_id = j.id and s.external_id = c.supplier_external_id))`;

const JOB_RULE_JSON = `json_build_object('id', j.id, 'name', j.name, 'allowMultipleExports', j.allow_multiple_exports,
  'mapping', j.mapping, 'includeCustomFields', j.include_custom_fields)`;

/** What sending needs of a job, for the exports claimed as they are recorded. */
const JOB_SEND_JSON = `json_build_object('httpMethod', j.http_method, 'path', j.path, 'queryParams', j.query_params,
  'connection', (select json_build_object('id', c.id, 'baseUrl', c.base_url, 'headers', c.headers, 'timeoutMs', c.timeout_ms,
     'authType', c.auth_type, 'tokenUrl', c.token_url, 'clientId', c.client_id, 'clientSecretEnc', c.client_secret_enc,
     'username', c.username, 'passwordEnc', c.password_enc, 'scope', c.scope)
   from client_connection c where c.id = j.client_connection_id))`;

/**
 * How long a recording round holds the changes it claimed: far longer than a round takes (milliseconds; a round
 * that takes longer only lets another instance redo its work), and what a crash between the two statements
 * delays their recording by.
 */
export const RECORDING_CLAIM_MS = 5_000;

/**
 * Gives claimed changes back when their round failed, so the next round need not wait for the claim to end; only
 * if still claimed by that round (same `claimed_until`): after a slow failure another round may hold them.
 */
const RELEASE_CHANGES_SQL = prepared(
  'jobout_record_release_changes',
  `update status_change set claimed_until = null where id = any($1::bigint[]) and claimed_until = $2::timestamptz`,
);

/**
 * Every lookup of a row goes through `= any(array(...))` on a primary key, never a join between the CTEs: a
 * generic plan cannot know how many changes a round claims, and a nested loop over two CTEs was quadratic.
 */
const CLAIM_AND_MATCH_SQL = prepared('jobout_record_claim_changes', `
  with changes as (
    update status_change s set claimed_until = now() + $2 * interval '1 millisecond'
    where s.id = any(array(select id from status_change where claimed_until is null or claimed_until < now()
                           order by id limit $1 for update skip locked))
    returning s.id, s.object_type, s.object_id, s.object_reference, s.supplier_external_id, s.status, s.changed_at, s.claimed_until
  ), matches as (
    select c.id as change_id, c.object_type, c.object_id, j.id as job_id from changes c join export_job j on ${MATCHING_JOB}
  )
  select
    (select max(claimed_until)::text from changes) as claimed_until, -- text: a Date would drop the microseconds
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

const INSERT_AND_MARK_SQL = prepared('jobout_record_insert_exports', `
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

/**
 * The export id, sent as the idempotency key, derived from the dedupe key (a version-8 UUID of its SHA-256): if
 * a database crash forgets a recording the dispatcher had already acted on (its commits are asynchronous), the
 * change is recorded again under the same id, so the partner sees the same key twice, never two keys.
 */
export function exportIdFor(dedupeKey: string): string {
  const bytes = createHash('sha256').update(dedupeKey).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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

type JobSend = Pick<ClaimedExport, 'httpMethod' | 'path' | 'queryParams' | 'connection'>;

interface ClaimedBatch {
  /** When this round's claim ends: every change it claimed carries this exact value. */
  claimed_until: string | null;
  changes: StatusChange[];
  matches: { changeId: string; jobId: string }[];
  jobs: { rule: JobRule; send: JobSend }[];
  orders: Record<string, any>[];
  incidents: Record<string, any>[];
}

export interface RecordOptions {
  /** How many of the new exports to claim for sending at once (the room in the dispatcher's ready queue). */
  claim: number;
  /** Attempt deadline for connections without their own, to size the lease. */
  defaultTimeoutMs: number;
}

/**
 * Processes up to `limit` outbox rows; returns how many changes and new exports it recorded, and the exports it
 * claimed as it recorded them (inserted already SENDING with a lease: no separate claim round trip and no second
 * write of each row on the way to the partner).
 */
export async function recordExports(sql: SqlRunner, limit: number, options: RecordOptions = { claim: 0, defaultTimeoutMs: 0 }): Promise<{ changes: number; exports: number; claimed: ClaimedExport[] }> {
  const [batch] = await sql.query<ClaimedBatch>(CLAIM_AND_MATCH_SQL, [limit, RECORDING_CLAIM_MS]);
  if (batch.changes.length === 0) return { changes: 0, exports: 0, claimed: [] };
  try {
    return await insertExports(sql, batch, options);
  } catch (error) {
    // best effort (the error that matters is the one rethrown); unreleased, they wait for the claim to end
    await sql.query(RELEASE_CHANGES_SQL, [batch.changes.map((change) => change.id), batch.claimed_until]).catch(() => {});
    throw error;
  }
}

/** Builds the payloads of a claimed batch, inserts its exports and deletes its changes from the outbox. */
async function insertExports(sql: SqlRunner, batch: ClaimedBatch, options: RecordOptions): Promise<{ changes: number; exports: number; claimed: ClaimedExport[] }> {
  const changes = new Map(batch.changes.map((change) => [change.id, change]));
  const jobs = new Map(batch.jobs.map((job) => [job.rule.id, job]));
  const snapshots = new Map<string, ObjectSnapshot>();
  for (const order of batch.orders) snapshots.set(order.id, orderSnapshot(order));
  for (const incident of batch.incidents) snapshots.set(incident.id, incidentSnapshot(incident));
  let slots = options.claim;
  const claims = new Map<string, ClaimedExport>();
  const ids = new Set<string>();
  const rows = batch.matches.flatMap(({ changeId, jobId }) => {
    const change = changes.get(changeId)!;
    const { rule: job, send } = jobs.get(jobId)!;
    const snapshot = snapshots.get(change.objectId);
    if (!snapshot) return []; // the object was deleted since its status changed: nothing left to export
    const id = exportIdFor(dedupeKey(job, change));
    // The same export twice in one batch (S -> T -> S): the earliest change is the one recorded, as it would be
    // across batches; the insert would keep the first row anyway, and a claim must match the row inserted.
    if (ids.has(id)) return [];
    ids.add(id);
    const recorded = buildRecorded(snapshot, job, change.status);
    const row = {
      id,
      job_id: job.id,
      job_name: job.name,
      object_type: change.objectType,
      object_id: change.objectId,
      object_reference: change.objectReference,
      supplier_external_id: change.supplierExternalId,
      trigger_status: change.status,
      status_change_id: change.id,
      ...recorded,
      lease_token: null as string | null,
      lease_ms: null as number | null,
    };
    if (recorded.state === 'PENDING' && slots > 0) {
      slots -= 1;
      Object.assign(row, { state: 'SENDING', lease_token: randomUUID(), lease_ms: leaseMs(send.connection.timeoutMs ?? options.defaultTimeoutMs) });
      claims.set(row.id, {
        ...send,
        id: row.id,
        leaseToken: row.lease_token!,
        attempt: 1,
        jobId: job.id,
        jobName: job.name,
        objectType: change.objectType,
        objectReference: change.objectReference,
        triggerStatus: change.status,
        payload: recorded.payload,
      });
    }
    return [row];
  });
  const [{ inserted }] = await sql.query<{ inserted: string[] }>(INSERT_AND_MARK_SQL, [JSON.stringify(rows), [...changes.keys()]]);
  // A row that hit the dedupe key was not inserted: only the claims that exist are sent.
  const claimed = inserted.flatMap((id) => claims.get(id) ?? []);
  return { changes: changes.size, exports: inserted.length, claimed };
}

/** One job's payload settings, for the preview. */
export async function loadJobRule(sql: SqlRunner, jobId: string): Promise<(JobRule & { objectType: ObjectType }) | undefined> {
  const [row] = await sql.query<{ rule: JobRule; object_type: ObjectType }>(`select ${JOB_RULE_JSON} as rule, j.object_type from export_job j where j.id = $1`, [jobId]);
  return row ? { ...row.rule, objectType: row.object_type } : undefined;
}
