/**
 * What a job exports given its owner stores, decided by the dispatcher's matching SQL itself (claim-changes),
 * tested on the statement with rows written directly: whatever the API allows, a job of store A never records an
 * export for a supplier outside store A, nor sends one through a connection that does not cover it.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/db/orm';
import { sqlRunner, type SqlRunner } from '../../src/db/sql-runner';
import { claimChanges } from '../../src/dispatch/sql/claim-changes';
import { claimExports, NO_LONGER_EXPORTED } from '../../src/dispatch/sql/claim-exports';
import { insertExports } from '../../src/dispatch/sql/insert-exports';
import { exportIdFor } from '../../src/domain/export-identity';
import { createTestDatabase, type TestDatabase } from '../support/database';

const STORE_A = '00000000-0000-4000-8000-00000000000a';
const STORE_B = '00000000-0000-4000-8000-00000000000b';
const GLOBAL_CONNECTION = '00000000-0000-4000-8000-0000000000c0';
const CONNECTION_OF_A = '00000000-0000-4000-8000-0000000000ca';
const CONNECTION_OF_B = '00000000-0000-4000-8000-0000000000cb';

let db: TestDatabase;
let orm: MikroORM;
let sql: SqlRunner;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await openOrm(db.url, { size: 2 });
  sql = sqlRunner(orm);
  await db.query(`insert into store (id, external_id, name) values ($1, 'STORE-A', 'A'), ($2, 'STORE-B', 'B')`, [STORE_A, STORE_B]);
  await db.query(`insert into supplier (id, external_id, name) values
    ('00000000-0000-4000-8000-0000000005a0', 'SUP-A', 'A'), ('00000000-0000-4000-8000-0000000005b0', 'SUP-B', 'B'),
    ('00000000-0000-4000-8000-000000000ab0', 'SUP-AB', 'AB'), ('00000000-0000-4000-8000-0000000000d0', 'SUP-MOVING', 'Moving')`);
  await db.query(`insert into supplier_store (supplier_id, store_id) values
    ('00000000-0000-4000-8000-0000000005a0', $1), ('00000000-0000-4000-8000-0000000005b0', $2),
    ('00000000-0000-4000-8000-000000000ab0', $1), ('00000000-0000-4000-8000-000000000ab0', $2), ('00000000-0000-4000-8000-0000000000d0', $1)`, [STORE_A, STORE_B]);
  await db.query(`insert into client_connection (id, name, base_url, store_ids) values
    ($1, 'Global', 'http://partner.test', '{}'), ($2, 'Of A', 'http://a.test', $4), ($3, 'Of B', 'http://b.test', $5)`,
    [GLOBAL_CONNECTION, CONNECTION_OF_A, CONNECTION_OF_B, [STORE_A], [STORE_B]]);
});
afterAll(async () => {
  await orm?.close();
  await db?.drop();
});
beforeEach(async () => {
  await db.query('delete from status_change');
  await db.query('delete from export');
  await db.query('delete from export_job');
  await db.query('delete from order_logistic');
});

async function job(name: string, storeIds: string[], connectionId: string, suppliers: string[] = []): Promise<void> {
  await db.query(
    `insert into export_job (name, object_type, client_connection_id, trigger_statuses, http_method, path, store_ids, updated_at)
     values ($1, 'ORDER', $2, '{SHIPPED}', 'POST', '/o', $3, now() - interval '1 hour')`,
    [name, connectionId, storeIds],
  );
  for (const supplier of suppliers) {
    await db.query(`insert into export_job_supplier (export_job_id, supplier_id) select j.id, s.id from export_job j, supplier s where j.name = $1 and s.external_id = $2`, [name, supplier]);
  }
}

/** Ships one order per supplier and returns, per job name, the suppliers whose orders it matched. */
async function matchesFor(suppliers: string[]): Promise<Record<string, string[]>> {
  for (const supplier of suppliers) await db.query(`insert into order_logistic (reference, supplier_external_id, status) values ($1, $2, 'SHIPPED')`, [`O-${supplier}-${Math.random()}`, supplier]);
  const claimed = await claimChanges(sql, 100);
  const names = new Map((await db.query<{ id: string; name: string }>('select id, name from export_job')).map((row) => [row.id, row.name]));
  const result: Record<string, string[]> = {};
  for (const match of claimed.matches) {
    const change = claimed.changes.find((c) => c.id === match.changeId)!;
    (result[names.get(match.jobId)!] ??= []).push(change.supplierExternalId!);
  }
  for (const list of Object.values(result)) list.sort();
  return result;
}

