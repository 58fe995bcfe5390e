/**
 * Export records for operators: list and read exports with their attempts, and preview the payload a job would
 * send for an object. An operator sees an export when the exported object's supplier is in one of its stores.
 */
import { requireReader, requireWriter } from '../auth/principal';
import { badInput, DomainError, notFound } from '../domain/errors';
import { EXPORT_STATES, OBJECT_TYPES, type ExportState, type ObjectType } from '../domain/statuses';
import { loadJobRule } from '../db/job-rules';
import { DISPATCH_CHANNEL, EXPORTS_DUE_NOTICE } from '../db/notify-channels';
import { loadSnapshot } from '../db/object-snapshots';
import { sqlRunner, SqlParams } from '../db/sql-runner';
import { exportVisible, jobWritable, visibleStores } from '../db/visibility';
import { payloadText } from '../domain/payload';
import { requireId } from './ids';
import type { PageRequest } from './paging';
import { pageOf, storeFilter, type Page, type Scope } from './scope';

export interface ExportAttemptView {
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  httpStatus: number | null;
  responseExcerpt: string | null;
  errorClass: string | null;
  error: string | null;
  stale: boolean;
}

export interface ExportView {
  id: string;
  jobId: string | null;
  jobName: string;
  objectType: ObjectType;
  objectReference: string;
  supplierExternalId: string | null;
  triggerStatus: string;
  state: ExportState;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  payload: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  /** When retention deleted its payload (now empty) and attempts; null = kept. */
  purgedAt: Date | null;
}

export interface ExportFilter {
  jobId?: string;
  state?: ExportState;
  objectType?: ObjectType;
  objectReference?: string;
  /** Window on the export's creation: at or after `from`, before `to`. */
  from?: Date;
  to?: Date;
}

export interface RetryFilter {
  jobId?: string;
  /** FAILED (default): a fresh round of attempts; RETRY_SCHEDULED: the next attempt now. */
  state?: 'FAILED' | 'RETRY_SCHEDULED';
  /** Window on the export's last change (for a FAILED export: when it failed). */
  from?: Date;
  to?: Date;
  /** The object reference, across jobs. */
  objectReference?: string;
  /** Window on the export's creation, as the `exports` list filters it. */
  createdFrom?: Date;
  createdTo?: Date;
}

export interface JobHealth {
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  /** Failed attempts since the job's last successful one. */
  consecutiveFailures: number;
  /** Exports of the job that ended FAILED and wait for an operator. */
  failedExports: number;
}

export const EXPORT_SORT_FIELDS = ['createdAt', 'updatedAt'] as const;
export type ExportSortField = (typeof EXPORT_SORT_FIELDS)[number];

type Row = Record<string, any>;

function exportView(row: Row): ExportView {
  return {
    id: row.id,
    jobId: row.job_id,
    jobName: row.job_name,
    objectType: row.object_type,
    objectReference: row.object_reference,
    supplierExternalId: row.supplier_external_id,
    triggerStatus: row.trigger_status,
    state: row.state,
    attemptCount: row.attempts,
    nextAttemptAt: row.next_attempt_at ? new Date(row.next_attempt_at) : null,
    lastHttpStatus: row.last_http_status,
    lastError: row.last_error,
    payload: row.payload,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
    purgedAt: row.purged_at ? new Date(row.purged_at) : null,
  };
}

