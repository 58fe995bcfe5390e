/** Reference data and jobs created through the public GraphQL API, as an operator would. */
import { ADMIN_TOKEN, type TestGateway } from './gateway';

export const JOB_FIELDS = `id name exportMethod objectType clientConnectionId triggerStatuses allowMultipleExports
  apiCall { httpMethod path queryParams { name value } } mapping { source target } includeCustomFields
  suppliers { externalId name } createdAt updatedAt`;

export async function createStore(t: TestGateway, externalId: string, name = `Store ${externalId}`) {
  return (await t.admin(`mutation($input: StoreInput!) { createStore(input: $input) { id externalId name } }`, { input: { externalId, name } })).createStore;
}

export async function upsertSupplier(t: TestGateway, externalId: string, storeExternalIds: string[], name = `Supplier ${externalId}`) {
  return (
    await t.admin(`mutation($input: SupplierInput!) { upsertSupplier(input: $input) { id externalId name storeExternalIds } }`, {
      input: { externalId, name, storeExternalIds },
    })
  ).upsertSupplier;
}

export async function createOperator(t: TestGateway, permission: 'ADMIN' | 'USER' | 'READER' | 'INGEST', storeExternalIds: string[], name = `${permission} operator`) {
  const result = await t.admin(`mutation($input: OperatorInput!) { createOperator(input: $input) { token operator { id } } }`, {
    input: { name, permission, storeExternalIds },
  });
  return result.createOperator.token as string;
}

export async function createConnection(t: TestGateway, name = 'ERP', baseUrl = 'http://127.0.0.1:9/api') {
  return (await t.admin(`mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, { input: { name, baseUrl } }))
    .createClientConnection.id as string;
}

export function jobInput(clientConnectionId: string, overrides: Record<string, unknown> = {}) {
  return {
    name: 'Orders to ERP',
    exportMethod: 'API_CLIENT',
    objectType: 'ORDER',
    clientConnectionId,
    triggerStatuses: ['ORDER_CREATED', 'SHIPPED'],
    allowMultipleExports: false,
    apiCall: { httpMethod: 'POST', path: '/orders', queryParams: [{ name: 'source', value: 'jobout' }] },
    mapping: [],
    includeCustomFields: false,
    ...overrides,
  };
}

export const CREATE_JOB = `mutation($input: ExportJobInput!) { createExportJob(input: $input) { ${JOB_FIELDS} } }`;

export async function createJob(t: TestGateway, input: Record<string, unknown>, token?: string) {
  const result = await t.gql(token ?? ADMIN_TOKEN, CREATE_JOB, { input });
  if (result.errors?.length) throw new Error(`createExportJob failed: ${JSON.stringify(result.errors)}`);
  return result.data.createExportJob;
}
