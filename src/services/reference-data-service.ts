/**
 * Stores and suppliers, and the store scope rule of CONTRACT §2: an operator sees a supplier only when the
 * supplier belongs to one of its stores; a supplier it cannot see is treated as unknown everywhere.
 */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { requireAdmin, requireReader } from '../auth/principal';
import { Store, Supplier } from '../domain/entities';
import { assertNoFieldErrors, DomainError, type FieldError } from '../domain/errors';
import { InputReader, isPlainObject } from '../domain/input-reader';
import { storeFilter, type Scope } from './scope';

export interface StoreView {
  id: string;
  externalId: string;
  name: string;
}

export interface SupplierView {
  id: string;
  externalId: string;
  name: string;
  storeExternalIds: string[];
}

export const storeView = (store: Store): StoreView => ({ id: store.id, externalId: store.externalId, name: store.name });

/** A supplier with only the stores the caller sees: another store's external id is not the caller's to read. */
const supplierView = (scope: Scope, supplier: Supplier): SupplierView => ({
  id: supplier.id,
  externalId: supplier.externalId,
  name: supplier.name,
  storeExternalIds: supplier.stores
    .getItems()
    .filter((store) => isVisibleStore(scope, store))
    .map((store) => store.externalId)
    .sort(),
});

/** Whether a supplier (with its stores loaded) is visible in this scope. */
export function canSeeSupplier(scope: Scope, supplier: Supplier): boolean {
  const stores = storeFilter(scope);
  return stores === undefined || supplier.stores.getItems().some((store) => stores.includes(store.id));
}

function readRequired(raw: unknown, what: string): InputReader {
  if (!isPlainObject(raw)) throw new DomainError('BAD_USER_INPUT', `The ${what} must be an object`);
  return new InputReader(raw);
}

export class ReferenceDataService {
  async listStores(scope: Scope): Promise<StoreView[]> {
    requireReader(scope.principal);
    const ids = storeFilter(scope);
    const stores = await scope.em.find(Store, ids === undefined ? {} : { id: { $in: ids } }, { orderBy: { externalId: 'asc' } });
    return stores.map(storeView);
  }

  async createStore(scope: Scope, raw: unknown): Promise<StoreView> {
    requireAdmin(scope.principal);
    const input = readRequired(raw, 'store');
    const externalId = input.string('externalId', { required: true, max: 255 });
    const name = input.string('name', { required: true, max: 255 });
    assertNoFieldErrors(input.errors, 'Invalid store');
    try {
      return await scope.em.transactional(async (em) => {
        const store = em.create(Store, { externalId: externalId!, name: name! });
        await em.flush();
        // A store an ADMIN of explicit stores creates joins them (CONTRACT §2): else it could not see what it made.
        if (scope.principal.storeIds !== null) await em.execute('insert into operator_store (operator_id, store_id) values (?, ?)', [scope.principal.id, store.id]);
        return storeView(store);
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new DomainError('CONFLICT', `A store with externalId "${externalId}" exists`);
      throw error;
    }
  }

  /** Stores by external id among those the caller may see; the others are reported as unknown. */
  async visibleStores(scope: Scope, externalIds: string[], field: string): Promise<{ stores: Store[]; errors: FieldError[] }> {
    const ids = storeFilter(scope);
    const stores = await scope.em.find(Store, { externalId: { $in: externalIds }, ...(ids === undefined ? {} : { id: { $in: ids } }) });
    const missing = externalIds.filter((externalId) => !stores.some((store) => store.externalId === externalId));
    return { stores, errors: missing.length ? [{ field, message: `unknown stores: ${missing.join(', ')}` }] : [] };
  }

  async listSuppliers(scope: Scope): Promise<SupplierView[]> {
    requireReader(scope.principal);
    const ids = storeFilter(scope);
    const suppliers = await scope.em.find(Supplier, ids === undefined ? {} : { stores: { id: { $in: ids } } }, {
      populate: ['stores'],
      orderBy: { externalId: 'asc' },
    });
    return suppliers.map((supplier) => supplierView(scope, supplier));
  }

  /** Creates the supplier or replaces its name and stores. ADMIN only; only stores the caller sees. */
  async upsertSupplier(scope: Scope, raw: unknown): Promise<SupplierView> {
    requireAdmin(scope.principal);
    const input = readRequired(raw, 'supplier');
    const externalId = input.string('externalId', { required: true, max: 255 });
    const name = input.string('name', { required: true, max: 255 });
    const storeExternalIds = input.stringList('storeExternalIds', { required: true, max: 1000 });
    if (storeExternalIds?.length === 0) input.fail('storeExternalIds', 'needs at least one store');
    assertNoFieldErrors(input.errors, 'Invalid supplier');
    return scope.em.transactional(async (em) => {
      const txScope = { ...scope, em };
      const { stores, errors } = await this.visibleStores(txScope, storeExternalIds!, 'storeExternalIds');
      assertNoFieldErrors(errors, 'Invalid supplier');
      // Upsert on the unique external id first, so two concurrent upserts of one supplier cannot both insert.
      await em.execute(
        `insert into supplier (external_id, name) values (?, ?)
         on conflict (external_id) do update set name = excluded.name, updated_at = now()`,
        [externalId!, name!],
      );
      const supplier = await em.findOneOrFail(Supplier, { externalId: externalId! }, { populate: ['stores'], refresh: true });
      if (!canSeeSupplier(txScope, supplier) && supplier.stores.length > 0) {
        throw new DomainError('FORBIDDEN', `Supplier ${externalId} belongs to stores you cannot manage`);
      }
      // The caller replaces the stores it can see; stores it cannot see are kept.
      const hidden = supplier.stores.getItems().filter((store) => !stores.includes(store) && !isVisibleStore(txScope, store));
      supplier.stores.set([...hidden, ...stores]);
      await em.flush();
      return supplierView(scope, supplier);
    });
  }
}

function isVisibleStore(scope: Scope, store: Store): boolean {
  const ids = storeFilter(scope);
  return ids === undefined || ids.includes(store.id);
}
