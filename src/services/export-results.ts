/**
 * Who receives which attempt result on the live feed. The rule is the export records' (ExportService): an
 * operator receives a result when the export's supplier belongs to one of its stores; the built-in administrator
 * receives every result. The visible suppliers are resolved once, when the subscription starts: a supplier moved
 * into the operator's stores later shows up on its next subscription.
 */
import { Supplier } from '../domain/entities';
import { requireReader } from '../auth/principal';
import { badInput } from '../domain/errors';
import type { ResultFilter } from '../domain/export-result';
import { OBJECT_TYPES, type ObjectType } from '../domain/statuses';
import { requireId } from './ids';
import { storeFilter, type Scope } from './scope';

export interface ExportResultCriteria {
  jobId?: string;
  objectType?: ObjectType;
}

/** External ids of the suppliers in the caller's stores; null when it sees every store. */
async function visibleSuppliers(scope: Scope): Promise<Set<string> | null> {
  const stores = storeFilter(scope);
  if (stores === undefined) return null;
  const suppliers = await scope.em.find(Supplier, { stores: { id: { $in: stores } } }, { fields: ['externalId'] });
  return new Set(suppliers.map((supplier) => supplier.externalId));
}

export async function exportResultFilter(scope: Scope, criteria: ExportResultCriteria): Promise<ResultFilter> {
  requireReader(scope.principal);
  const jobId = criteria.jobId === undefined ? undefined : requireId(criteria.jobId, 'jobId');
  const { objectType } = criteria;
  if (objectType !== undefined && !OBJECT_TYPES.includes(objectType)) {
    throw badInput(`objectType must be one of ${OBJECT_TYPES.join(', ')}`, [{ field: 'objectType', message: 'unknown object type' }]);
  }
  const suppliers = await visibleSuppliers(scope);
  return (event) =>
    (jobId === undefined || event.jobId === jobId) &&
    (objectType === undefined || event.objectType === objectType) &&
    (suppliers === null || (event.supplierExternalId !== null && suppliers.has(event.supplierExternalId)));
}
