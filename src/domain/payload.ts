/**
 * The JSON an export sends. With an empty mapping it is exactly the seed's documented Order or Incident payload
 * (same field names and order, `quantityPerItem` a string, `quantity` a number, ISO-8601 UTC timestamps);
 * `includeCustomFields` adds the order's `customFields`. A non-empty mapping builds the body from its entries
 * alone, reading catalogue fields (see field-catalogue.ts) and writing dotted/array target paths.
 */
import type { MappingEntry } from './mapping';

export interface OrderLineSnapshot {
  orderLineId: string | null;
  offerPriceExternalId: string | null;
  variantExternalId: string | null;
  quantityPerItem: string | null;
  gtin: string | null;
  quantity: number | null;
}

export interface OrderSnapshot {
  reference: string;
  accountExternalId: string | null;
  supplierExternalId: string | null;
  storeExternalId: string | null;
  status: string | null;
  createdAt: Date;
  updatedAt: Date;
  customFields: Record<string, unknown>;
  orderLines: OrderLineSnapshot[];
}

export interface IncidentLineSnapshot {
  orderLineId: string | null;
  orderLineExternalId: string | null;
  incidentLineStatus: string | null;
  variantExternalId: string | null;
  incidentLineQuantity: number | null;
}

export interface IncidentSnapshot {
  orderIncidentId: string;
  orderIncidentExternalId: string | null;
  orderReference: string | null;
  createdAt: Date;
  incidentStatus: string | null;
  reasonCode: string | null;
  reasonDescription: string | null;
  supplierExternalId: string | null;
  accountExternalId: string | null;
  orderLineIncident: IncidentLineSnapshot[];
}

export type ObjectSnapshot = { objectType: 'ORDER'; order: OrderSnapshot } | { objectType: 'INCIDENT'; incident: IncidentSnapshot };

export interface PayloadSettings {
  mapping: MappingEntry[];
  includeCustomFields: boolean;
}

/** The seed's timestamp form: `2024-06-04T10:30:00Z` (UTC, whole seconds). */
export function isoUtc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Every catalogue field of an order, in the seed's order first: the document mappings read from. */
function orderDocument(order: OrderSnapshot): Record<string, unknown> {
  return {
    reference: order.reference,
    accountExternalId: order.accountExternalId,
    supplierExternalId: order.supplierExternalId,
    createdAt: isoUtc(order.createdAt),
    orderLines: order.orderLines.map((line) => ({
      orderLineId: line.orderLineId,
      offerPriceExternalId: line.offerPriceExternalId,
      variantExternalId: line.variantExternalId,
      quantityPerItem: line.quantityPerItem,
      gtin: line.gtin,
      quantity: line.quantity,
    })),
    storeExternalId: order.storeExternalId,
    status: order.status,
    updatedAt: isoUtc(order.updatedAt),
    customFields: order.customFields,
  };
}

function incidentDocument(incident: IncidentSnapshot): Record<string, unknown> {
  return {
    orderIncidentId: incident.orderIncidentId,
    orderIncidentExternalId: incident.orderIncidentExternalId,
    orderReference: incident.orderReference,
    createdAt: isoUtc(incident.createdAt),
    incidentStatus: incident.incidentStatus,
    reasonCode: incident.reasonCode,
    reasonDescription: incident.reasonDescription,
    supplierExternalId: incident.supplierExternalId,
    accountExternalId: incident.accountExternalId,
    orderLineIncident: incident.orderLineIncident.map((line) => ({
      orderLineId: line.orderLineId,
      orderLineExternalId: line.orderLineExternalId,
      incidentLineStatus: line.incidentLineStatus,
      variantExternalId: line.variantExternalId,
      incidentLineQuantity: line.incidentLineQuantity,
    })),
  };
}

const ORDER_DEFAULT_FIELDS = ['reference', 'accountExternalId', 'supplierExternalId', 'createdAt', 'orderLines'];

/** The request body, as the text every attempt sends. */
export function payloadText(snapshot: ObjectSnapshot, settings: PayloadSettings): string {
  return JSON.stringify(buildPayload(snapshot, settings));
}

export function buildPayload(snapshot: ObjectSnapshot, settings: PayloadSettings): Record<string, unknown> {
  const document = snapshot.objectType === 'ORDER' ? orderDocument(snapshot.order) : incidentDocument(snapshot.incident);
  if (settings.mapping.length > 0) return applyMapping(document, settings.mapping);
  if (snapshot.objectType === 'INCIDENT') return document;
  const payload: Record<string, unknown> = {};
  for (const field of ORDER_DEFAULT_FIELDS) payload[field] = document[field];
  if (settings.includeCustomFields) payload.customFields = document.customFields;
  return payload;
}

/** `orderLines[].gtin` -> one value per element; `customFields.x` -> a nested read; plain names -> the field. */
function readSource(document: Record<string, unknown>, source: string): { values: unknown[]; perElement: boolean } | { value: unknown; perElement: false } {
  const [arrayName, elementPath] = source.split('[].');
  if (elementPath !== undefined) {
    const elements = (document[arrayName] as Record<string, unknown>[] | undefined) ?? [];
    return { values: elements.map((element) => element[elementPath] ?? null), perElement: true };
  }
  let value: unknown = document;
  for (const segment of source.split('.')) {
    value = value && typeof value === 'object' && Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return { value: value ?? null, perElement: false };
}

/** Only own properties are ever followed or created, so no target can reach a prototype. */
function child(container: Record<string, unknown>, name: string, make: () => unknown): any {
  if (!Object.hasOwn(container, name)) container[name] = make();
  return container[name];
}

/** Writes `value` at a dotted path; the one `[]` segment (if any) spreads `values` over array elements by index. */
function writeTarget(body: Record<string, unknown>, target: string, read: ReturnType<typeof readSource>): void {
  const segments = target.split('.');
  const arrayAt = segments.findIndex((segment) => segment.endsWith('[]'));
  let container = body;
  const walkTo = segments.length - 1;
  if (arrayAt === -1 || !read.perElement) {
    for (const segment of segments.slice(0, walkTo)) container = child(container, segment, () => Object.create(null));
    container[segments[walkTo]] = 'value' in read ? read.value : null;
    return;
  }
  for (const segment of segments.slice(0, arrayAt)) container = child(container, segment, () => Object.create(null));
  const array: unknown[] = child(container, segments[arrayAt].slice(0, -2), () => []);
  const rest = segments.slice(arrayAt + 1);
  read.values.forEach((value, index) => {
    if (rest.length === 0) {
      array[index] = value;
      return;
    }
    let element = (array[index] ??= Object.create(null)) as Record<string, unknown>;
    for (const segment of rest.slice(0, -1)) element = child(element, segment, () => Object.create(null));
    element[rest[rest.length - 1]] = value;
  });
}

function applyMapping(document: Record<string, unknown>, mapping: MappingEntry[]): Record<string, unknown> {
  const body: Record<string, unknown> = Object.create(null);
  for (const entry of mapping) writeTarget(body, entry.target, readSource(document, entry.source));
  return body;
}

