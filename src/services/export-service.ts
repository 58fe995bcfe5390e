/**
 * Export records for operators: list and read exports with their attempts, and preview the payload a job would
 * send for an object. An operator sees an export when the exported object's supplier is in one of its stores.
 */
import { badInput, notFound } from '../domain/errors';
import { EXPORT_STATES, OBJECT_TYPES, type ExportState, type ObjectType } from '../domain/statuses';
import { loadJobRules, payloadText } from '../dispatch/sql/record-exports';
import { loadSnapshots } from '../dispatch/sql/load-snapshots';
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
}

export interface ExportFilter {
  jobId?: string;
  state?: ExportState;
  objectType?: ObjectType;
  objectReference?: string;
}

export const EXPORT_SORT_FIELDS = ['createdAt', 'updatedAt'] as const;
export type ExportSortField = (typeof EXPORT_SORT_FIELDS)[number];

type Row = Record<string, any>;

const VISIBLE = `(?::uuid[] is null or e.supplier_external_id in (
  select s.external_id from supplier s join supplier_store ss on ss.supplier_id = s.id where ss.store_id = any(?::uuid[])))`;

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

/** `{a,b}` literal for a uuid[] parameter; null when the caller sees every store. */
function storeArray(scope: Scope): string | null {
  const stores = storeFilter(scope);
  return stores === undefined ? null : `{${stores.join(',')}}`;
}

export class ExportService {
  async list(scope: Scope, filter: ExportFilter, request: PageRequest<ExportSortField>): Promise<Page<ExportView>> {
    const conditions: string[] = [VISIBLE];
    const stores = storeArray(scope);
    const params: unknown[] = [stores, stores];
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
    const stores = storeArray(scope);
    const [row] = await scope.em.execute<Row[]>(`select e.* from export e where e.id = ? and ${VISIBLE}`, [requireId(id, 'id'), stores, stores]);
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

  /** The body `jobId` would send for the object now; nothing is recorded or sent. */
  async preview(scope: Scope, jobId: string, objectReference: string): Promise<string> {
    const job = (await loadJobRules(scope.em)).find((rule) => rule.id === requireId(jobId, 'jobId'));
    if (!job) throw notFound('Export job', jobId);
    const table = job.objectType === 'ORDER' ? 'order_logistic' : 'incident';
    const column = job.objectType === 'ORDER' ? 'reference' : 'order_incident_id';
    const stores = storeArray(scope);
    const [row] = await scope.em.execute<Row[]>(
      `select e.id from ${table} e where e.${column} = ? and ${VISIBLE}`,
      [objectReference, stores, stores],
    );
    if (!row) throw notFound(job.objectType === 'ORDER' ? 'Order' : 'Incident', objectReference);
    const snapshot = (await loadSnapshots(scope.em, job.objectType === 'ORDER' ? [row.id] : [], job.objectType === 'INCIDENT' ? [row.id] : [])).get(row.id)!;
    return payloadText(snapshot, job);
  }
}
