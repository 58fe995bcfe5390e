/**
 * A job path can never take a request out of its connection's base URL (CONTRACT §9): encoded dots, slashes and
 * backslashes are refused by both APIs, and a path written into the table directly fails its attempt before
 * anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_JOB, createConnection, jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';
import { RestClient } from '../rest/rest-client';

const ESCAPES = ['/api/%2e%2e/admin', '/api/%2E%2E/admin', '/a%2f..%2fadmin', '/a%5C..%5Cadmin'];
let t: TestGateway;
let partner: HttpSink;
let connectionId: string;
let counter = 0;

beforeAll(async () => {
  t = await startTestGateway();
  partner = await startHttpSink();
  connectionId = await createConnection(t, 'Partner', `${partner.url}/base`);
});
afterAll(async () => {
  await t?.close();
  await partner?.close();
});

describe('a job path with an encoded dot, slash or backslash', () => {
  it.each(ESCAPES)('%s is refused over GraphQL, naming apiCall.path', async (path) => {
    const result = await t.gql(ADMIN_TOKEN, CREATE_JOB, { input: jobInput(connectionId, { name: `Job ${++counter}`, apiCall: { httpMethod: 'POST', path } }) });
    expect(result.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'apiCall.path' }] });
  });

  it.each(ESCAPES)('%s is refused over REST with 400, naming apiCall.path', async (path) => {
    const rest = await RestClient.connect(t);
    const response = await rest.call('ADM-JOBOUT-100', { body: jobInput(connectionId, { name: `Job ${++counter}`, apiCall: { httpMethod: 'POST', path } }) });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'apiCall.path' })]);
  });

  it('written into the table directly, fails its attempt and sends nothing outside the base URL', async () => {
    const job = await t.gql(ADMIN_TOKEN, CREATE_JOB, { input: jobInput(connectionId, { name: 'Escaping', triggerStatuses: ['SHIPPED'] }) });
    await t.db.query(`update export_job set path = '/x/%2e%2e/%2e%2e/admin' where id = $1`, [job.data.createExportJob.id]);
    await t.db.query(`insert into order_logistic (reference, status) values ('ESCAPE-1', 'SHIPPED')`);
    await waitFor(async () => (await t.db.query(`select 1 from export_attempt a join export e on e.id = a.export_id where e.object_reference = 'ESCAPE-1'`)).length === 1, {
      what: 'the attempt recorded',
    });
    const [attempt] = await t.db.query<{ error_class: string; error: string }>(`select a.error_class, a.error from export_attempt a join export e on e.id = a.export_id where e.object_reference = 'ESCAPE-1'`);
    expect(attempt).toEqual({ error_class: 'OTHER', error: expect.stringContaining('the job path holds an encoded') });
    expect(partner.requests.filter((request) => request.body.includes('ESCAPE-1'))).toEqual([]);
  });
});
