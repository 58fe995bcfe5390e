import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobBody, postJob, startRest, type RestFixture } from './setup';
import type { CallOptions } from './rest-client';

/** Access (CONTRACT §2) and bad HTTP input: every failure is a problem+json 4xx, never a 500. */
let f: RestFixture;
let jobId: string;

const ONE_MIB = 1024 * 1024;
const ID_ROUTES = [
  ['ADM-JOBOUT-500', 'jobOutId'],
  ['ADM-JOBOUT-501', 'id'],
  ['ADM-JOBOUT-201', 'jobOutId'],
  ['ADM-JOBOUT-301', 'jobOutId'],
  ['ADM-JOBOUT-200', 'jobOutId'],
  ['ADM-JOBOUT-300', 'jobOutId'],
] as const;
const BODY_ROUTES = ['ADM-JOBOUT-100', 'ADM-JOBOUT-201', 'ADM-JOBOUT-200', 'ADM-JOBOUT-300'] as const;
const ALL_ROUTES = ['ADM-JOBOUT-550', ...ID_ROUTES.map(([operationId]) => operationId), 'ADM-JOBOUT-100'] as const;

/** A well-formed request for the operation on the file's job, plus `options`. */
function request(operationId: string, options: CallOptions = {}): CallOptions {
  const param = ID_ROUTES.find(([id]) => id === operationId)?.[1];
  const body = operationId === 'ADM-JOBOUT-100' || operationId === 'ADM-JOBOUT-201' ? jobBody(f.connectionId) : operationId.match(/-(200|300)$/) ? { supplierExternalIds: ['SUP-X'] } : undefined;
  return { params: param ? { [param]: jobId } : undefined, body, ...options };
}

beforeAll(async () => {
  f = await startRest();
  jobId = (await postJob(f)).id;
});
afterAll(() => f?.t.close());

describe('authentication and the dj-client header', () => {
  it.each(ALL_ROUTES)('%s without a bearer token: 401 UNAUTHENTICATED with WWW-Authenticate', async (operationId) => {
    const response = await f.rest.call(operationId, request(operationId, { token: null }));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.body).toMatchObject({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'UNAUTHENTICATED', errors: [] });
  });

  it.each(ALL_ROUTES)('%s with an unknown token: 401', async (operationId) => {
    const response = await f.rest.call(operationId, request(operationId, { token: 'jo_not-a-real-token' }));
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHENTICATED');
  });

  it.each(ALL_ROUTES)('%s without dj-client: 403 FORBIDDEN naming the header', async (operationId) => {
    const response = await f.rest.call(operationId, request(operationId, { client: null }));
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'FORBIDDEN', errors: [{ field: 'dj-client', message: expect.stringContaining('OPERATOR') }] });
  });

  it('refuses another dj-client value with 403', async () => {
    const response = await f.rest.call('ADM-JOBOUT-550', { client: 'CUSTOMER' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
  });

  it('checks the token before the header: no token and no header is 401', async () => {
    const response = await f.rest.call('ADM-JOBOUT-550', { token: null, client: null });
    expect(response.status).toBe(401);
  });

  it('changes nothing on a refused write', async () => {
    const job = await postJob(f);
    expect((await f.rest.call('ADM-JOBOUT-301', { params: { jobOutId: job.id }, client: null })).status).toBe(403);
    expect((await f.rest.call('ADM-JOBOUT-301', { params: { jobOutId: job.id }, token: null })).status).toBe(401);
    expect((await f.rest.call('ADM-JOBOUT-501', { params: { id: job.id } })).status).toBe(200);
  });
});

describe('malformed ids', () => {
  it.each(ID_ROUTES)('%s with a non-uuid id: 400 BAD_USER_INPUT', async (operationId, param) => {
    const response = await f.rest.call(operationId, request(operationId, { params: { [param]: 'not-a-uuid' } }));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'id', message: 'must be a uuid' }] });
  });
});

