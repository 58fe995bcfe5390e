/** The vocabulary of CONTRACT §3: object types, their statuses, export states. */

export const OBJECT_TYPES = ['ORDER', 'INCIDENT'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export const ORDER_STATUSES = [
  'CREATING',
  'DRAFT_ORDER',
  'ORDER_DRAFT_ON_HOLD',
  'BLOCKED_BY_POLICY',
  'BLOCKED_BY_PAYMENT',
  'ORDER_CREATED',
  'WAITING_CUSTOMER_APPROVAL',
  'WAITING_SUPPLIER_APPROVAL',
  'DECLINED_BY_CUSTOMER',
  'DECLINED_BY_SUPPLIER',
  'ACCEPTED_BY_SUPPLIER',
  'WAITING_FULFILLMENT',
  'WAITING_SHIPMENT',
  'PARTIALLY_SHIPPED',
  'PARTIALLY_CANCELED',
  'SHIPPED',
  'INCIDENT',
  'COMPLETED',
  'CANCELED',
] as const;

export const INCIDENT_STATUSES = ['OPEN', 'ON_GOING', 'CLOSED'] as const;

/** The only status an export job may export more than once (seed: "Allow export multiple times"). */
export const MULTI_EXPORT_STATUS = 'ORDER_DRAFT_ON_HOLD';

/**
 * The platform's lifecycle pages spell the on-hold status `DRAFT_ORDER_ON_HOLD`, the export page
 * `ORDER_DRAFT_ON_HOLD`. Both are accepted everywhere; the export page's spelling is stored.
 */
const STATUS_ALIASES: Readonly<Record<string, string>> = { DRAFT_ORDER_ON_HOLD: 'ORDER_DRAFT_ON_HOLD' };

export function canonicalStatus(status: string): string {
  return STATUS_ALIASES[status] ?? status;
}

export function statusesOf(objectType: ObjectType): readonly string[] {
  return objectType === 'ORDER' ? ORDER_STATUSES : INCIDENT_STATUSES;
}

/** PAUSED: parked while its job is paused or its connection suspended; not attempted, its retries kept. */
export const EXPORT_STATES = ['PENDING', 'SENDING', 'RETRY_SCHEDULED', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type ExportState = (typeof EXPORT_STATES)[number];
