/**
 * The tenancy rules of CONTRACT §2a as SQL conditions, so that every read, count and bulk write is scoped in the
 * query itself. Each takes `stores`, the placeholder of the caller's store ids as a uuid[] literal
 * (`visibleStores`), null when the caller acts for every store: `$2` in numbered SQL (`SqlParams`); `?` in the
 * ORM's SQL, where it stands as often as the condition uses it and so takes the value that many times.
 */
type Placeholder = '?' | `$${number}`;

/** A row tied to a supplier (`column`: its external id) is visible when that supplier belongs to one of the caller's stores. */
export function supplierVisible(column: string, stores: Placeholder): string {
  return `(${stores}::uuid[] is null or ${column} in (
    select s.external_id from supplier s join supplier_store ss on ss.supplier_id = s.id where ss.store_id = any(${stores}::uuid[])))`;
}

/** A job (`alias`) is visible when it is global or shares one of the caller's stores. */
export function jobVisible(alias: string, stores: Placeholder): string {
  return `(${stores}::uuid[] is null or ${alias}.store_ids = '{}' or ${alias}.store_ids && ${stores}::uuid[])`;
}

/** A job (`alias`) is writable when the caller's stores cover all of its owner stores (a global one: all-stores callers only). */
export function jobWritable(alias: string, stores: Placeholder): string {
  return `(${stores}::uuid[] is null or (${alias}.store_ids <> '{}' and ${alias}.store_ids <@ ${stores}::uuid[]))`;
}

/**
 * An export (`alias`) is visible when its job is and its object's supplier belongs to one of the caller's stores.
 * An export whose job was deleted has no owner stores left to check: only all-stores callers see it.
 */
export function exportVisible(alias: string, stores: Placeholder): string {
  return `(${stores}::uuid[] is null or (${supplierVisible(`${alias}.supplier_external_id`, stores)}
    and exists (select 1 from export_job vj where vj.id = ${alias}.job_id and ${jobVisible('vj', stores)})))`;
}

/** The value of the placeholders: store ids as a uuid[] literal, or null for every store. */
export function visibleStores(storeIds: readonly string[] | undefined): string | null {
  return storeIds === undefined ? null : `{${storeIds.join(',')}}`;
}
