/**
 * Every GraphQL operation and every REST route, called by store A's operators on store B's resources, answers as
 * CONTRACT §2a says: an invisible resource exactly like an unknown one (same code, same message), a list without
 * store B's rows. The operations are read from the schema and the OpenAPI document: one that has no rule here
 * fails the first test, so no operation is added without deciding its scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiSchema } from '../../src/graphql/schema';
import { connectFeed } from '../support/feed-client';
import { jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';
import { RestClient } from '../rest/rest-client';
import { setUpTwoStores, type TwoStores } from './two-stores';

const UNKNOWN_ID = '00000000-0000-4000-8000-00000000dead';
const UNKNOWN_REFERENCE = 'NO-SUCH-REFERENCE';

let t: TestGateway;
let s: TwoStores;
let rest: RestClient;
let partner: HttpSink;
/** Store B's resources, and store A's own connection (which A may use). */
const b = { connection: '', job: '', jobName: '', export: '', order: 'ORDER-OF-B', incident: 'INCIDENT-OF-B', operator: '' };
let connectionOfA = '';

/**
 * How an operation called from store A on store B's resource must answer. An ingest of a reference that exists
 * elsewhere is compared with an ingest refused for its supplier: a new reference under one's own supplier is
 * created, which no answer can imitate (references are one namespace, CONTRACT §7); operators.test.ts checks that
 * the refusal reads the same either way.
 */
type Rule =
  /** Exactly like the same call on an unknown id or reference: same code, same message. */
  | { kind: 'like-unknown'; call: (target: 'theirs' | 'unknown') => Promise<GraphQLResponse>; code: string }
  /** A list or count that must not contain store B's rows. */
  | { kind: 'without-theirs'; call: () => Promise<unknown[]> }
  /** No resource of another store is named: the rule is tested where the operation is (see `where`). */
  | { kind: 'own-resources-only'; where: string };

const gql = (token: string, query: string, variables?: Record<string, unknown>) => t.gql(token, query, variables);
const pick = (target: 'theirs' | 'unknown', theirs: string, unknown = UNKNOWN_ID) => (target === 'theirs' ? theirs : unknown);

