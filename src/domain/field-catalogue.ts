/**
 * The fields a mapping may read, per object type: the seed's documented payload fields plus a few the
 * platform documents for orders (status, store, update time). `orderLines[].gtin` names a field of every
 * element of an array; `customFields.<key>` reads one custom field of an order.
 */
import type { ObjectType } from './statuses';

export const ORDER_FIELDS = [
  'reference',
  'accountExternalId',
  'supplierExternalId',
  'storeExternalId',
  'status',
  'createdAt',
  'updatedAt',
  'customFields',
  'orderLines',
  'orderLines[].orderLineId',
  'orderLines[].offerPriceExternalId',
  'orderLines[].variantExternalId',
  'orderLines[].quantityPerItem',
  'orderLines[].gtin',
  'orderLines[].quantity',
] as const;

export const INCIDENT_FIELDS = [
  'orderIncidentId',
  'orderIncidentExternalId',
  'orderReference',
  'createdAt',
  'incidentStatus',
  'reasonCode',
  'reasonDescription',
  'supplierExternalId',
  'accountExternalId',
  'orderLineIncident',
  'orderLineIncident[].orderLineId',
  'orderLineIncident[].orderLineExternalId',
  'orderLineIncident[].incidentLineStatus',
  'orderLineIncident[].variantExternalId',
  'orderLineIncident[].incidentLineQuantity',
] as const;

const CUSTOM_FIELD_SOURCE = /^customFields\.[A-Za-z0-9_-]{1,100}$/;

export function fieldCatalogue(objectType: ObjectType): readonly string[] {
  return objectType === 'ORDER' ? ORDER_FIELDS : INCIDENT_FIELDS;
}

export function isKnownSource(objectType: ObjectType, source: string): boolean {
  if (fieldCatalogue(objectType).includes(source)) return true;
  return objectType === 'ORDER' && CUSTOM_FIELD_SOURCE.test(source);
}
