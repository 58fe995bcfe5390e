/**
 * The current state of orders and incidents, lines included, as the JSON documents payloads are built from.
 * The same SQL serves the dispatcher (inside its recording statement) and the preview.
 */
import type { IncidentSnapshot, ObjectSnapshot, OrderSnapshot } from '../domain/payload';
import type { SqlRunner } from './sql-runner';
import { supplierVisible } from './visibility';

/** One order (alias `o`) as JSON. */
export const ORDER_SNAPSHOT_JSON = `json_build_object(
  'id', o.id, 'reference', o.reference, 'accountExternalId', o.account_external_id, 'supplierExternalId', o.supplier_external_id,
  'storeExternalId', o.store_external_id, 'status', o.status, 'createdAt', o.created_at, 'updatedAt', o.updated_at,
  'customFields', coalesce(o.custom_fields, '{}'::jsonb),
  'orderLines', coalesce((select json_agg(json_build_object(
      'orderLineId', l.order_line_id, 'offerPriceExternalId', l.offer_price_external_id, 'variantExternalId', l.variant_external_id,
      'quantityPerItem', l.quantity_per_item, 'gtin', l.gtin, 'quantity', l.quantity) order by l.position)
    from order_line l where l.order_logistic_id = o.id), '[]'::json))`;

/** One incident (alias `i`) as JSON. */
export const INCIDENT_SNAPSHOT_JSON = `json_build_object(
  'id', i.id, 'orderIncidentId', i.order_incident_id, 'orderIncidentExternalId', i.order_incident_external_id,
  'orderReference', i.order_reference, 'createdAt', i.created_at, 'incidentStatus', i.status, 'reasonCode', i.reason_code,
  'reasonDescription', i.reason_description, 'supplierExternalId', i.supplier_external_id, 'accountExternalId', i.account_external_id,
  'orderLineIncident', coalesce((select json_agg(json_build_object(
      'orderLineId', l.order_line_id, 'orderLineExternalId', l.order_line_external_id, 'incidentLineStatus', l.incident_line_status,
      'variantExternalId', l.variant_external_id, 'incidentLineQuantity', l.incident_line_quantity) order by l.position)
    from incident_line l where l.incident_id = i.id), '[]'::json))`;

type Json = Record<string, any>;

export function orderSnapshot(json: Json): ObjectSnapshot {
  const order: OrderSnapshot = { ...(json as OrderSnapshot), createdAt: new Date(json.createdAt), updatedAt: new Date(json.updatedAt) };
  delete (order as Json).id;
  return { objectType: 'ORDER', order };
}

export function incidentSnapshot(json: Json): ObjectSnapshot {
  const incident: IncidentSnapshot = { ...(json as IncidentSnapshot), createdAt: new Date(json.createdAt) };
  delete (incident as Json).id;
  return { objectType: 'INCIDENT', incident };
}

/**
 * The snapshot of one order (by reference) or incident (by orderIncidentId), if it exists and its supplier is in
 * `stores` (see `visibleStores`).
 */
export async function loadSnapshot(sql: SqlRunner, objectType: 'ORDER' | 'INCIDENT', reference: string, stores: string | null): Promise<ObjectSnapshot | undefined> {
  const [row] =
    objectType === 'ORDER'
      ? await sql.query(`select ${ORDER_SNAPSHOT_JSON} as snapshot from order_logistic o where o.reference = $1 and ${supplierVisible('o.supplier_external_id', '$2')}`, [reference, stores])
      : await sql.query(`select ${INCIDENT_SNAPSHOT_JSON} as snapshot from incident i where i.order_incident_id = $1 and ${supplierVisible('i.supplier_external_id', '$2')}`, [reference, stores]);
  if (!row) return undefined;
  return objectType === 'ORDER' ? orderSnapshot(row.snapshot) : incidentSnapshot(row.snapshot);
}