describe('request bodies', () => {
  it.each(BODY_ROUTES)('%s with malformed JSON: 400 BAD_REQUEST', async (operationId) => {
    const response = await f.rest.call(operationId, request(operationId, { body: undefined, rawBody: '{"name": "x",', contentType: 'application/json' }));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 400, code: 'BAD_REQUEST', errors: [] });
    expect(response.body.detail).toMatch(/^Malformed JSON body/);
  });

  it.each(BODY_ROUTES)('%s with a JSON string instead of an object: 400', async (operationId) => {
    const response = await f.rest.call(operationId, request(operationId, { body: undefined, rawBody: '"hello"', contentType: 'application/json' }));
    expect(response.status).toBe(400);
  });

  it.each(BODY_ROUTES)('%s with a non-JSON content type: 415 UNSUPPORTED_MEDIA_TYPE', async (operationId) => {
    const response = await f.rest.call(operationId, request(operationId, { body: undefined, rawBody: 'name=x', contentType: 'application/x-www-form-urlencoded' }));
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(response.body.detail).toContain('application/json');
  });

  it('treats a JSON body without a content type as unsupported: 415', async () => {
    const response = await f.rest.call('ADM-JOBOUT-100', { rawBody: JSON.stringify(jobBody(f.connectionId)) });
    expect(response.status).toBe(415);
  });

  it('accepts application/json with a charset and +json media types', async () => {
    const withCharset = await f.rest.call('ADM-JOBOUT-100', { body: jobBody(f.connectionId), contentType: 'application/json; charset=utf-8' });
    const suffixed = await f.rest.call('ADM-JOBOUT-100', { body: jobBody(f.connectionId), contentType: 'application/vnd.jobout+json' });
    expect([withCharset.status, suffixed.status]).toEqual([201, 201]);
  });

  it('refuses an unsupported charset with 415', async () => {
    const response = await f.rest.call('ADM-JOBOUT-100', { body: jobBody(f.connectionId), contentType: 'application/json; charset=koi8-r' });
    expect(response.status).toBe(415);
    expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses POST without a body: 400 BAD_REQUEST', async () => {
    const response = await f.rest.call('ADM-JOBOUT-100', {});
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('BAD_REQUEST');
  });

  it.each(BODY_ROUTES)('%s with a body over 1 MiB: 413 PAYLOAD_TOO_LARGE', async (operationId) => {
    const rawBody = JSON.stringify({ name: 'x'.repeat(ONE_MIB) });
    const response = await f.rest.call(operationId, request(operationId, { body: undefined, rawBody, contentType: 'application/json' }));
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', title: 'Payload Too Large' });
  });

  it('reads a body of exactly 1 MiB (and judges its content instead)', async () => {
    const padding = ONE_MIB - JSON.stringify({ name: '' }).length;
    const rawBody = JSON.stringify({ name: 'x'.repeat(padding) });
    expect(Buffer.byteLength(rawBody)).toBe(ONE_MIB);
    const response = await f.rest.call('ADM-JOBOUT-100', { rawBody, contentType: 'application/json' });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('BAD_USER_INPUT');
  });

  it('refuses unknown fields in a job body with 400 naming them', async () => {
    const response = await f.rest.call('ADM-JOBOUT-100', { body: jobBody(f.connectionId, { supplierExternalID: ['SUP-X'] }) });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'supplierExternalID', message: expect.any(String) }]);
  });
});

describe('routes and methods', () => {
  it('answers a method a route does not have with 405 and Allow', async () => {
    const response = await f.rest.raw('PATCH', '/v1/mapper/jobout');
    expect(response.status).toBe(405);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
    expect(response.body).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' });
  });

  it('answers OPTIONS with the allowed methods', async () => {
    const response = await f.rest.raw('OPTIONS', `/v2/jobouts/${randomUUID()}/suppliers`);
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')).toBe('PATCH, DELETE, OPTIONS');
  });

  it('answers an unknown route under /v1 or /v2 with a 404 problem', async () => {
    for (const path of ['/v1/mapper/jobouts', '/v2/mapper/jobout', '/v2/jobouts/x/y/z']) {
      const response = await f.rest.raw('GET', path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
    }
  });
});

describe('internal errors', () => {
  it('answer 500 with a generic message and a correlation id; the details go to the log only', async () => {
    // A real failure below the service: the table jobs are read from disappears for a moment.
    await f.t.db.query('alter table export_job rename to export_job_moved');
    try {
      const response = await f.rest.call('ADM-JOBOUT-501', { params: { id: jobId } });
      expect(response.status).toBe(500);
      const { correlationId } = response.body;
      expect(response.body).toMatchObject({ type: 'about:blank', title: 'Internal Server Error', status: 500, code: 'INTERNAL_SERVER_ERROR', errors: [] });
      expect(response.body.detail).toBe(`Internal error; quote correlation id ${correlationId} when reporting it`);
      expect(response.text).not.toMatch(/export_job|does not exist|select /i);
      const logged = f.t.logs.map((line) => JSON.parse(line)).find((entry) => entry.correlationId === correlationId);
      expect(logged).toMatchObject({ level: 'error', method: 'GET' });
      expect(logged.error).toMatchObject({ sqlState: '42P01' }); // undefined table; the statement itself is never logged
    } finally {
      await f.t.db.query('alter table export_job_moved rename to export_job');
    }
  });
});
