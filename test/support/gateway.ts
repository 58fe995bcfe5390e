/**
 * A real Jobout instance for a test file: its own database, port 0, fixed admin token and secret key, and a
 * GraphQL client that returns status and body as they came over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { startGateway, type Gateway } from '../../src/gateway';
import { createLogger, type Logger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from './database';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; errors?: { field: string; message: string }[]; [key: string]: unknown } }[];
}

export interface TestGateway {
  url: string;
  gateway: Gateway;
  db: TestDatabase;
  logs: string[];
  /** POST /graphql with a bearer token (undefined: none). */
  gql<T = any>(token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Like gql as the administrator; fails the test on any GraphQL error. */
  admin<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** `options.db`: a database the test prepared (an older schema to upgrade, say); dropped at close like its own. */
export async function startTestGateway(env: Record<string, string> = {}, options: { db?: TestDatabase } = {}): Promise<TestGateway> {
  const db = options.db ?? (await createTestDatabase());
  const dataDir = mkdtempSync(path.join(tmpdir(), 'jobout-test-data-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: '0',
    JOBOUT_DATA_DIR: dataDir,
    JOBOUT_ADMIN_TOKEN: ADMIN_TOKEN,
    JOBOUT_SECRET_KEY: SECRET_KEY,
    JOBOUT_ALLOW_PRIVATE_TARGETS: 'true',
    ...env,
  });
  const logs: string[] = [];
  const logger: Logger = createLogger((line) => logs.push(line));
  const gateway = await startGateway(config, logger);

  const gql = async (token: string | undefined, query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as GraphQLResponse;
    return { ...body, status: response.status };
  };
  return {
    url: gateway.url,
    gateway,
    db,
    logs,
    gql,
    async admin(query, variables) {
      const result = await gql(ADMIN_TOKEN, query, variables);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    async close() {
      await gateway.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
