/**
 * The GraphQL ingest path for systems that prefer it to writing the tables of CONTRACT §7 directly. It writes
 * those same tables, so the database trigger records status changes exactly as for any SQL client; statuses are
 * checked here first only to answer with a field error instead of a database error.
 */
import { requireIngest } from '../auth/principal';
import { assertNoFieldErrors, DomainError, notFound } from '../domain/errors';
import { InputReader, isPlainObject } from '../domain/input-reader';
import { canonicalStatus, INCIDENT_STATUSES, ORDER_STATUSES } from '../domain/statuses';
import { supplierVisible } from '../db/visibility';
import { visibilityParams, type Scope } from './scope';

export interface OrderView {
  id: string;
  reference: string;
  status: string | null;
}

export interface IncidentView {
  id: string;
  orderIncidentId: string;
  status: string | null;
}

const MAX_LINES = 1000;
type Row = Record<string, any>;

function readStatus(input: InputReader, field: string, allowed: readonly string[], kind: string): string | null {
  const status = input.string(field, { max: 64 });
  if (status === undefined) return null;
  if (!allowed.includes(canonicalStatus(status))) {
    input.fail(field, `unknown ${kind} status "${status}"; allowed values: ${allowed.join(', ')}`);
    return null;
  }
  return canonicalStatus(status);
}

function readDate(input: InputReader, field: string): string | null {
  const value = input.value(field);
  if (value === undefined) return null;
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) return input.fail(field, 'must be an ISO-8601 date-time') ?? null;
  return date.toISOString();
}

/**
 * Store scope on writes (CONTRACT §2a): a principal scoped to stores writes only objects of suppliers of its
 * stores, so it can neither fire another store's jobs nor overwrite another store's orders. Every refusal, an
 * unknown reference, a supplier outside its stores, or a reference that exists under such a supplier, is the
 * same FORBIDDEN with the same message: the answer never tells whether a reference exists elsewhere.
 */
const refused = (what: string, id: string) =>
  new DomainError('FORBIDDEN', `${what} ${id} cannot be written: it must exist, or be created, under a supplier of your stores`);

async function assertSupplierVisible(scope: Scope, what: string, id: string, supplierExternalId: string | null): Promise<void> {
  if (scope.principal.storeIds === null) return;
  const [stores, sameStores] = visibilityParams(scope);
  const visible =
    supplierExternalId !== null && (await scope.em.execute(`select 1 where ${supplierVisible('?::text', '?')}`, [stores, supplierExternalId, sameStores])).length > 0;
  if (!visible) throw refused(what, id);
}

/** A reference the status change found nothing under: unknown to an all-stores principal, refused to a scoped one. */
const missing = (scope: Scope, what: string, id: string) => (scope.principal.storeIds === null ? notFound(what, id) : refused(what, id));

function object(raw: unknown, what: string): InputReader {
  if (!isPlainObject(raw)) throw new DomainError('BAD_USER_INPUT', `The ${what} must be an object`);
  return new InputReader(raw);
}