export class ExportService {
  async list(scope: Scope, filter: ExportFilter, request: PageRequest<ExportSortField>): Promise<Page<ExportView>> {
    requireReader(scope.principal);
    const params = new SqlParams();
    const conditions = [exportVisible('e', params.add(callerStores(scope)))];
    if (filter.jobId !== undefined) conditions.push(`e.job_id = ${params.add(requireId(filter.jobId, 'jobId'))}`);
    if (filter.state !== undefined) {
      if (!EXPORT_STATES.includes(filter.state)) throw badInput(`state must be one of ${EXPORT_STATES.join(', ')}`, [{ field: 'state', message: 'unknown state' }]);
      conditions.push(`e.state = ${params.add(filter.state)}`);
    }
    if (filter.objectType !== undefined) {
      if (!OBJECT_TYPES.includes(filter.objectType)) throw badInput(`objectType must be one of ${OBJECT_TYPES.join(', ')}`, [{ field: 'objectType', message: 'unknown object type' }]);
      conditions.push(`e.object_type = ${params.add(filter.objectType)}`);
    }
    if (filter.objectReference !== undefined) conditions.push(`e.object_reference = ${params.add(filter.objectReference)}`);
    if (filter.from) conditions.push(`e.created_at >= ${params.add(filter.from)}`);
    if (filter.to) conditions.push(`e.created_at < ${params.add(filter.to)}`);
    const where = conditions.join(' and ');
    const column = request.sort.field === 'createdAt' ? 'created_at' : 'updated_at';
    const direction = request.sort.direction === 'asc' ? 'asc' : 'desc';
    const sql = sqlRunner(scope.em);
    const [{ total }] = await sql.query<Row>(`select count(*)::int as total from export e where ${where}`, params.values);
    const rows = await sql.query<Row>(
      `select e.* from export e where ${where} order by e.${column} ${direction}, e.id limit ${params.add(request.size)} offset ${params.add(request.page * request.size)}`,
      params.values,
    );
    return pageOf(rows.map(exportView), request.page, request.size, total);
  }

