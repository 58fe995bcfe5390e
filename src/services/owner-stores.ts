/**
 * Owner stores of export jobs and client connections (CONTRACT §2a), one rule set for both:
 *
 * - reading: a caller sees a resource whose owner stores intersect its own, and every global one (no owner
 *   stores); the condition goes into the query (`visibleToCaller`), so anything else is NOT_FOUND and missing
 *   from lists, exactly as if it did not exist;
 * - writing: only when the caller's stores cover all owner stores; a global resource only by an all-stores
 *   principal (`assertWritable`: FORBIDDEN for a resource the caller sees but may not write);
 * - creating: omitted owner stores mean the caller's (global for an all-stores principal); listed ones must be
 *   stores the caller sees; only an all-stores principal may make a resource global (`ownerStoresFor`).
 *
 * Owner stores are kept as sorted store ids: the name's uniqueness is per owner set, so the set must have one form.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Store } from '../domain/entities';
import { assertNoFieldErrors, DomainError } from '../domain/errors';
import type { ReferenceDataService } from './reference-data-service';
import { storeFilter, type Scope } from './scope';

export interface Owned {
  storeIds: string[];
}

/** The query condition "visible to the caller", on an entity with `storeIds`. */
export function visibleToCaller(scope: Scope): object {
  const stores = storeFilter(scope);
  // `<@ '{}'`: global (an array value alone would mean `in (...)`)
  return stores === undefined ? {} : { $or: [{ storeIds: { $contained: [] } }, { storeIds: { $overlap: stores } }] };
}

/** The query condition "owned by exactly these stores" (set equality: an array value alone would mean `in (...)`). */
export function ownedBy(storeIds: string[]): object {
  return { storeIds: { $contains: storeIds, $contained: storeIds } };
}

/** Whether the caller's stores cover all of `owned`'s owner stores (a global one: only an all-stores caller). */
function canWrite(scope: Scope, owned: Owned): boolean {
  const stores = storeFilter(scope);
  if (stores === undefined) return true;
  return owned.storeIds.length > 0 && owned.storeIds.every((id) => stores.includes(id));
}

export function assertWritable(scope: Scope, owned: Owned, what: string): void {
  if (!canWrite(scope, owned)) {
    throw new DomainError('FORBIDDEN', owned.storeIds.length === 0 ? `${what} is global: only an all-stores operator may change it` : `${what} also belongs to stores you do not manage`);
  }
}

/**
 * The owner store ids (sorted) of a resource being created or changed: `externalIds` when given (each a store the
 * caller sees; an empty list makes it global), otherwise `fallback` (on create: the caller's stores).
 */
export async function ownerStoresFor(scope: Scope, referenceData: ReferenceDataService, externalIds: string[] | undefined, fallback: string[]): Promise<string[]> {
  let storeIds = [...fallback].sort();
  if (externalIds !== undefined && externalIds.length > 0) {
    const { stores, errors } = await referenceData.visibleStores(scope, externalIds, 'storeExternalIds');
    assertNoFieldErrors(errors, 'Unknown stores');
    storeIds = stores.map((store) => store.id).sort();
  } else if (externalIds !== undefined) storeIds = [];
  // Checked on the result, whatever produced it: an operator without stores (made before every operator needed
  // one) must not make a global resource by omitting the list.
  if (storeIds.length === 0 && storeFilter(scope) !== undefined) {
    throw new DomainError('FORBIDDEN', 'Only an all-stores operator may make a resource global (no owner stores)');
  }
  return storeIds;
}

/** The caller's own stores as owner stores: what an omitted list means on create. */
export const callerStores = (scope: Scope): string[] => storeFilter(scope) ?? [];

/** External ids of stores by id, for views of many resources at once; only stores the caller sees are named. */
export async function storeNames(scope: Scope, em: EntityManager, owned: Owned[]): Promise<(owned: Owned) => string[]> {
  const ids = [...new Set(owned.flatMap((o) => o.storeIds))];
  const callerSees = storeFilter(scope);
  const visible = callerSees === undefined ? ids : ids.filter((id) => callerSees.includes(id));
  const stores = visible.length === 0 ? [] : await em.find(Store, { id: { $in: visible } });
  const byId = new Map(stores.map((store) => [store.id, store.externalId]));
  return (o) => o.storeIds.flatMap((id) => byId.get(id) ?? []).sort();
}