export class IngestService {
  /** Creates or replaces an order logistic (by reference) and, when given, its lines. */
  async upsertOrder(scope: Scope, raw: unknown): Promise<OrderView> {
    requireIngest(scope.principal);
    const input = object(raw, 'order');
    const reference = input.string('reference', { required: true, max: 255 });
    const text = (field: string) => input.string(field, { max: 255 }) ?? null;
    const order = {
      reference,
      account_external_id: text('accountExternalId'),
      supplier_external_id: text('supplierExternalId'),
      store_external_id: text('storeExternalId'),
      status: readStatus(input, 'status', ORDER_STATUSES, 'order'),
      created_at: readDate(input, 'createdAt'),
      custom_fields: JSON.stringify(input.value('customFields') ?? {}),
    };
    if (!isPlainObject(input.value('customFields') ?? {})) input.fail('customFields', 'must be an object');
    const lines = input.objects('orderLines', MAX_LINES)?.map((line) => {
      const row = {
        order_line_id: line.string('orderLineId', { max: 255 }) ?? null,
        offer_price_external_id: line.string('offerPriceExternalId', { max: 255 }) ?? null,
        variant_external_id: line.string('variantExternalId', { max: 255 }) ?? null,
        quantity_per_item: line.string('quantityPerItem', { max: 64 }) ?? null,
        gtin: line.string('gtin', { max: 64 }) ?? null,
        quantity: line.integer('quantity', 0, 2_147_483_647) ?? null,
      };
      input.merge(line);
      return row;
    });
    assertNoFieldErrors(input.errors, 'Invalid order');
    await assertSupplierVisible(scope, 'Order', order.reference!, order.supplier_external_id);
    return scope.em.transactional(async (em) => {
      const [saved] = await em.execute<Row[]>(
        `insert into order_logistic (reference, account_external_id, supplier_external_id, store_external_id, status, created_at, custom_fields)
         values (?, ?, ?, ?, ?, coalesce(?::timestamptz, now()), ?::jsonb)
         on conflict (reference) do update set account_external_id = excluded.account_external_id,
           supplier_external_id = excluded.supplier_external_id, store_external_id = excluded.store_external_id,
           status = coalesce(excluded.status, order_logistic.status), custom_fields = excluded.custom_fields, updated_at = now(),
           created_at = coalesce(?::timestamptz, order_logistic.created_at)
         where ${supplierVisible('order_logistic.supplier_external_id', '?')}
         returning id, reference, status`,
        [order.reference, order.account_external_id, order.supplier_external_id, order.store_external_id, order.status, order.created_at, order.custom_fields, order.created_at, ...visibilityParams(scope)],
      );
      if (!saved) throw refused('Order', order.reference!);
      if (lines) {
        await em.execute('delete from order_line where order_logistic_id = ?', [saved.id]);
        if (lines.length > 0) {
          await em.execute(
            `insert into order_line (order_logistic_id, position, order_line_id, offer_price_external_id, variant_external_id, quantity_per_item, gtin, quantity)
             select ?, x.position, x.order_line_id, x.offer_price_external_id, x.variant_external_id, x.quantity_per_item, x.gtin, x.quantity
             from json_to_recordset(?::json) as x(position integer, order_line_id text, offer_price_external_id text, variant_external_id text,
               quantity_per_item text, gtin text, quantity integer)`,
            [saved.id, JSON.stringify(lines.map((line, index) => ({ position: index + 1, ...line })))],
          );
        }
      }
      return { id: saved.id, reference: saved.reference, status: saved.status };
    });
  }

  async setOrderStatus(scope: Scope, reference: string, status: string): Promise<OrderView> {
    requireIngest(scope.principal);
    const input = new InputReader({ status });
    const canonical = readStatus(input, 'status', ORDER_STATUSES, 'order');
    assertNoFieldErrors(input.errors, 'Invalid status');
    const [row] = await scope.em.execute<Row[]>(
      `update order_logistic set status = ?, updated_at = now() where reference = ? and ${supplierVisible('supplier_external_id', '?')} returning id, reference, status`,
      [canonical, reference, ...visibilityParams(scope)],
    );
    if (!row) throw missing(scope, 'Order', reference);
    return { id: row.id, reference: row.reference, status: row.status };
  }

