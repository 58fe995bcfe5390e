import 'reflect-metadata';
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/domain/errors';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { RestClient } from './rest-client';

/** CONTRACT §5, as written there. */
const CONTRACT_ROUTES = [
  ['GET', '/v1/mapper/jobout', 'ADM-JOBOUT-550'],
  ['GET', '/v1/mapper/jobout/{jobOutId}', 'ADM-JOBOUT-500'],
  ['GET', '/v2/mapper/jobout/{id}', 'ADM-JOBOUT-501'],
  ['POST', '/v1/mapper/jobout', 'ADM-JOBOUT-100'],
  ['PUT', '/v1/mapper/jobout/{jobOutId}', 'ADM-JOBOUT-201'],
  ['DELETE', '/v1/mapper/jobout/{jobOutId}', 'ADM-JOBOUT-301'],
  ['PATCH', '/v2/jobouts/{jobOutId}/suppliers', 'ADM-JOBOUT-200'],
  ['DELETE', '/v2/jobouts/{jobOutId}/suppliers', 'ADM-JOBOUT-300'],
];

let t: TestGateway;
let rest: RestClient;

beforeAll(async () => {
  t = await startTestGateway();
  rest = await RestClient.connect(t);
});
afterAll(() => t?.close());

describe('GET /openapi.json', () => {
  it('is served without a token or dj-client header, as JSON', async () => {
    const response = await fetch(`${t.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await response.json()).openapi).toBe('3.1.0');
  });

  it('refuses other methods with a 405 problem', async () => {
    const response = await fetch(`${t.url}/openapi.json`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(rest.document) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.specification).toBe('OpenAPI');
    expect(result.warnings).toEqual([]);
  });

  it('describes exactly the routes of CONTRACT §5 with their operation ids', () => {
    const described = Object.entries(rest.document.paths ?? {}).flatMap(([path, item]) =>
      (['get', 'put', 'post', 'delete', 'patch'] as const).filter((method) => item?.[method]).map((method) => [method.toUpperCase(), path, item![method]!.operationId]),
    );
    expect(described.sort()).toEqual([...CONTRACT_ROUTES].sort());
  });

  it('requires the bearer token and the dj-client header on every operation', () => {
    expect(rest.document.security).toEqual([{ bearerAuth: [] }]);
    for (const [, , operationId] of CONTRACT_ROUTES) {
      const operation = rest.operation(operationId);
      expect(operation.parameters, operationId).toContainEqual(expect.objectContaining({ name: 'dj-client', in: 'header', required: true, schema: { type: 'string', enum: ['OPERATOR'] } }));
      expect(Object.keys(operation.responses ?? {}), operationId).toEqual(expect.arrayContaining(['401', '403', '500']));
    }
  });

  it('marks the v1 single GET deprecated and lists every error code in the problem schema', () => {
    expect(rest.operation('ADM-JOBOUT-500').deprecated).toBe(true);
    const codes = (rest.document.components?.schemas?.Problem as { properties: { code: { enum: string[] } } }).properties.code.enum;
    expect(codes).toEqual(expect.arrayContaining([...ERROR_CODES, 'INTERNAL_SERVER_ERROR']));
  });

  it('describes the create body so that the removed suppliers field does not conform', () => {
    const body = { name: 'x', objectType: 'ORDER', clientConnectionId: '9c1e0c5e-7d4c-4c55-9a38-0f0b0c1d2e3f', triggerStatuses: ['SHIPPED'], apiCall: { httpMethod: 'POST', path: '/o' } };
    expect(rest.requestBodyErrors('ADM-JOBOUT-100', body)).toEqual([]);
    expect(rest.requestBodyErrors('ADM-JOBOUT-100', { ...body, suppliers: ['a'] })).not.toEqual([]);
    expect(rest.requestBodyErrors('ADM-JOBOUT-200', { supplierExternalIds: [] })).not.toEqual([]);
  });
});
