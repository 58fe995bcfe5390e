import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors';
import { parseExportJobInput } from '../../src/domain/export-job-input';

const CONNECTION = '9c1e0000-0000-4000-8000-000000000001';
const valid = (overrides: Record<string, unknown> = {}) => ({
  name: 'Orders to ERP',
  objectType: 'ORDER',
  clientConnectionId: CONNECTION,
  triggerStatuses: ['ORDER_CREATED'],
  apiCall: { httpMethod: 'POST', path: '/orders' },
  ...overrides,
});

function failure(raw: unknown): DomainError {
  try {
    parseExportJobInput(raw);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the input to be refused');
}

describe('parseExportJobInput', () => {
  it('fills the defaults of optional fields', () => {
    expect(parseExportJobInput(valid())).toEqual({
      name: 'Orders to ERP',
      objectType: 'ORDER',
      clientConnectionId: CONNECTION,
      triggerStatuses: ['ORDER_CREATED'],
      allowMultipleExports: false,
      apiCall: { httpMethod: 'POST', path: '/orders', queryParams: [] },
      mapping: [],
      includeCustomFields: false,
      supplierExternalIds: [],
    });
  });

  it('stores the lifecycle spelling DRAFT_ORDER_ON_HOLD as ORDER_DRAFT_ON_HOLD, once', () => {
    const input = parseExportJobInput(valid({ triggerStatuses: ['DRAFT_ORDER_ON_HOLD', 'ORDER_DRAFT_ON_HOLD'], allowMultipleExports: true }));
    expect(input.triggerStatuses).toEqual(['ORDER_DRAFT_ON_HOLD']);
    expect(input.allowMultipleExports).toBe(true);
  });

  it('refuses the removed suppliers field with SUPPLIERS_FIELD_REMOVED naming its replacement', () => {
    const error = failure(valid({ suppliers: ['0b6f…'] }));
    expect(error.code).toBe('SUPPLIERS_FIELD_REMOVED');
    expect(error.message).toContain('supplierExternalIds');
  });

  it.each([
    ['an empty name', { name: '' }, 'name'],
    ['a name over 255 characters', { name: 'x'.repeat(256) }, 'name'],
    ['no trigger status', { triggerStatuses: [] }, 'triggerStatuses'],
    ['an incident status on an order job', { triggerStatuses: ['OPEN'] }, 'triggerStatuses'],
    ['an order status on an incident job', { objectType: 'INCIDENT', triggerStatuses: ['SHIPPED'] }, 'triggerStatuses'],
    ['an unknown object type', { objectType: 'INVOICE' }, 'objectType'],
    ['allowMultipleExports without ORDER_DRAFT_ON_HOLD', { allowMultipleExports: true }, 'allowMultipleExports'],
    ['allowMultipleExports on an incident job', { objectType: 'INCIDENT', triggerStatuses: ['OPEN'], allowMultipleExports: true }, 'allowMultipleExports'],
    ['several API calls', { apiCall: [{ httpMethod: 'POST', path: '/a' }, { httpMethod: 'POST', path: '/b' }] }, 'apiCall'],
    ['GET as the method', { apiCall: { httpMethod: 'GET', path: '/orders' } }, 'apiCall.httpMethod'],
    ['DELETE as the method', { apiCall: { httpMethod: 'DELETE', path: '/orders' } }, 'apiCall.httpMethod'],
    ['an absolute URL as the path', { apiCall: { httpMethod: 'POST', path: 'https://evil.example/x' } }, 'apiCall.path'],
    ['a scheme-relative path', { apiCall: { httpMethod: 'POST', path: '//evil.example/x' } }, 'apiCall.path'],
    ['a path climbing out', { apiCall: { httpMethod: 'POST', path: '/api/../admin' } }, 'apiCall.path'],
    ['a path climbing out with encoded dots', { apiCall: { httpMethod: 'POST', path: '/api/%2e%2e/admin' } }, 'apiCall.path'],
    ['a path climbing out with upper-case encoded dots', { apiCall: { httpMethod: 'POST', path: '/api/%2E%2E/admin' } }, 'apiCall.path'],
    ['a path with an encoded slash', { apiCall: { httpMethod: 'POST', path: '/a%2F..%2Fadmin' } }, 'apiCall.path'],
    ['a path with an encoded backslash', { apiCall: { httpMethod: 'POST', path: '/a%5c..%5cadmin' } }, 'apiCall.path'],
    ['a query in the path', { apiCall: { httpMethod: 'POST', path: '/orders?x=1' } }, 'apiCall.path'],
    ['a malformed connection id', { clientConnectionId: 'not-a-uuid' }, 'clientConnectionId'],
    ['an unknown mapping source', { mapping: [{ source: 'secretColumn', target: 'x' }] }, 'mapping[0].source'],
    ['an incident field on an order job', { mapping: [{ source: 'reasonCode', target: 'x' }] }, 'mapping[0].source'],
    ['an array source into a plain target', { mapping: [{ source: 'orderLines[].gtin', target: 'ean' }] }, 'mapping[0].target'],
    ['two entries with one target', { mapping: [{ source: 'reference', target: 'id' }, { source: 'status', target: 'id' }] }, 'mapping[1].target'],
    ['a target inside another target', { mapping: [{ source: 'reference', target: 'order' }, { source: 'status', target: 'order.status' }] }, 'mapping[1].target'],
    ['a malformed target', { mapping: [{ source: 'reference', target: 'a..b' }] }, 'mapping[0].target'],
    ['a target through __proto__', { mapping: [{ source: 'reference', target: '__proto__.polluted' }] }, 'mapping[0].target'],
    ['a target through constructor.prototype', { mapping: [{ source: 'reference', target: 'constructor.prototype.x' }] }, 'mapping[0].target'],
    ['custom fields on an incident job', { objectType: 'INCIDENT', triggerStatuses: ['OPEN'], includeCustomFields: true }, 'includeCustomFields'],
    ['supplierExternalIds that are not strings', { supplierExternalIds: [42] }, 'supplierExternalIds[0]'],
    ['an unknown field', { supplierExternalID: ['SUP-1'] }, 'supplierExternalID'],
  ])('refuses %s', (_case, overrides, field) => {
    const error = failure(valid(overrides));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.fieldErrors.map((e) => e.field)).toContain(field);
  });

  it('lists every unknown mapping source in one error', () => {
    const error = failure(valid({ mapping: [{ source: 'nope', target: 'a' }, { source: 'reference', target: 'b' }, { source: 'alsoNope', target: 'c' }] }));
    expect(error.fieldErrors).toEqual([
      { field: 'mapping[0].source', message: 'unknown ORDER field "nope"' },
      { field: 'mapping[2].source', message: 'unknown ORDER field "alsoNope"' },
    ]);
    expect(error.message).toContain('nope');
    expect(error.message).toContain('alsoNope');
  });

  it('accepts nested and array targets, custom fields and read-only fields echoed from a GET', () => {
    const input = parseExportJobInput(
      valid({
        id: 'ignored',
        createdAt: 'ignored',
        mapping: [
          { source: 'reference', target: 'order.id' },
          { source: 'orderLines[].gtin', target: 'lines[].ean' },
          { source: 'orderLines[].quantity', target: 'lines[].qty' },
          { source: 'customFields.costCenter', target: 'order.costCenter' },
        ],
      }),
    );
    expect(input.mapping).toHaveLength(4);
  });
});