  /** Creates or replaces an incident (by orderIncidentId) and, when given, its lines. */
  async upsertIncident(scope: Scope, raw: unknown): Promise<IncidentView> {
    requireIngest(scope.principal);
    const input = object(raw, 'incident');
    const text = (field: string) => input.string(field, { max: 2000 }) ?? null;
    const incident = {
      order_incident_id: input.string('orderIncidentId', { required: true, max: 255 }),
      order_incident_external_id: text('orderIncidentExternalId'),
      order_reference: text('orderReference'),
      status: readStatus(input, 'status', INCIDENT_STATUSES, 'incident'),
      reason_code: text('reasonCode'),
      reason_description: text('reasonDescription'),
      supplier_external_id: text('supplierExternalId'),
      account_external_id: text('accountExternalId'),
      created_at: readDate(input, 'createdAt'),
    };
    const lines = input.objects('orderLineIncident', MAX_LINES)?.map((line) => {
      const row = {
        order_line_id: line.string('orderLineId', { max: 255 }) ?? null,
        order_line_external_id: line.string('orderLineExternalId', { max: 255 }) ?? null,
        incident_line_status: readStatus(line, 'incidentLineStatus', INCIDENT_STATUSES, 'incident line'),
        variant_external_id: line.string('variantExternalId', { max: 255 }) ?? null,
        incident_line_quantity: line.integer('incidentLineQuantity', 0, 2_147_483_647) ?? null,
      };
      input.merge(line);
      return row;
    });
    assertNoFieldErrors(input.errors, 'Invalid incident');
    await assertSupplierVisible(scope, 'Incident', incident.order_incident_id!, incident.supplier_external_id);
    return scope.em.transactional(async (em) => {
      const [saved] = await em.execute<Row[]>(
        `insert into incident (order_incident_id, order_incident_external_id, order_reference, status, reason_code, reason_description,
                               supplier_external_id, account_external_id, created_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?::timestamptz, now()))
         on conflict (order_incident_id) do update set order_incident_external_id = excluded.order_incident_external_id,
           order_reference = excluded.order_reference, status = coalesce(excluded.status, incident.status),
           reason_code = excluded.reason_code, reason_description = excluded.reason_description,
           supplier_external_id = excluded.supplier_external_id, account_external_id = excluded.account_external_id
         where ${supplierVisible('incident.supplier_external_id', '?')}
         returning id, order_incident_id, status`,
        [
          incident.order_incident_id,
          incident.order_incident_external_id,
          incident.order_reference,
          incident.status,
          incident.reason_code,
          incident.reason_description,
          incident.supplier_external_id,
          incident.account_external_id,
          incident.created_at,
          ...visibilityParams(scope),
        ],
      );
      if (!saved) throw refused('Incident', incident.order_incident_id!);
      if (lines) {
        await em.execute('delete from incident_line where incident_id = ?', [saved.id]);
        if (lines.length > 0) {
          await em.execute(
            `insert into incident_line (incident_id, position, order_line_id, order_line_external_id, incident_line_status, variant_external_id, incident_line_quantity)
             select ?, x.position, x.order_line_id, x.order_line_external_id, x.incident_line_status, x.variant_external_id, x.incident_line_quantity
             from json_to_recordset(?::json) as x(position integer, order_line_id text, order_line_external_id text, incident_line_status text,
               variant_external_id text, incident_line_quantity integer)`,
            [saved.id, JSON.stringify(lines.map((line, index) => ({ position: index + 1, ...line })))],
          );
        }
      }
      return { id: saved.id, orderIncidentId: saved.order_incident_id, status: saved.status };
    });
  }

  async setIncidentStatus(scope: Scope, orderIncidentId: string, status: string): Promise<IncidentView> {
    requireIngest(scope.principal);
    const input = new InputReader({ status });
    const canonical = readStatus(input, 'status', INCIDENT_STATUSES, 'incident');
    assertNoFieldErrors(input.errors, 'Invalid status');
    const [row] = await scope.em.execute<Row[]>(
      `update incident set status = ? where order_incident_id = ? and ${supplierVisible('supplier_external_id', '?')} returning id, order_incident_id, status`,
      [canonical, orderIncidentId, ...visibilityParams(scope)],
    );
    if (!row) throw missing(scope, 'Incident', orderIncidentId);
    return { id: row.id, orderIncidentId: row.order_incident_id, status: row.status };
  }
}
