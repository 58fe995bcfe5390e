/**
 * The migrations: the status lists the initial one writes into the database are the ones `domain/statuses.ts`
 * knows; a database of the first release (`initial` only) is upgraded with its jobs and connections kept, now
 * global (CONTRACT §2a); and a database made by a development build from before the squash is refused with a
 * message that says what to do, without changing it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/db/migrations';
import { migrate, openOrm } from '../../src/db/orm';
import { canonicalStatus, INCIDENT_STATUSES, ORDER_STATUSES } from '../../src/domain/statuses';
import { StartupError } from '../../src/startup-error';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../support/database';
import { createOperator, createStore, upsertSupplier } from '../support/fixtures';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { startHttpSink } from '../support/http-sink';
import { waitFor } from '../support/wait';

const allowedIn = (message: string) => /allowed values: (.*)$/.exec(message)?.[1].split(', ');

describe('the status lists in the database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('accept every order status of domain/statuses.ts, and name exactly those when refusing one', async () => {
    for (const status of ORDER_STATUSES) await db.query(`insert into order_logistic (reference, status) values ($1, $2)`, [`S-${status}`, status]);
    expect((await db.query<{ status: string }>(`select status from order_logistic order by reference`)).map((r) => r.status).sort()).toEqual([...ORDER_STATUSES].sort());
    const refusal = await db.query(`insert into order_logistic (reference, status) values ('S-X', 'NOT_A_STATUS')`).catch((error: Error) => error.message);
    expect(allowedIn(String(refusal))).toEqual([...ORDER_STATUSES]);
  });

  it('normalise the on-hold alias as canonicalStatus does', async () => {
    const [row] = await db.query<{ status: string }>(`insert into order_logistic (reference, status) values ('ALIAS', 'DRAFT_ORDER_ON_HOLD') returning status`);
    expect(row.status).toBe(canonicalStatus('DRAFT_ORDER_ON_HOLD'));
  });

  it('accept every incident and incident line status, and name exactly those when refusing one', async () => {
    for (const status of INCIDENT_STATUSES) {
      const [incident] = await db.query<{ id: string }>(`insert into incident (order_incident_id, status) values ($1, $2) returning id`, [`I-${status}`, status]);
      await db.query(`insert into incident_line (incident_id, incident_line_status) values ($1, $2)`, [incident.id, status]);
    }
    const incident = await db.query(`insert into incident (order_incident_id, status) values ('I-X', 'LOST')`).catch((error: Error) => error.message);
    expect(allowedIn(String(incident))).toEqual([...INCIDENT_STATUSES]);
    const [{ id }] = await db.query<{ id: string }>(`select id from incident limit 1`);
    const line = await db.query(`insert into incident_line (incident_id, incident_line_status) values ($1, 'LOST')`, [id]).catch((error: Error) => error.message);
    expect(allowedIn(String(line))).toEqual([...INCIDENT_STATUSES]);
  });
});

describe('a database of the first release', () => {
  it('is upgraded at start with its jobs and connections kept, now global: seen by every store, changed only by all-stores principals, still exporting', async () => {
    const db = await createEmptyDatabase();
    const orm = await openOrm(db.url, { size: 1 });
    try {
      await orm.getMigrator().up({ to: 'Migration20261130000000_initial' });
    } finally {
      await orm.close();
    }
    const partner = await startHttpSink();
    let t: TestGateway | undefined;
    try {
      const [{ id: connection }] = await db.query<{ id: string }>(`insert into client_connection (name, base_url) values ('Legacy ERP', $1) returning id`, [partner.url]);
      const [{ id: job }] = await db.query<{ id: string }>(
        `insert into export_job (name, object_type, client_connection_id, trigger_statuses, http_method, path) values ('Legacy orders', 'ORDER', $1, '{SHIPPED}', 'POST', '/orders') returning id`,
        [connection],
      );
      t = await startTestGateway({}, { db });
      expect((await db.query<{ name: string }>(`select name from mikro_orm_migrations order by id`)).map((row) => row.name)).toEqual(MIGRATIONS.map((m) => m.name));
      const read = `query($job: ID!, $connection: ID!) { exportJob(id: $job) { name storeExternalIds } clientConnection(id: $connection) { name storeExternalIds } }`;
      expect(await t.admin(read, { job, connection })).toEqual({ exportJob: { name: 'Legacy orders', storeExternalIds: [] }, clientConnection: { name: 'Legacy ERP', storeExternalIds: [] } });

      await createStore(t, 'S1');
      await upsertSupplier(t, 'SUP-1', ['S1']);
      const storeAdmin = await createOperator(t, 'ADMIN', ['S1']);
      expect((await t.gql(storeAdmin, read, { job, connection })).data).toEqual({ exportJob: { name: 'Legacy orders', storeExternalIds: [] }, clientConnection: { name: 'Legacy ERP', storeExternalIds: [] } });
      expect((await t.gql(storeAdmin, `mutation($id: ID!) { deleteExportJob(id: $id) }`, { id: job })).errors![0].extensions?.code).toBe('FORBIDDEN');

      await t.admin(`mutation($input: OrderInput!) { upsertOrder(input: $input) { id } }`, { input: { reference: 'LEGACY-1', status: 'SHIPPED', supplierExternalId: 'SUP-1' } });
      await waitFor(() => partner.requests.length === 1, { what: "the legacy job's export" });
      expect(partner.requests[0]).toMatchObject({ method: 'POST', url: '/orders' });
      expect(JSON.parse(partner.requests[0].body)).toMatchObject({ reference: 'LEGACY-1' });
    } finally {
      await (t ? t.close() : db.drop());
      await partner.close();
    }
  });
});

/** A database as the development builds before the squash left it: their four migrations applied. */
async function databaseOfAnOlderBuild(): Promise<TestDatabase> {
  const db = await createEmptyDatabase();
  await db.query(`create table mikro_orm_migrations (id serial primary key, name varchar(255), executed_at timestamptz default current_timestamp)`);
  await db.query(`insert into mikro_orm_migrations (name) values ('Migration20261127000000_foundation'), ('Migration20261127010000_dispatch'),
                  ('Migration20261127020000_lean_write_path'), ('Migration20261127030000_outbox_claims')`);
  await db.query(`create table store (id uuid primary key, external_id text not null, name text not null)`);
  return db;
}

describe('a database made by an unreleased development build', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await databaseOfAnOlderBuild();
  });
  afterAll(() => db?.drop());

  it('is refused before any migration runs, with what to do, and left as it was', async () => {
    const orm = await openOrm(db.url, { size: 1 });
    try {
      const refusal = await migrate(orm, db.url).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(StartupError);
      expect((refusal as Error).message).toMatch(/unreleased development schema.*Migration20261127000000_foundation.*Recreate it.*JOBOUT_DATA_DIR/s);
    } finally {
      await orm.close();
    }
    expect(await db.query(`select count(*)::int as n from mikro_orm_migrations`)).toEqual([{ n: 4 }]);
    expect(await db.query(`select 1 from information_schema.tables where table_name = 'export'`)).toEqual([]);
  });

  it('stops npm start with that message and no stack trace', async () => {
    const main = path.resolve(__dirname, '../../dist/src/main.js');
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, PORT: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^jobout: failed to start: this database was made by an unreleased development schema/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