const GRAPHQL_RULES: Record<string, Rule> = {
  // Queries
  clientConnections: { kind: 'without-theirs', call: async () => (await gql(s.a.ADMIN, '{ clientConnections { id } }')).data.clientConnections.map((c: { id: string }) => c.id) },
  clientConnection: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `query($id: ID!) { clientConnection(id: $id) { id } }`, { id: pick(target, b.connection) }) },
  exportJobs: { kind: 'without-theirs', call: async () => (await gql(s.a.ADMIN, '{ exportJobs(size: 100) { content { id } } }')).data.exportJobs.content.map((j: { id: string }) => j.id) },
  exportJob: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `query($id: ID!) { exportJob(id: $id) { id } }`, { id: pick(target, b.job) }) },
  exports: { kind: 'without-theirs', call: async () => (await gql(s.a.ADMIN, '{ exports(size: 100) { content { id } } }')).data.exports.content.map((e: { id: string }) => e.id) },
  export: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `query($id: ID!) { export(id: $id) { id } }`, { id: pick(target, b.export) }) },
  exportPreview: {
    kind: 'like-unknown',
    code: 'NOT_FOUND',
    call: (target) => gql(s.a.ADMIN, `query($job: ID!, $ref: String!) { exportPreview(jobId: $job, objectReference: $ref) }`, { job: pick(target, b.job), ref: b.order }),
  },
  me: { kind: 'own-resources-only', where: 'operators.test.ts (the caller itself)' },
  alertTargets: { kind: 'own-resources-only', where: 'test/controls/alert-target.test.ts (each store lists only its own target)' },
  setAlertTarget: {
    kind: 'like-unknown',
    code: 'NOT_FOUND',
    call: (target) => gql(s.a.ADMIN, `mutation($input: AlertTargetInput!) { setAlertTarget(input: $input) { id } }`, { input: { clientConnectionId: pick(target, b.connection), path: '/alerts' } }),
  },
  objectTypes: { kind: 'own-resources-only', where: 'the product\'s statuses and field catalogue, the same for every caller (test/console/jobs-and-connections.test.ts)' },
  stores: { kind: 'without-theirs', call: async () => (await gql(s.a.ADMIN, '{ stores { id externalId } }')).data.stores.map((x: { externalId: string }) => x.externalId) },
  suppliers: {
    kind: 'without-theirs',
    call: async () => (await gql(s.a.ADMIN, '{ suppliers { externalId storeExternalIds } }')).data.suppliers.flatMap((x: { externalId: string; storeExternalIds: string[] }) => [x.externalId, ...x.storeExternalIds]),
  },
  operators: { kind: 'without-theirs', call: async () => (await gql(s.a.ADMIN, '{ operators { id } }')).data.operators.map((o: { id: string }) => o.id) },
  // Mutations
  createClientConnection: {
    kind: 'like-unknown',
    code: 'BAD_USER_INPUT',
    call: (target) => gql(s.a.ADMIN, `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, { input: { name: 'x', baseUrl: partner.url, storeExternalIds: [pick(target, 'STORE-B', 'STORE-NONE')] } }),
  },
  updateClientConnection: {
    kind: 'like-unknown',
    code: 'NOT_FOUND',
    call: (target) => gql(s.a.ADMIN, `mutation($id: ID!, $input: ClientConnectionInput!) { updateClientConnection(id: $id, input: $input) { id } }`, { id: pick(target, b.connection), input: { name: 'taken', baseUrl: partner.url } }),
  },
  deleteClientConnection: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { deleteClientConnection(id: $id) }`, { id: pick(target, b.connection) }) },
  testClientConnection: {
    kind: 'like-unknown',
    code: 'NOT_FOUND',
    call: (target) => gql(s.a.USER, `mutation($id: ID!) { testClientConnection(id: $id) { ok steps { name ok detail } } }`, { id: pick(target, b.connection) }),
  },
  createExportJob: {
    kind: 'like-unknown',
    code: 'BAD_USER_INPUT',
    call: (target) => gql(s.a.ADMIN, `mutation($input: ExportJobInput!) { createExportJob(input: $input) { id } }`, { input: jobInput(pick(target, b.connection), { name: 'through theirs' }) }),
  },
  updateExportJob: {
    kind: 'like-unknown',
    code: 'NOT_FOUND',
    call: (target) => gql(s.a.ADMIN, `mutation($id: ID!, $input: ExportJobInput!) { updateExportJob(id: $id, input: $input) { id } }`, { id: pick(target, b.job), input: jobInput(connectionOfA, { name: 'taken' }) }),
  },
  deleteExportJob: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: pick(target, b.job) }) },
  resumeClientConnection: {
    kind: 'like-unknown',
    code: 'NOT_FOUND',
    call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { resumeClientConnection(id: $id) { id } }`, { id: pick(target, b.connection) }),
  },
  pauseExportJob: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { pauseExportJob(id: $id) { id } }`, { id: pick(target, b.job) }) },
  resumeExportJob: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { resumeExportJob(id: $id) { id } }`, { id: pick(target, b.job) }) },
  addExportJobSuppliers: {
    kind: 'like-unknown',
    code: 'NOT_FOUND',
    call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { addExportJobSuppliers(id: $id, supplierExternalIds: ["SUP-AB"]) { id } }`, { id: pick(target, b.job) }),
  },
  removeExportJobSuppliers: {
    kind: 'like-unknown',
    code: 'NOT_FOUND',
    call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { removeExportJobSuppliers(id: $id, supplierExternalIds: ["SUP-B"]) { id } }`, { id: pick(target, b.job) }),
  },
  retryExport: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { retryExport(id: $id) { id } }`, { id: pick(target, b.export) }) },
  retryExports: {
    kind: 'without-theirs',
    call: async () => {
      const counted = (await gql(s.a.ADMIN, `mutation($filter: RetryExportsFilter!) { retryExports(filter: $filter, dryRun: true) }`, { filter: { jobId: b.job } })).data.retryExports;
      const retried = (await gql(s.a.ADMIN, `mutation($filter: RetryExportsFilter!) { retryExports(filter: $filter) }`, { filter: { jobId: b.job } })).data.retryExports;
      return [...(counted === 0 ? [] : [`${counted} of store B's exports counted`]), ...(retried === 0 ? [] : [`${retried} of store B's exports retried`])];
    },
  },
  upsertOrder: {
    kind: 'like-unknown',
    code: 'FORBIDDEN',
    call: (target) => gql(s.a.INGEST, `mutation($input: OrderInput!) { upsertOrder(input: $input) { id } }`, { input: { reference: pick(target, b.order, UNKNOWN_REFERENCE), supplierExternalId: 'SUP-B' } }),
  },
  setOrderStatus: {
    kind: 'like-unknown',
    code: 'FORBIDDEN',
    call: (target) => gql(s.a.INGEST, `mutation($ref: String!) { setOrderStatus(reference: $ref, status: "SHIPPED") { id } }`, { ref: pick(target, b.order, UNKNOWN_REFERENCE) }),
  },
  upsertIncident: {
    kind: 'like-unknown',
    code: 'FORBIDDEN',
    call: (target) => gql(s.a.INGEST, `mutation($input: IncidentInput!) { upsertIncident(input: $input) { id } }`, { input: { orderIncidentId: pick(target, b.incident, UNKNOWN_REFERENCE), supplierExternalId: 'SUP-B', status: 'OPEN' } }),
  },
  setIncidentStatus: {
    kind: 'like-unknown',
    code: 'FORBIDDEN',
    call: (target) => gql(s.a.INGEST, `mutation($id: String!) { setIncidentStatus(orderIncidentId: $id, status: "CLOSED") { id } }`, { id: pick(target, b.incident, UNKNOWN_REFERENCE) }),
  },
  createStore: { kind: 'own-resources-only', where: 'reference-data.test.ts (a new store joins the creator\'s stores)' },
  upsertSupplier: {
    kind: 'like-unknown',
    code: 'BAD_USER_INPUT',
    call: (target) => gql(s.a.ADMIN, `mutation($store: String!) { upsertSupplier(input: { externalId: "SUP-NEW", name: "New", storeExternalIds: [$store] }) { id } }`, { store: pick(target, 'STORE-B', 'STORE-NONE') }),
  },
  createOperator: {
    kind: 'like-unknown',
    code: 'BAD_USER_INPUT',
    call: (target) => gql(s.a.ADMIN, `mutation($store: String!) { createOperator(input: { name: "x", permission: USER, storeExternalIds: [$store] }) { token } }`, { store: pick(target, 'STORE-B', 'STORE-NONE') }),
  },
  rotateOperatorToken: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { rotateOperatorToken(id: $id) { token } }`, { id: pick(target, b.operator) }) },
  revokeOperator: { kind: 'like-unknown', code: 'NOT_FOUND', call: (target) => gql(s.a.ADMIN, `mutation($id: ID!) { revokeOperator(id: $id) { id } }`, { id: pick(target, b.operator) }) },
  // Subscriptions
  exportResults: { kind: 'own-resources-only', where: 'the "exportResults" test below, over graphql-ws' },
  operationalEvents: { kind: 'own-resources-only', where: 'test/controls/pause.test.ts ("reaches only the operators who may see the job"), over graphql-ws' },
};

/** REST routes, by operation id: store A's USER on store B's job. */
const REST_RULES: Record<string, { theirs: () => Promise<{ status: number; body: any }>; unknown?: () => Promise<{ status: number; body: any }>; status: number }> = {
  'ADM-JOBOUT-550': { status: 200, theirs: () => rest.call('ADM-JOBOUT-550', { token: s.a.USER, query: 'size=100' }) },
  'ADM-JOBOUT-500': { status: 404, theirs: () => rest.call('ADM-JOBOUT-500', { token: s.a.USER, params: { jobOutId: b.job } }), unknown: () => rest.call('ADM-JOBOUT-500', { token: s.a.USER, params: { jobOutId: UNKNOWN_ID } }) },
  'ADM-JOBOUT-501': { status: 404, theirs: () => rest.call('ADM-JOBOUT-501', { token: s.a.USER, params: { id: b.job } }), unknown: () => rest.call('ADM-JOBOUT-501', { token: s.a.USER, params: { id: UNKNOWN_ID } }) },
  'ADM-JOBOUT-100': {
    status: 400,
    theirs: () => rest.call('ADM-JOBOUT-100', { token: s.a.USER, body: jobInput(b.connection, { name: 'through theirs' }) }),
    unknown: () => rest.call('ADM-JOBOUT-100', { token: s.a.USER, body: jobInput(UNKNOWN_ID, { name: 'through theirs' }) }),
  },
  'ADM-JOBOUT-201': {
    status: 404,
    theirs: () => rest.call('ADM-JOBOUT-201', { token: s.a.USER, params: { jobOutId: b.job }, body: jobInput(connectionOfA, { name: 'taken' }) }),
    unknown: () => rest.call('ADM-JOBOUT-201', { token: s.a.USER, params: { jobOutId: UNKNOWN_ID }, body: jobInput(connectionOfA, { name: 'taken' }) }),
  },
  'ADM-JOBOUT-301': { status: 404, theirs: () => rest.call('ADM-JOBOUT-301', { token: s.a.USER, params: { jobOutId: b.job } }), unknown: () => rest.call('ADM-JOBOUT-301', { token: s.a.USER, params: { jobOutId: UNKNOWN_ID } }) },
  'ADM-JOBOUT-200': {
    status: 404,
    theirs: () => rest.call('ADM-JOBOUT-200', { token: s.a.USER, params: { jobOutId: b.job }, body: { supplierExternalIds: ['SUP-AB'] } }),
    unknown: () => rest.call('ADM-JOBOUT-200', { token: s.a.USER, params: { jobOutId: UNKNOWN_ID }, body: { supplierExternalIds: ['SUP-AB'] } }),
  },
  'ADM-JOBOUT-300': {
    status: 404,
    theirs: () => rest.call('ADM-JOBOUT-300', { token: s.a.USER, params: { jobOutId: b.job }, body: { supplierExternalIds: ['SUP-B'] } }),
    unknown: () => rest.call('ADM-JOBOUT-300', { token: s.a.USER, params: { jobOutId: UNKNOWN_ID }, body: { supplierExternalIds: ['SUP-B'] } }),
  },
};

/** An answer with the ids and references that differ between the two calls masked. */
function answer(result: GraphQLResponse): { code: string | undefined; message: string | undefined; errors: unknown } {
  const error = result.errors?.[0];
  const mask = (text: string | undefined) =>
    text?.replaceAll(b.connection, '<id>').replaceAll(b.job, '<id>').replaceAll(b.export, '<id>').replaceAll(b.operator, '<id>').replaceAll(UNKNOWN_ID, '<id>')
      .replaceAll(b.order, '<ref>').replaceAll(b.incident, '<ref>').replaceAll(UNKNOWN_REFERENCE, '<ref>').replaceAll('STORE-B', '<store>').replaceAll('STORE-NONE', '<store>');
  return { code: error?.extensions?.code, message: mask(error?.message), errors: JSON.parse(mask(JSON.stringify(error?.extensions?.errors ?? null))!) };
}

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_MAX_RETRIES: '0' });
  s = await setUpTwoStores(t);
  rest = await RestClient.connect(t);
  partner = await startHttpSink();
  partner.setDefault(reply.status(500, 'down')); // store B's export ends FAILED: a retry target
  const connection = async (token: string, name: string) =>
    (await gql(token, `mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, { input: { name, baseUrl: partner.url } })).data.createClientConnection.id as string;
  b.connection = await connection(s.b.USER, 'B partner');
  connectionOfA = await connection(s.a.USER, 'A partner');
  const job = (await gql(s.b.USER, `mutation($input: ExportJobInput!) { createExportJob(input: $input) { id name } }`, { input: jobInput(b.connection, { name: 'Job of B', triggerStatuses: ['SHIPPED'] }) })).data.createExportJob;
  [b.job, b.jobName] = [job.id, job.name];
  await gql(s.b.INGEST, `mutation { upsertOrder(input: { reference: "${b.order}", supplierExternalId: "SUP-B", status: "SHIPPED" }) { id } }`);
  await gql(s.b.INGEST, `mutation { upsertIncident(input: { orderIncidentId: "${b.incident}", supplierExternalId: "SUP-B", status: "OPEN" }) { id } }`);
  await waitFor(async () => (await t.db.query(`select 1 from export where job_id = $1 and state = 'FAILED'`, [b.job])).length === 1, { what: "store B's export to fail" });
  b.export = (await t.db.query<{ id: string }>('select id from export where job_id = $1', [b.job]))[0].id;
  b.operator = (await t.db.query<{ id: string }>(`select id from operator where name = 'USER of STORE-B'`))[0].id;
});
afterAll(async () => {
  await t?.close();
  await partner?.close();
});