describe('the matching of a job with owner stores', () => {
  it("without suppliers: every supplier of its stores, never another store's", async () => {
    await job('A, all suppliers', [STORE_A], CONNECTION_OF_A);
    expect(await matchesFor(['SUP-A', 'SUP-B', 'SUP-AB'])).toEqual({ 'A, all suppliers': ['SUP-A', 'SUP-AB'] });
  });

  it('with suppliers: only those that belong to one of its stores', async () => {
    await job('A, listed', [STORE_A], CONNECTION_OF_A, ['SUP-A', 'SUP-B']); // SUP-B written here by SQL; the API refuses it
    expect(await matchesFor(['SUP-A', 'SUP-B'])).toEqual({ 'A, listed': ['SUP-A'] });
  });

  it('stops matching a supplier moved out of its stores, and matches it again once moved back', async () => {
    await job('A, all suppliers', [STORE_A], CONNECTION_OF_A);
    expect(await matchesFor(['SUP-MOVING'])).toEqual({ 'A, all suppliers': ['SUP-MOVING'] });
    await db.query(`update supplier_store set store_id = $1 where supplier_id = '00000000-0000-4000-8000-0000000000d0'`, [STORE_B]);
    expect(await matchesFor(['SUP-MOVING'])).toEqual({});
    await db.query(`update supplier_store set store_id = $1 where supplier_id = '00000000-0000-4000-8000-0000000000d0'`, [STORE_A]);
    expect(await matchesFor(['SUP-MOVING'])).toEqual({ 'A, all suppliers': ['SUP-MOVING'] });
  });

  it('matches nothing while its connection does not cover its stores', async () => {
    await job('A through B', [STORE_A], CONNECTION_OF_B);
    await job('Global through A', [], CONNECTION_OF_A);
    await job('A through global', [STORE_A], GLOBAL_CONNECTION);
    expect(await matchesFor(['SUP-A'])).toEqual({ 'A through global': ['SUP-A'] });
  });
});

describe('the matching of a global job', () => {
  it('follows the seed: every supplier, or the listed ones, whatever their stores', async () => {
    await job('Global', [], GLOBAL_CONNECTION);
    await job('Global, listed', [], GLOBAL_CONNECTION, ['SUP-B']);
    expect(await matchesFor(['SUP-A', 'SUP-B', 'SUP-AB'])).toEqual({ Global: ['SUP-A', 'SUP-AB', 'SUP-B'], 'Global, listed': ['SUP-B'] });
  });
});

describe('claiming a recorded export for sending', () => {
  /** An export of job `name` for an order of `supplier`, waiting PENDING, as recorded when the job still matched. */
  async function waitingExport(name: string, supplier: string): Promise<string> {
    const [jobRow] = await db.query<{ id: string }>('select id from export_job where name = $1', [name]);
    const id = exportIdFor(`${name}:${supplier}`);
    await insertExports(sql, [{
      id, job_id: jobRow.id, job_name: name, object_type: 'ORDER', object_id: '00000000-0000-4000-8000-000000000001', object_reference: `O-${supplier}`,
      supplier_external_id: supplier, trigger_status: 'SHIPPED', status_change_id: '1', payload: '{}', state: 'PENDING', last_error: null, lease_token: null, lease_ms: null,
    }], []);
    return id;
  }

  it('checks the job may still export it: one whose supplier left the job\'s stores is cancelled, with the reason, not sent', async () => {
    await job('A, all suppliers', [STORE_A], CONNECTION_OF_A);
    const stays = await waitingExport('A, all suppliers', 'SUP-A');
    const leaves = await waitingExport('A, all suppliers', 'SUP-MOVING');
    await db.query(`update supplier_store set store_id = $1 where supplier_id = '00000000-0000-4000-8000-0000000000d0'`, [STORE_B]);
    try {
      const claimed = await claimExports(sql, ['PENDING'], 10, 1_000);
      expect(claimed.map((c) => c.id)).toEqual([stays]);
      expect(await db.query('select state, last_error from export where id = $1', [leaves])).toEqual([{ state: 'CANCELLED', last_error: NO_LONGER_EXPORTED }]);
    } finally {
      await db.query(`update supplier_store set store_id = $1 where supplier_id = '00000000-0000-4000-8000-0000000000d0'`, [STORE_A]);
    }
  });

  it('cancels one whose job\'s connection no longer covers the job', async () => {
    await job('A through B', [STORE_A], CONNECTION_OF_B); // written by SQL: the API refuses it
    const id = await waitingExport('A through B', 'SUP-A');
    expect(await claimExports(sql, ['PENDING'], 10, 1_000)).toEqual([]);
    expect(await db.query('select state from export where id = $1', [id])).toEqual([{ state: 'CANCELLED' }]);
  });
});
