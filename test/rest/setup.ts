/** What every REST test file starts from: a real gateway with its own database, a client, one connection. */
import { createConnection, jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { RestClient } from './rest-client';

export interface RestFixture {
  t: TestGateway;
  rest: RestClient;
  connectionId: string;
}

export async function startRest(): Promise<RestFixture> {
  const t = await startTestGateway();
  try {
    const rest = await RestClient.connect(t);
    const connectionId = await createConnection(t);
    return { t, rest, connectionId };
  } catch (error) {
    await t.close();
    throw error;
  }
}

let jobs = 0;
/** A name no other job of the test file has. */
export const uniqueName = (prefix = 'Job') => `${prefix} ${++jobs}`;

/** A valid create body (CONTRACT §4) with a unique name. */
export const jobBody = (connectionId: string, overrides: Record<string, unknown> = {}) => jobInput(connectionId, { name: uniqueName(), ...overrides });

/** POST /v1/mapper/jobout, failing the test unless it answers 201. */
export async function postJob(f: RestFixture, overrides: Record<string, unknown> = {}, token = ADMIN_TOKEN) {
  const response = await f.rest.call('ADM-JOBOUT-100', { token, body: jobBody(f.connectionId, overrides) });
  if (response.status !== 201) throw new Error(`POST /v1/mapper/jobout answered ${response.status}: ${response.text}`);
  return response.body;
}

/** The job as the administrator sees it (GET /v2). */
export async function getJob(f: RestFixture, id: string, token = ADMIN_TOKEN) {
  const response = await f.rest.call('ADM-JOBOUT-501', { token, params: { id } });
  if (response.status !== 200) throw new Error(`GET /v2/mapper/jobout/${id} answered ${response.status}: ${response.text}`);
  return response.body;
}