describe('the scope matrix', () => {
  it('has a rule for every GraphQL operation of the schema and every REST route of the OpenAPI document', async () => {
    const schema = buildApiSchema();
    const operations = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) => Object.keys(type?.getFields() ?? {}));
    expect(operations.sort()).toEqual(Object.keys(GRAPHQL_RULES).sort());
    const document = (await (await fetch(`${t.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const routes = Object.values(document.paths).flatMap((path) => Object.values(path).flatMap((operation) => operation.operationId ?? []));
    expect(routes.sort()).toEqual(Object.keys(REST_RULES).sort());
  });

  it.each(Object.entries(GRAPHQL_RULES).filter(([, rule]) => rule.kind === 'like-unknown'))("%s on store B's resource answers exactly like on an unknown one", async (_name, rule) => {
    if (rule.kind !== 'like-unknown') return;
    const [theirs, unknown] = [answer(await rule.call('theirs')), answer(await rule.call('unknown'))];
    expect(theirs.code).toBe(rule.code);
    expect(theirs).toEqual(unknown);
  });

  it.each(Object.entries(GRAPHQL_RULES).filter(([, rule]) => rule.kind === 'without-theirs'))("%s lists none of store B's rows", async (_name, rule) => {
    if (rule.kind !== 'without-theirs') return;
    const listed = (await rule.call()).map(String);
    const theirs = [b.connection, b.job, b.export, b.operator, 'STORE-B', 'SUP-B'];
    expect(listed.filter((item) => theirs.includes(item) || item.includes('store B'))).toEqual([]);
  });

  it.each(Object.entries(REST_RULES))('REST %s on store B\'s job answers like on an unknown one', async (operationId, rule) => {
    const theirs = await rule.theirs();
    expect(theirs.status).toBe(rule.status);
    if (rule.unknown) {
      const unknown = await rule.unknown();
      const mask = (body: unknown) => JSON.parse(JSON.stringify(body).replaceAll(b.job, '<id>').replaceAll(b.connection, '<id>').replaceAll(UNKNOWN_ID, '<id>'));
      expect({ status: theirs.status, body: mask(theirs.body) }).toEqual({ status: unknown.status, body: mask(unknown.body) });
    } else {
      expect(theirs.body.content.map((job: { id: string }) => job.id)).not.toContain(b.job);
      expect(operationId).toBe('ADM-JOBOUT-550');
    }
  });

  it("exportResults delivers nothing of store B's job, even when subscribed to it by id", async () => {
    const feed = connectFeed(t.url, s.a.READER);
    try {
      const byId = feed.subscribe({ jobId: b.job });
      const all = feed.subscribe();
      await waitFor(() => t.gateway.results.subscriberCount >= 2, { what: 'two subscriptions' });
      const jobOfA = (await gql(s.a.USER, `mutation($input: ExportJobInput!) { createExportJob(input: $input) { id } }`, { input: jobInput(connectionOfA, { name: 'Barrier job', triggerStatuses: ['COMPLETED'] }) })).data.createExportJob.id;
      await gql(ADMIN_TOKEN, `mutation { upsertOrder(input: { reference: "ANOTHER-OF-B", supplierExternalId: "SUP-B", status: "SHIPPED" }) { id } }`);
      await waitFor(async () => (await t.db.query(`select 1 from export where object_reference = 'ANOTHER-OF-B' and state = 'FAILED'`)).length === 1, { what: "store B's second result" });
      await gql(ADMIN_TOKEN, `mutation { upsertOrder(input: { reference: "BARRIER-OF-A", supplierExternalId: "SUP-A", status: "COMPLETED" }) { id } }`);
      await waitFor(() => all.events.some((event) => event.jobId === jobOfA), { what: "store A's barrier result" });
      expect([...byId.events, ...all.events].filter((event) => event.jobId === b.job)).toEqual([]);
      expect(byId.errors).toEqual([]);
    } finally {
      await feed.close();
    }
  });
});
