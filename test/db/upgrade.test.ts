/**
 * Upgrading a database that already holds work: the migrations since the first two (lean write path, outbox
 * claims) applied over them and their data keep every export and every change not yet recorded, and leave
 * triggers that record the next change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openOrm } from '../../src/db/orm';
import { createEmptyDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createEmptyDatabase();
});
afterAll(() => db?.drop());

describe('the migrations since the dispatch one, over a database in use', () => {
  it('keeps exports and unrecorded changes, drops recorded ones, and records the next change', async () => {
    const { url, query } = db;
    const orm = await openOrm(url);
    try {
      await orm.getMigrator().up({ to: 'Migration20261127010000_dispatch' });
      // Work as the previous version left it: a job, a recorded and an unrecorded change, exports sent and in flight.
      await query(`insert into client_connection (id, name, base_url) values ('00000000-0000-4000-8000-000000000001', 'Sink', 'http://127.0.0.1:9')`);
      await query(`insert into export_job (id, name, object_type, client_connection_id, trigger_statuses, http_method, path)
                   values ('00000000-0000-4000-8000-000000000002', 'Orders', 'ORDER', '00000000-0000-4000-8000-000000000001', '{ORDER_CREATED,SHIPPED}', 'POST', '/orders')`);
      await query(`insert into order_logistic (reference, status) values ('OLD-1', 'ORDER_CREATED'), ('OLD-2', 'ORDER_CREATED')`);
      await query(`update status_change set processed_at = now() where object_reference = 'OLD-1'`);
      await query(`insert into export (id, job_id, job_name, object_type, object_id, object_reference, trigger_status, status_change_id, dedupe_key, payload, state, attempts, lease_token, lease_until)
                   select gen_random_uuid(), '00000000-0000-4000-8000-000000000002', 'Orders', 'ORDER', o.id, o.reference, 'ORDER_CREATED', 1, 'k-' || o.reference, '{}',
                          case o.reference when 'OLD-1' then 'SUCCEEDED' else 'SENDING' end, 1,
                          case o.reference when 'OLD-1' then null else gen_random_uuid() end, case o.reference when 'OLD-1' then null else now() end
                   from order_logistic o`);

      expect(await migrate(orm, url)).toEqual(['Migration20261127020000_lean_write_path', 'Migration20261127030000_outbox_claims']);
    } finally {
      await orm.close();
    }

    expect(await query(`select object_reference, claimed_until from status_change order by id`)).toEqual([{ object_reference: 'OLD-2', claimed_until: null }]);
    expect(await query(`select object_reference, state from export order by object_reference`)).toEqual([
      { object_reference: 'OLD-1', state: 'SUCCEEDED' },
      { object_reference: 'OLD-2', state: 'SENDING' },
    ]);
    expect(await query(`select status from dispatch_watch order by status`)).toEqual([{ status: 'ORDER_CREATED' }, { status: 'SHIPPED' }]);
    await query(`update order_logistic set status = 'SHIPPED' where reference = 'OLD-1'`);
    await query(`update order_logistic set status = 'WAITING_SHIPMENT' where reference = 'OLD-2'`);
    expect(await query(`select object_reference, status from status_change order by id`)).toEqual([
      { object_reference: 'OLD-2', status: 'ORDER_CREATED' },
      { object_reference: 'OLD-1', status: 'SHIPPED' },
    ]);
    await expect(query(`update order_logistic set status = 'NOT_A_STATUS' where reference = 'OLD-1'`)).rejects.toThrow(/allowed values: CREATING, DRAFT_ORDER/);
  });
});

describe('the migrations since the dispatch one, while the order system keeps a transaction open', () => {
  it('gives up after its lock timeout with a message that says why, and changes nothing', async () => {
    const blocked = await createEmptyDatabase();
    const { Client } = await import('pg');
    const orderSystem = new Client({ connectionString: blocked.url });
    const orm = await openOrm(blocked.url);
    try {
      await orm.getMigrator().up({ to: 'Migration20261127010000_dispatch' });
      await orderSystem.connect();
      await orderSystem.query('begin');
      await orderSystem.query('select count(*) from order_logistic'); // a read lock, held until the transaction ends
      await expect(migrate(orm, blocked.url)).rejects.toThrow(/could not lock a table within its timeout/);
      await orderSystem.query('rollback');
      expect(await blocked.query(`select 1 from information_schema.columns where table_name = 'status_change' and column_name = 'processed_at'`)).toHaveLength(1);
      expect(await migrate(orm, blocked.url)).toEqual(['Migration20261127020000_lean_write_path', 'Migration20261127030000_outbox_claims']);
    } finally {
      await orderSystem.end().catch(() => {});
      await orm.close();
      await blocked.drop();
    }
  }, 30_000);
});
