/**
 * Who receives which operational event (CONTRACT §11, scoped like the result feed, §2a): an event of a job or a
 * connection reaches the callers who may see that job or connection, that is whose stores include one of its owner
 * stores, or anyone when it is global; an EXPORT_FAILED event, about exports, also needs its supplier to belong to
 * one of the caller's stores, as each export does. An all-stores caller receives every event. What the caller sees
 * is read again every FEED_SCOPE_REFRESH_MS, as for the result feed.
 */
import { requireReader } from '../auth/principal';
import { badInput } from '../domain/errors';
import { OPERATIONAL_EVENT_TYPES, type OperationalEvent, type OperationalEventType } from '../domain/operational-event';
import { refreshedCallerView, type CallerView } from './export-results';
import { requireId } from './ids';
import type { Scope } from './scope';

export interface OperationalEventCriteria {
  types?: OperationalEventType[];
  jobId?: string;
  clientConnectionId?: string;
}

/** A subscription's filter, kept current until `stop`. */
export interface OperationalSubscriptionFilter {
  accept(event: OperationalEvent): boolean;
  stop(): void;
}

function visible(view: CallerView, event: OperationalEvent): boolean {
  if (view === null) return true;
  if (event.storeIds.length > 0 && !event.storeIds.some((id) => view.stores.includes(id))) return false;
  if (event.type !== 'EXPORT_FAILED') return true;
  return event.supplierExternalId !== null && view.suppliers.has(event.supplierExternalId);
}

export async function operationalEventFilter(scope: Scope, criteria: OperationalEventCriteria): Promise<OperationalSubscriptionFilter> {
  requireReader(scope.principal);
  const jobId = criteria.jobId === undefined ? undefined : requireId(criteria.jobId, 'jobId');
  const connectionId = criteria.clientConnectionId === undefined ? undefined : requireId(criteria.clientConnectionId, 'clientConnectionId');
  const unknown = (criteria.types ?? []).filter((type) => !OPERATIONAL_EVENT_TYPES.includes(type));
  if (unknown.length > 0) throw badInput(`types must be among ${OPERATIONAL_EVENT_TYPES.join(', ')}`, [{ field: 'types', message: `unknown: ${unknown.join(', ')}` }]);
  const types = criteria.types && criteria.types.length > 0 ? new Set(criteria.types) : undefined;
  const view = await refreshedCallerView(scope);
  return {
    accept: (event) =>
      (types === undefined || types.has(event.type)) &&
      (jobId === undefined || event.jobId === jobId) &&
      (connectionId === undefined || event.connectionId === connectionId) &&
      visible(view.current(), event),
    stop: view.stop,
  };
}