  async get(scope: Scope, id: string): Promise<ExportView & { attempts: ExportAttemptView[] }> {
    requireReader(scope.principal);
    const sql = sqlRunner(scope.em);
    const [row] = await sql.query<Row>(`select e.* from export e where e.id = $1 and ${exportVisible('e', '$2')}`, [requireId(id, 'id'), callerStores(scope)]);
    if (!row) throw notFound('Export', id);
    const attempts = await sql.query<Row>('select * from export_attempt where export_id = $1 order by attempt, id', [row.id]);
    return {
      ...exportView(row),
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        startedAt: new Date(a.started_at),
        finishedAt: new Date(a.finished_at),
        durationMs: a.duration_ms,
        httpStatus: a.http_status,
        responseExcerpt: a.response_excerpt,
        errorClass: a.error_class,
        error: a.error,
        stale: a.stale,
      })),
    };
  }

  /**
   * Gives a FAILED export a fresh round of attempts (the attempt counter keeps counting up, so
   * `x-jobout-attempt` stays unique). The state check is in the UPDATE itself: of two concurrent calls, one wins.
   * Retrying is writing the job: the caller must cover the job's owner stores (FORBIDDEN otherwise).
   */
  async retry(scope: Scope, id: string): Promise<ExportView> {
    requireWriter(scope.principal);
    const [row] = await sqlRunner(scope.em).query<Row>(
      `update export e set state = 'PENDING', retry_base = e.attempts, next_attempt_at = now(), finished_at = null, updated_at = now()
       where e.id = $1 and e.state = 'FAILED' and e.purged_at is null and ${exportVisible('e', '$2')}
         and exists (select 1 from export_job j where j.id = e.job_id and ${jobWritable('j', '$2')})
       returning e.*`,
      [requireId(id, 'id'), callerStores(scope)],
    );
    if (!row) {
      const current = await this.get(scope, id); // NOT_FOUND when it does not exist or is not visible
      if (current.jobId === null) throw new DomainError('INVALID_STATE', `Export ${id} cannot be retried: its job was deleted`);
      if (current.state !== 'FAILED') throw new DomainError('INVALID_STATE', `Only a FAILED export can be retried; export ${id} is ${current.state}`);
      if (current.purgedAt !== null) throw new DomainError('INVALID_STATE', `Export ${id} cannot be retried: its payload was purged (JOBOUT_RETENTION_DAYS)`);
      throw new DomainError('FORBIDDEN', `Export ${id} belongs to a job of stores you do not manage`);
    }
    await wakeDispatchers(scope);
    return exportView(row);
  }

  /**
   * `retry` in bulk, over the exports the caller sees and whose jobs it may write; returns how many were queued. With
   * `dryRun`, the same statement counts them and changes nothing, so a confirmation can show the number the retry takes.
   */
  async retryMany(scope: Scope, filter: RetryFilter, dryRun = false): Promise<number> {
    requireWriter(scope.principal);
    const state = filter.state ?? 'FAILED';
    if (state !== 'FAILED' && state !== 'RETRY_SCHEDULED') throw badInput('state must be FAILED or RETRY_SCHEDULED', [{ field: 'state', message: 'only FAILED or RETRY_SCHEDULED exports can be retried' }]);
    const params = new SqlParams();
    const stores = params.add(callerStores(scope));
    const conditions = [
      `e.state = ${params.add(state)}`,
      'e.purged_at is null',
      exportVisible('e', stores),
      `exists (select 1 from export_job j where j.id = e.job_id and ${jobWritable('j', stores)})`,
    ];
    if (filter.jobId !== undefined) conditions.push(`e.job_id = ${params.add(requireId(filter.jobId, 'jobId'))}`);
    if (filter.from) conditions.push(`e.updated_at >= ${params.add(filter.from)}`);
    if (filter.to) conditions.push(`e.updated_at < ${params.add(filter.to)}`);
    if (filter.objectReference !== undefined) conditions.push(`e.object_reference = ${params.add(filter.objectReference)}`);
    if (filter.createdFrom) conditions.push(`e.created_at >= ${params.add(filter.createdFrom)}`);
    if (filter.createdTo) conditions.push(`e.created_at < ${params.add(filter.createdTo)}`);
    if (dryRun) {
      const [{ total }] = await sqlRunner(scope.em).query<Row>(`select count(*)::int as total from export e where ${conditions.join(' and ')}`, params.values);
      return total;
    }
    // PENDING is what a woken dispatcher claims at once; a RETRY_SCHEDULED one keeps its round (retry_base).
    const fresh = state === 'FAILED' ? 'retry_base = e.attempts, finished_at = null,' : '';
    const rows = await sqlRunner(scope.em).query<Row>(
      `update export e set ${fresh} state = 'PENDING', next_attempt_at = now(), updated_at = now() where ${conditions.join(' and ')} returning e.id`,
      params.values,
    );
    if (rows.length > 0) await wakeDispatchers(scope);
    return rows.length;
  }

  /** Delivery health of jobs, by job id, in one query, over the exports the caller sees. */
  async health(scope: Scope, jobIds: string[]): Promise<Map<string, JobHealth>> {
    requireReader(scope.principal);
    const rows = await sqlRunner(scope.em).query<Row>(
      `with attempts as (
         select e.job_id, a.finished_at, a.error_class is null as ok
         from export_attempt a join export e on e.id = a.export_id
         where e.job_id = any($1::uuid[]) and not a.stale and ${exportVisible('e', '$2')}
       ), latest as (
         select job_id, max(finished_at) filter (where ok) as last_success_at, max(finished_at) filter (where not ok) as last_failure_at
         from attempts group by job_id
       )
       select j.id, l.last_success_at, l.last_failure_at,
         (select count(*) from attempts a where a.job_id = j.id and not a.ok and a.finished_at > coalesce(l.last_success_at, '-infinity'))::int as consecutive_failures,
         (select count(*) from export e where e.job_id = j.id and e.state = 'FAILED' and ${exportVisible('e', '$2')})::int as failed_exports
       from unnest($1::uuid[]) as j(id) left join latest l on l.job_id = j.id`,
      [jobIds, callerStores(scope)],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        {
          lastSuccessAt: row.last_success_at ? new Date(row.last_success_at) : null,
          lastFailureAt: row.last_failure_at ? new Date(row.last_failure_at) : null,
          consecutiveFailures: row.consecutive_failures,
          failedExports: row.failed_exports,
        },
      ]),
    );
  }

  /** The body `jobId` would send for the object now; nothing is recorded or sent. Job and object must be visible. */
  async preview(scope: Scope, jobId: string, objectReference: string): Promise<string> {
    requireReader(scope.principal);
    const sql = sqlRunner(scope.em);
    const stores = callerStores(scope);
    const job = await loadJobRule(sql, requireId(jobId, 'jobId'), stores);
    if (!job) throw notFound('Export job', jobId);
    const snapshot = await loadSnapshot(sql, job.objectType, objectReference, stores);
    if (!snapshot) throw notFound(job.objectType === 'ORDER' ? 'Order' : 'Incident', objectReference);
    return payloadText(snapshot, job);
  }
}

/** The caller's stores as the visibility conditions' parameter (null: every store). */
const callerStores = (scope: Scope) => visibleStores(storeFilter(scope));

/** Retried exports are due now: wake every instance's dispatcher rather than wait for its safety poll. */
async function wakeDispatchers(scope: Scope): Promise<void> {
  await sqlRunner(scope.em).query('select pg_notify($1, $2)', [DISPATCH_CHANNEL, EXPORTS_DUE_NOTICE]);
}
