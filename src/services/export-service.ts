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
import { sqlRunner } from '../db/sql-runner';
import { supplierVisible, visibleStores } from '../db/supplier-visibility';
import { payloadText } from '../domain/payload';
import { requireId } from './ids';
import type { PageRequest } from './paging';
import { pageOf, storeFilter, visibilityParams, type Page, type Scope } from './scope';

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
}

export interface ExportFilter {
  jobId?: string;
  state?: ExportState;
  objectType?: ObjectType;
  objectReference?: string;
}

export interface RetryFilter {
  jobId?: string;
  /** FAILED (default): a fresh round of attempts; RETRY_SCHEDULED: the next attempt now. */
  state?: 'FAILED' | 'RETRY_SCHEDULED';
  /** Window on the export's last change (for a FAILED export: when it failed). */
  from?: Date;
  to?: Date;
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

const VISIBLE = supplierVisible('e.supplier_external_id', '?');

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
  };
}

export class ExportService {
  async list(scope: Scope, filter: ExportFilter, request: PageRequest<ExportSortField>): Promise<Page<ExportView>> {
    requireReader(scope.principal);
    const conditions: string[] = [VISIBLE];
    const params: unknown[] = [...visibilityParams(scope)];
    if (filter.jobId !== undefined) {
      conditions.push('e.job_id = ?');
      params.push(requireId(filter.jobId, 'jobId'));
    }
    if (filter.state !== undefined) {
      if (!EXPORT_STATES.includes(filter.state)) throw badInput(`state must be one of ${EXPORT_STATES.join(', ')}`, [{ field: 'state', message: 'unknown state' }]);
      conditions.push('e.state = ?');
      params.push(filter.state);
    }
    if (filter.objectType !== undefined) {
      if (!OBJECT_TYPES.includes(filter.objectType)) throw badInput(`objectType must be one of ${OBJECT_TYPES.join(', ')}`, [{ field: 'objectType', message: 'unknown object type' }]);
      conditions.push('e.object_type = ?');
      params.push(filter.objectType);
    }
    if (filter.objectReference !== undefined) {
      conditions.push('e.object_reference = ?');
      params.push(filter.objectReference);
    }
    const where = conditions.join(' and ');
    const column = request.sort.field === 'createdAt' ? 'created_at' : 'updated_at';
    const direction = request.sort.direction === 'asc' ? 'asc' : 'desc';
    const [{ total }] = await scope.em.execute<Row[]>(`select count(*)::int as total from export e where ${where}`, params);
    const rows = await scope.em.execute<Row[]>(`select e.* from export e where ${where} order by e.${column} ${direction}, e.id limit ? offset ?`, [
      ...params,
      request.size,
      request.page * request.size,
    ]);
    return pageOf(rows.map(exportView), request.page, request.size, total);
  }

