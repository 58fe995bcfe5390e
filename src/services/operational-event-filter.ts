/**
 * Who receives which operational event (CONTRACT §11, scoped like the result feed, §2a): an event of a job or a
 * connection reaches the callers who may see that job or connection, that is whose stores include one of its owner
 * stores, or anyone when it is global; an all-stores caller receives every event. The caller's stores are read
 * from the principal at each event, which the socket audit keeps current for a long subscription.
 */
import { requireReader } from '../auth/principal';
import { badInput } from '../domain/errors';
import { OPERATIONAL_EVENT_TYPES, type OperationalEvent, type OperationalEventFilter, type OperationalEventType } from '../domain/operational-event';
import { requireId } from './ids';
import { storeFilter, type Scope } from './scope';

export interface OperationalEventCriteria {
  types?: OperationalEventType[];
  jobId?: string;
  clientConnectionId?: string;
}

export function operationalEventFilter(scope: Scope, criteria: OperationalEventCriteria): OperationalEventFilter {
  requireReader(scope.principal);
  const jobId = criteria.jobId === undefined ? undefined : requireId(criteria.jobId, 'jobId');
  const connectionId = criteria.clientConnectionId === undefined ? undefined : requireId(criteria.clientConnectionId, 'clientConnectionId');
  const unknown = (criteria.types ?? []).filter((type) => !OPERATIONAL_EVENT_TYPES.includes(type));
  if (unknown.length > 0) throw badInput(`types must be among ${OPERATIONAL_EVENT_TYPES.join(', ')}`, [{ field: 'types', message: `unknown: ${unknown.join(', ')}` }]);
  const types = criteria.types && criteria.types.length > 0 ? new Set(criteria.types) : undefined;
  return (event: OperationalEvent) => {
    if (types && !types.has(event.type)) return false;
    if (jobId !== undefined && event.jobId !== jobId) return false;
    if (connectionId !== undefined && event.connectionId !== connectionId) return false;
    const stores = storeFilter(scope);
    return stores === undefined || event.storeIds.length === 0 || event.storeIds.some((id) => stores.includes(id));
  };
}
