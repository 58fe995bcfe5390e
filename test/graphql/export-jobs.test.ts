import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { CREATE_JOB, createConnection, createJob, JOB_FIELDS, jobInput } from '../support/fixtures';

let t: TestGateway;
let connectionId: string;

beforeAll(async () => {
  t = await startTestGateway();
  connectionId = await createConnection(t);
});
afterAll(() => t?.close());

describe('createExportJob', () => {
  it('creates the job of CONTRACT §4 and reads it back', async () => {
    const created = await createJob(t, jobInput(connectionId, { name: 'Contract example', mapping: [{ source: 'reference', target: 'orderNumber' }, { source: 'orderLines[].gtin', target: 'lines[].ean' }] }));
    expect(created).toMatchObject({
      name: 'Contract example',
      exportMethod: 'API_CLIENT',
      objectType: 'ORDER',
      clientConnectionId: connectionId,
      triggerStatuses: ['ORDER_CREATED', 'SHIPPED'],
      allowMultipleExports: false,
      apiCall: { httpMethod: 'POST', path: '/orders', queryParams: [{ name: 'source', value: 'jobout' }] },
      mapping: [{ source: 'reference', target: 'orderNumber' }, { source: 'orderLines[].gtin', target: 'lines[].ean' }],
      includeCustomFields: false,
      suppliers: [],
    });
    expect(created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const read = await t.admin(`query($id: ID!) { exportJob(id: $id) { ${JOB_FIELDS} } }`, { id: created.id });
    expect(read.exportJob).toEqual(created);
  });
});
