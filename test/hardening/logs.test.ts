/**
 * Logs hold no token, no secret and no value of a failed SQL statement (CONTRACT §9): a run that handles every
 * kind of secret is scanned for them, and a database error with values is logged without them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { resolveAdminToken } from '../../src/dev-secrets';
import { createLogger } from '../../src/logger';
import { jobInput } from '../support/fixtures';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { reply, startHttpSink, type HttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

let t: TestGateway;
let partner: HttpSink;

beforeAll(async () => {
  t = await startTestGateway({ JOBOUT_MAX_RETRIES: '0' });
  partner = await startHttpSink();
});
afterAll(async () => {
  await t?.close();
  await partner?.close();
});

describe('the log of a run', () => {
  it('holds none of the tokens, secrets and header values the run handled', async () => {
    const secrets = ['client-secret-4f1e9a', 'header-key-77c2d0', 'password-90ab12'];
    const { createOperator } = await t.admin(`mutation { createStore(input: { externalId: "S", name: "S" }) { id } }`).then(() =>
      t.admin(`mutation { createOperator(input: { name: "op", permission: USER, storeExternalIds: ["S"] }) { token } }`),
    );
    partner.setDefault((request, res, counters) => (request.path.endsWith('/token') ? reply.status(401, 'bad client') : reply.status(500, 'down'))(request, res, counters));
    const connection = await t.admin(`mutation($input: ClientConnectionInput!) { createClientConnection(input: $input) { id } }`, {
      input: {
        name: 'Secretive',
        baseUrl: partner.url,
        headers: [{ name: 'X-Api-Key', value: secrets[1] }],
        auth: { type: 'OAUTH2_PASSWORD', tokenUrl: `${partner.url}/token`, clientId: 'c', clientSecret: secrets[0], username: 'u', password: secrets[2] },
      },
    });
    await t.admin(`mutation($input: ExportJobInput!) { createExportJob(input: $input) { id } }`, { input: jobInput(connection.createClientConnection.id, { name: 'Logged', triggerStatuses: ['SHIPPED'] }) });
    await t.admin(`mutation { upsertOrder(input: { reference: "LOGGED-1", status: "SHIPPED" }) { id } }`);
    await waitFor(async () => (await t.db.query(`select 1 from export where object_reference = 'LOGGED-1' and state = 'FAILED'`)).length === 1, { what: 'the failed export' });
    await t.gql(createOperator.token, `mutation { createStore(input: { externalId: "X", name: "X" }) { id } }`); // refused: logged or not, no token
    await t.gql('jo_wrong-token-0123456789', '{ me { name } }');
    const log = t.logs.join('\n');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [...secrets, createOperator.token, ADMIN_TOKEN, 'jo_wrong-token-0123456789']) expect(log).not.toContain(secret);
  });

  it('says where a generated administrator token is, never the token', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jobout-token-'));
    try {
      const lines: string[] = [];
      const token = resolveAdminToken(loadConfig({ JOBOUT_DATA_DIR: dir }), (line) => lines.push(line));
      expect(readFileSync(path.join(dir, 'admin-token'), 'utf8').trim()).toBe(token);
      expect(lines.join('\n')).toContain(path.join(dir, 'admin-token'));
      expect(lines.join('\n')).not.toContain(token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a failed SQL statement', () => {
  it('is logged with its SQLSTATE and the objects involved, not with its values', async () => {
    const em = t.gateway.orm.em.fork();
    await em.execute('insert into store (external_id, name) values (?, ?)', ['PERSONAL-DATA-5521', 'first']);
    const failure = await em.execute('insert into store (external_id, name) values (?, ?)', ['PERSONAL-DATA-5521', 'second']).catch((error: unknown) => error);
    expect(String((failure as Error).message)).toContain('PERSONAL-DATA-5521'); // what would have been logged
    const lines: string[] = [];
    createLogger((line) => lines.push(line)).error('statement failed', { error: failure });
    const logged = JSON.parse(lines[0]);
    expect(lines[0]).not.toContain('PERSONAL-DATA-5521');
    expect(logged.error).toMatchObject({ sqlState: '23505', constraint: 'store_external_id_key', table: 'store', message: expect.stringContaining('23505') });
  });
});
