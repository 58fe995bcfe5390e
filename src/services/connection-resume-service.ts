/**
 * resumeClientConnection (CONTRACT §11): an operator ends a suspension without waiting for a probe to succeed, for
 * instance once the partner says its maintenance is over. The connection is ACTIVE again with its failure count
 * reset, and its parked exports are sent oldest first (those of paused jobs stay parked). In one transaction.
 */
import { requireWriter } from '../auth/principal';
import { DISPATCH_CHANNEL, EXPORTS_DUE_NOTICE } from '../db/notify-channels';
import { publishOperationalEvents } from '../db/operational-events';
import { releaseParkedExports } from '../db/parked-exports';
import { transactionSql } from '../db/sql-runner';
import type { ConnectionService, ConnectionView } from './connection-service';
import { assertWritable } from './owner-stores';
import type { Scope } from './scope';

export class ConnectionResumeService {
  constructor(private readonly connections: ConnectionService) {}

  /** Idempotent: an ACTIVE connection is answered as it is, and nothing is announced. */
  async resume(scope: Scope, id: string): Promise<ConnectionView> {
    requireWriter(scope.principal);
    await scope.em.transactional(async (em) => {
      const connection = await this.connections.load({ ...scope, em }, id, 'update');
      assertWritable(scope, connection, `Client connection ${id}`);
      if (connection.state === 'ACTIVE') return;
      const sql = transactionSql(em);
      await sql.query(`update client_connection set state = 'ACTIVE', suspended_at = null, next_probe_at = null, consecutive_failures = 0 where id = $1`, [connection.id]);
      await sql.query(releaseParkedExports('and c.id = $1'), [connection.id]);
      await sql.query('select pg_notify($1, $2)', [DISPATCH_CHANNEL, EXPORTS_DUE_NOTICE]);
      await publishOperationalEvents(sql, [
        {
          type: 'CONNECTION_RECOVERED',
          occurredAt: new Date(),
          jobId: null,
          jobName: null,
          connectionId: connection.id,
          connectionName: connection.name,
          failedExports: null,
          supplierExternalId: null,
          detail: `resumed by ${scope.principal.name}`,
          storeIds: connection.storeIds,
        },
      ]);
    });
    // read again on a fresh identity map: the one the transaction merged back holds the row as it was loaded
    return this.connections.get({ ...scope, em: scope.em.fork() }, id);
  }
}
