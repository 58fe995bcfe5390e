/**
 * Loads the current state of the orders and incidents of a batch, lines included, in one query per object
 * type. Payloads are built from these snapshots when an export is recorded, and stored with it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IncidentSnapshot, ObjectSnapshot, OrderSnapshot } from '../../domain/payload';

const ORDERS_SQL = `
  select o.id, o.reference, o.account_external_id, o.supplier_external_id, o.store_external_id, o.status,
         o.created_at, o.updated_at, o.custom_fields,
         coalesce((select json_agg(json_build_object(
             'orderLineId', l.order_line_id, 'offerPriceExternalId', l.offer_price_external_id,
             'variantExternalId', l.variant_external_id, 'quantityPerItem', l.quantity_per_item,
             'gtin', l.gtin, 'quantity', l.quantity) order by l.position)
           from order_line l where l.order_logistic_id = o.id), '[]'::json) as lines
  from order_logistic o
  where o.id in (select value::uuid from json_array_elements_text(?::json))`;

const INCIDENTS_SQL = `
  select i.id, i.order_incident_id, i.order_incident_external_id, i.order_reference, i.status, i.reason_code,
         i.reason_description, i.supplier_external_id, i.account_external_id, i.created_at,
         coalesce((select json_agg(json_build_object(
             'orderLineId', l.order_line_id, 'orderLineExternalId', l.order_line_external_id,
             'incidentLineStatus', l.incident_line_status, 'variantExternalId', l.variant_external_id,
             'incidentLineQuantity', l.incident_line_quantity) order by l.position)
           from incident_line l where l.incident_id = i.id), '[]'::json) as lines
  from incident i
  where i.id in (select value::uuid from json_array_elements_text(?::json))`;

type Row = Record<string, any>;

const parseJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

function orderSnapshot(row: Row): OrderSnapshot {
  return {
    reference: row.reference,
    accountExternalId: row.account_external_id,
    supplierExternalId: row.supplier_external_id,
    storeExternalId: row.store_external_id,
    status: row.status,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    customFields: parseJson(row.custom_fields) ?? {},
    orderLines: parseJson(row.lines),
  };
}

function incidentSnapshot(row: Row): IncidentSnapshot {
  return {
    orderIncidentId: row.order_incident_id,
    orderIncidentExternalId: row.order_incident_external_id,
    orderReference: row.order_reference,
    createdAt: new Date(row.created_at),
    incidentStatus: row.status,
    reasonCode: row.reason_code,
    reasonDescription: row.reason_description,
    supplierExternalId: row.supplier_external_id,
    accountExternalId: row.account_external_id,
    orderLineIncident: parseJson(row.lines),
  };
}

/** Snapshots by object id. */
export async function loadSnapshots(em: EntityManager, orderIds: string[], incidentIds: string[]): Promise<Map<string, ObjectSnapshot>> {
  const snapshots = new Map<string, ObjectSnapshot>();
  if (orderIds.length > 0) {
    for (const row of await em.execute<Row[]>(ORDERS_SQL, [JSON.stringify(orderIds)])) snapshots.set(row.id, { objectType: 'ORDER', order: orderSnapshot(row) });
  }
  if (incidentIds.length > 0) {
    for (const row of await em.execute<Row[]>(INCIDENTS_SQL, [JSON.stringify(incidentIds)])) snapshots.set(row.id, { objectType: 'INCIDENT', incident: incidentSnapshot(row) });
  }
  return snapshots;
}