  async get(scope: Scope, id: string): Promise<ExportView & { attempts: ExportAttemptView[] }> {
    requireReader(scope.principal);
    const [row] = await scope.em.execute<Row[]>(`select e.* from export e where e.id = ? and ${VISIBLE}`, [requireId(id, 'id'), ...visibilityParams(scope)]);
    if (!row) throw notFound('Export', id);
    const attempts = await scope.em.execute<Row[]>('select * from export_attempt where export_id = ? order by attempt, id', [row.id]);
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
   */
  async retry(scope: Scope, id: string): Promise<ExportView> {
    requireWriter(scope.principal);
    const [row] = await scope.em.execute<Row[]>(
      `update export e set state = 'PENDING', retry_base = e.attempts, next_attempt_at = now(), finished_at = null, updated_at = now()
       where e.id = ? and e.state = 'FAILED' and e.job_id is not null and ${VISIBLE} returning e.*`,
      [requireId(id, 'id'), ...visibilityParams(scope)],
    );
    if (!row) {
      const current = await this.get(scope, id); // NOT_FOUND when it does not exist or is not visible
      if (current.state === 'FAILED') throw new DomainError('INVALID_STATE', `Export ${id} cannot be retried: its job was deleted`);
      throw new DomainError('INVALID_STATE', `Only a FAILED export can be retried; export ${id} is ${current.state}`);
    }
    await wakeDispatchers(scope);
    return exportView(row);
  }

  /** `retry` in bulk; returns how many exports were queued. */
  async retryMany(scope: Scope, filter: RetryFilter): Promise<number> {
    requireWriter(scope.principal);
    const state = filter.state ?? 'FAILED';
    if (state !== 'FAILED' && state !== 'RETRY_SCHEDULED') throw badInput('state must be FAILED or RETRY_SCHEDULED', [{ field: 'state', message: 'only FAILED or RETRY_SCHEDULED exports can be retried' }]);
    const conditions = ['e.state = ?', 'e.job_id is not null', VISIBLE];
    const params: unknown[] = [state, ...visibilityParams(scope)];
    if (filter.jobId !== undefined) {
      conditions.push('e.job_id = ?');
      params.push(requireId(filter.jobId, 'jobId'));
    }
    if (filter.from) {
      conditions.push('e.updated_at >= ?');
      params.push(filter.from);
    }
    if (filter.to) {
      conditions.push('e.updated_at < ?');
      params.push(filter.to);
    }
    // PENDING is what a woken dispatcher claims at once; a RETRY_SCHEDULED one keeps its round (retry_base).
    const fresh = state === 'FAILED' ? 'retry_base = e.attempts, finished_at = null,' : '';
    const rows = await scope.em.execute<Row[]>(
      `update export e set ${fresh} state = 'PENDING', next_attempt_at = now(), updated_at = now() where ${conditions.join(' and ')} returning e.id`,
      params,
    );
    if (rows.length > 0) await wakeDispatchers(scope);
    return rows.length;
  }

  /** Delivery health of jobs, by job id, in one query. */
  async health(scope: Scope, jobIds: string[]): Promise<Map<string, JobHealth>> {
    requireReader(scope.principal);
    const rows = await scope.em.execute<Row[]>(
      `with attempts as (
         select e.job_id, a.finished_at, a.error_class is null as ok
         from export_attempt a join export e on e.id = a.export_id
         where e.job_id in (select value::uuid from json_array_elements_text(?::json)) and not a.stale
       ), latest as (
         select job_id, max(finished_at) filter (where ok) as last_success_at, max(finished_at) filter (where not ok) as last_failure_at
         from attempts group by job_id
       )
       select j.id, l.last_success_at, l.last_failure_at,
         (select count(*) from attempts a where a.job_id = j.id and not a.ok and a.finished_at > coalesce(l.last_success_at, '-infinity'))::int as consecutive_failures,
         (select count(*) from export e where e.job_id = j.id and e.state = 'FAILED')::int as failed_exports
       from (select value::uuid as id from json_array_elements_text(?::json)) j left join latest l on l.job_id = j.id`,
      [JSON.stringify(jobIds), JSON.stringify(jobIds)],
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

  /** The body `jobId` would send for the object now; nothing is recorded or sent. */
  async preview(scope: Scope, jobId: string, objectReference: string): Promise<string> {
    requireReader(scope.principal);
    const sql = sqlRunner(scope.em);
    const job = await loadJobRule(sql, requireId(jobId, 'jobId'));
    if (!job) throw notFound('Export job', jobId);
    const snapshot = await loadSnapshot(sql, job.objectType, objectReference, visibleStores(storeFilter(scope)));
    if (!snapshot) throw notFound(job.objectType === 'ORDER' ? 'Order' : 'Incident', objectReference);
    return payloadText(snapshot, job);
  }
}

/** Retried exports are due now: wake every instance's dispatcher rather than wait for its safety poll. */
async function wakeDispatchers(scope: Scope): Promise<void> {
  await scope.em.execute('select pg_notify(?, ?)', [DISPATCH_CHANNEL, EXPORTS_DUE_NOTICE]);
}
