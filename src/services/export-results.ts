/**
 * Who receives which attempt result on the live feed: the rule of the export records (ExportService), an export
 * is visible when its job is (global, or sharing one of the caller's stores) and its supplier belongs to one of
 * the caller's stores; an all-stores caller receives every result.
 *
 * A subscription lives for hours, so what the caller sees is looked up again every FEED_SCOPE_REFRESH_MS: its
 * stores (a WebSocket's principal is refreshed by the socket audit) and the suppliers of those stores. A supplier
 * moved out of its stores, or a store taken from the operator, stops its results within 10 s (CONTRACT §2a).
 */
import { requireReader } from '../auth/principal';
import { Supplier } from '../domain/entities';
import { badInput } from '../domain/errors';
import type { ExportResultEvent } from '../domain/export-result';
import { OBJECT_TYPES, type ObjectType } from '../domain/statuses';
import { requireId } from './ids';
import { storeFilter, type Scope } from './scope';

/** Half the 10 s the contract allows, so that a slow lookup still lands in time. */
export const FEED_SCOPE_REFRESH_MS = 5_000;

export interface ExportResultCriteria {
  jobId?: string;
  objectType?: ObjectType;
}

/** A subscription's filter, kept current until `stop`. */
export interface ResultSubscriptionFilter {
  accept(event: ExportResultEvent): boolean;
  stop(): void;
}

/** What the caller sees: its stores and their suppliers' external ids; null for an all-stores caller. */
export type CallerView = { stores: string[]; suppliers: Set<string> } | null;

export async function callerView(scope: Scope): Promise<CallerView> {
  const stores = storeFilter(scope);
  if (stores === undefined) return null;
  const suppliers = await scope.em.fork().find(Supplier, { stores: { id: { $in: stores } } }, { fields: ['externalId'] });
  return { stores, suppliers: new Set(suppliers.map((supplier) => supplier.externalId)) };
}

/** The caller's view, read again every FEED_SCOPE_REFRESH_MS until `stop`; a failed read keeps the last one. */
export async function refreshedCallerView(scope: Scope): Promise<{ current(): CallerView; stop(): void }> {
  let view = await callerView(scope);
  const timer = setInterval(() => {
    callerView(scope).then(
      (fresh) => (view = fresh),
      () => {}, // the next refresh tries again; until then the last view holds
    );
  }, FEED_SCOPE_REFRESH_MS).unref();
  return { current: () => view, stop: () => clearInterval(timer) };
}

function visible(view: CallerView, event: ExportResultEvent): boolean {
  if (view === null) return true;
  if (event.jobId === null) return false; // a deleted job's owner stores are gone: all-stores callers only
  if (!Array.isArray(event.jobStoreIds)) return false; // published by an older instance: its job's stores are unknown
  const jobVisible = event.jobStoreIds.length === 0 || event.jobStoreIds.some((id) => view.stores.includes(id));
  return jobVisible && event.supplierExternalId !== null && view.suppliers.has(event.supplierExternalId);
}

export async function exportResultFilter(scope: Scope, criteria: ExportResultCriteria): Promise<ResultSubscriptionFilter> {
  requireReader(scope.principal);
  const jobId = criteria.jobId === undefined ? undefined : requireId(criteria.jobId, 'jobId');
  const { objectType } = criteria;
  if (objectType !== undefined && !OBJECT_TYPES.includes(objectType)) {
    throw badInput(`objectType must be one of ${OBJECT_TYPES.join(', ')}`, [{ field: 'objectType', message: 'unknown object type' }]);
  }
  const view = await refreshedCallerView(scope);
  return {
    accept: (event) => (jobId === undefined || event.jobId === jobId) && (objectType === undefined || event.objectType === objectType) && visible(view.current(), event),
    stop: view.stop,
  };
}
