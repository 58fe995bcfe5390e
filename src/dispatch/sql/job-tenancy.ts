/**
 * Whether a job may export an object, by its owner stores (CONTRACT §2a), as an SQL condition shared by the
 * statement that records exports (claim-changes) and the one that claims them for sending (claim-exports): a job
 * of owner stores exports only objects of a supplier that belongs to one of them now, and only through a
 * connection that is global or owned by every store of the job. A global job (no owner stores) follows the seed.
 * Checked again at claim time because stores change between recording and the last retry: a supplier moved out,
 * a job narrowed to other stores or given another connection.
 */
export function jobMayExport(job: string, supplierExternalId: string): string {
  return `(${job}.store_ids = '{}'
       or exists (select 1 from supplier ts join supplier_store tss on tss.supplier_id = ts.id
                  where ts.external_id = ${supplierExternalId} and tss.store_id = any(${job}.store_ids)))
  and exists (select 1 from client_connection tc where tc.id = ${job}.client_connection_id
              and (tc.store_ids = '{}' or (${job}.store_ids <> '{}' and ${job}.store_ids <@ tc.store_ids)))`;
}
