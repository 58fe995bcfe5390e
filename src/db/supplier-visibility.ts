/**
 * The store scope in SQL: a row tied to a supplier (an order, an incident, an export) is visible to a caller
 * when that supplier belongs to one of the caller's stores; the built-in administrator sees every row.
 */

/**
 * The condition on `column` (a supplier external id). `stores` is the placeholder of the caller's store ids as a
 * uuid[] literal, null for every store (`visibleStores`): `$2` in numbered SQL; `?` in the ORM's SQL, where it
 * stands twice and so takes the value twice.
 */
export function supplierVisible(column: string, stores: '?' | `$${number}`): string {
  return `(${stores}::uuid[] is null or ${column} in (
    select s.external_id from supplier s join supplier_store ss on ss.supplier_id = s.id where ss.store_id = any(${stores}::uuid[])))`;
}

/** The value of `supplierVisible`'s placeholder: store ids as a uuid[] literal, or null for every store. */
export function visibleStores(storeIds: readonly string[] | undefined): string | null {
  return storeIds === undefined ? null : `{${storeIds.join(',')}}`;
}
