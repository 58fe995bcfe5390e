/**
 * The store scope in SQL: a row tied to a supplier (an order, an incident, an export) is visible to a caller
 * when that supplier belongs to one of the caller's stores; the built-in administrator sees every row.
 */
import { storeFilter, type Scope } from './scope';

/** A condition on `column` (a supplier external id) that takes the two parameters of `visibilityParams`. */
export function supplierVisible(column: string): string {
  return `(?::uuid[] is null or ${column} in (
    select s.external_id from supplier s join supplier_store ss on ss.supplier_id = s.id where ss.store_id = any(?::uuid[])))`;
}

/** The parameters of `supplierVisible`: the caller's store ids as a uuid[] literal, or null for every store. */
export function visibilityParams(scope: Scope): [string | null, string | null] {
  const stores = storeFilter(scope);
  const literal = stores === undefined ? null : `{${stores.join(',')}}`;
  return [literal, literal];
}

/** `supplierVisible` for `$n` SQL (the dispatcher's runner): parameter `$index` holds the uuid[] literal. */
export function supplierVisibleTo(column: string, index: number): string {
  return `($${index}::uuid[] is null or ${column} in (
    select s.external_id from supplier s join supplier_store ss on ss.supplier_id = s.id where ss.store_id = any($${index}::uuid[])))`;
}
