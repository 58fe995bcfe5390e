import { describe, expect, it } from 'vitest';
import { buildPayload, type IncidentSnapshot, type OrderSnapshot } from '../../src/domain/payload';

const order: OrderSnapshot = {
  reference: '172-189-1896838-1',
  accountExternalId: '1234',
  supplierExternalId: '4567',
  storeExternalId: 'STORE-1',
  status: 'ORDER_CREATED',
  createdAt: new Date('2024-06-04T10:30:00Z'),
  updatedAt: new Date('2024-06-05T08:00:00.123Z'),
  customFields: { costCenter: 'CC-9', priority: 2 },
  orderLines: [
    { orderLineId: '7894', offerPriceExternalId: '6549', variantExternalId: 'SKU123', quantityPerItem: '2', gtin: '17244701', quantity: 2 },
    { orderLineId: '7895', offerPriceExternalId: '6550', variantExternalId: 'SKU124', quantityPerItem: '1', gtin: '17244702', quantity: 5 },
  ],
};

const incident: IncidentSnapshot = {
  orderIncidentId: 'INCIDENT_1234',
  orderIncidentExternalId: '4567',
  orderReference: '172-189-1896838-1',
  createdAt: new Date('2024-06-04T10:30:00Z'),
  incidentStatus: 'OPEN',
  reasonCode: 'RC001',
  reasonDescription: 'Broken product on delivery',
  supplierExternalId: 'SUP_321',
  accountExternalId: 'ACC_777',
  orderLineIncident: [
    { orderLineId: '16841984844', orderLineExternalId: 'OLINE_5678', incidentLineStatus: 'OPEN', variantExternalId: '489156', incidentLineQuantity: 1 },
  ],
};

const defaults = { mapping: [], includeCustomFields: false };

describe('default payloads', () => {
  it('is exactly the seed Order JSON: names, order, string quantityPerItem, number quantity, UTC timestamp', () => {
    const text = JSON.stringify(buildPayload({ objectType: 'ORDER', order: { ...order, orderLines: order.orderLines.slice(0, 1) } }, defaults));
    expect(text).toBe(
      '{"reference":"172-189-1896838-1","accountExternalId":"1234","supplierExternalId":"4567","createdAt":"2024-06-04T10:30:00Z",' +
        '"orderLines":[{"orderLineId":"7894","offerPriceExternalId":"6549","variantExternalId":"SKU123","quantityPerItem":"2","gtin":"17244701","quantity":2}]}',
    );
  });

  it('is exactly the seed Incident JSON', () => {
    const text = JSON.stringify(buildPayload({ objectType: 'INCIDENT', incident }, defaults));
    expect(text).toBe(
      '{"orderIncidentId":"INCIDENT_1234","orderIncidentExternalId":"4567","orderReference":"172-189-1896838-1","createdAt":"2024-06-04T10:30:00Z",' +
        '"incidentStatus":"OPEN","reasonCode":"RC001","reasonDescription":"Broken product on delivery","supplierExternalId":"SUP_321","accountExternalId":"ACC_777",' +
        '"orderLineIncident":[{"orderLineId":"16841984844","orderLineExternalId":"OLINE_5678","incidentLineStatus":"OPEN","variantExternalId":"489156","incidentLineQuantity":1}]}',
    );
  });

  it('adds customFields on request', () => {
    const payload = buildPayload({ objectType: 'ORDER', order }, { mapping: [], includeCustomFields: true });
    expect(Object.keys(payload)).toEqual(['reference', 'accountExternalId', 'supplierExternalId', 'createdAt', 'orderLines', 'customFields']);
    expect(payload.customFields).toEqual({ costCenter: 'CC-9', priority: 2 });
  });
});

describe('mapped payloads', () => {
  it('builds the body from the entries alone, with nested and array targets', () => {
    const payload = buildPayload(
      { objectType: 'ORDER', order },
      {
        includeCustomFields: false,
        mapping: [
          { source: 'reference', target: 'orderNumber' },
          { source: 'supplierExternalId', target: 'order.vendor.id' },
          { source: 'orderLines[].gtin', target: 'lines[].ean' },
          { source: 'orderLines[].quantity', target: 'lines[].qty' },
          { source: 'customFields.costCenter', target: 'order.costCenter' },
          { source: 'orderLines[].variantExternalId', target: 'skus[]' },
        ],
      },
    );
    expect(payload).toEqual({
      orderNumber: '172-189-1896838-1',
      order: { vendor: { id: '4567' }, costCenter: 'CC-9' },
      lines: [
        { ean: '17244701', qty: 2 },
        { ean: '17244702', qty: 5 },
      ],
      skus: ['SKU123', 'SKU124'],
    });
  });

  it('writes targets named like Object.prototype members as plain fields, touching no prototype', () => {
    const payload = buildPayload(
      { objectType: 'ORDER', order },
      { includeCustomFields: false, mapping: [{ source: 'reference', target: 'toString.name' }, { source: 'customFields.hasOwnProperty', target: 'valueOf' }] },
    );
    expect(JSON.parse(JSON.stringify(payload))).toEqual({ toString: { name: '172-189-1896838-1' }, valueOf: null });
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });

  it('writes null for a missing custom field and an empty array for an order without lines', () => {
    const payload = buildPayload(
      { objectType: 'ORDER', order: { ...order, orderLines: [] } },
      { includeCustomFields: false, mapping: [{ source: 'customFields.nope', target: 'x' }, { source: 'orderLines[].gtin', target: 'lines[].ean' }] },
    );
    expect(payload).toEqual({ x: null, lines: [] });
  });
});
