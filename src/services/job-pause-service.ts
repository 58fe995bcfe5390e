/**
 * Pausing a job (CONTRACT §11): status changes keep being recorded, as PAUSED exports that are not attempted and
 * use no retry; resuming sends them oldest first. Pausing parks the job's waiting exports (PENDING and scheduled
 * retries) with their retries kept; an export already in flight finishes. Deleting a paused job cancels its parked
 * exports, like any unsent one.
 *
 * `paused` is a column of its own, changed only here: a full replacement of the job (PUT, updateExportJob) neither
 * pauses nor resumes it, and pausing is not an edit of what the job matches (its `updated_at` stays).
 */
import { requireWriter } from '../auth/principal';
import { DISPATCH_CHANNEL, EXPORTS_DUE_NOTICE } from '../db/notify-channels';
import { releaseParkedExports } from '../db/parked-exports';
import { publishOperationalEvents } from '../db/operational-events';
import { transactionSql } from '../db/sql-runner';
import { jobVisible, jobWritable, visibleStores } from '../db/visibility';
import { DomainError, notFound } from '../domain/errors';
import { jobTransaction, type ExportJobService, type ExportJobView } from './export-job-service';
import { requireId } from './ids';
import { storeFilter, type Scope } from './scope';

/** Exports parked when their job is paused: waiting ones, never one in flight (its lease finishes it). */
const PARK_JOB_EXPORTS = `update export set state = 'PAUSED', next_attempt_at = null, updated_at = now()
  where job_id = $1 and state in ('PENDING', 'RETRY_SCHEDULED')`;

interface JobRow {
  name: string;
  paused: boolean;
  store_ids: string[];
  connection_id: string;
  writable: boolean;
}

export class JobPauseService {
  constructor(private readonly jobs: ExportJobService) {}

  pause(scope: Scope, id: string): Promise<ExportJobView> {
    return this.setPaused(scope, id, true);
  }

  resume(scope: Scope, id: string): Promise<ExportJobView> {
    return this.setPaused(scope, id, false);
  }

  /** Idempotent: pausing a paused job changes nothing and announces nothing. */
  private async setPaused(scope: Scope, id: string, paused: boolean): Promise<ExportJobView> {
    requireWriter(scope.principal);
    const jobId = requireId(id, 'id');
    await jobTransaction(scope.em, async (em) => {
      const sql = transactionSql(em);
      const [job] = await sql.query<JobRow>(
        `select j.name, j.paused, j.store_ids::text[] as store_ids, j.client_connection_id as connection_id, ${jobWritable('j', '$2')} as writable
         from export_job j where j.id = $1 and ${jobVisible('j', '$2')} for update`,
        [jobId, visibleStores(storeFilter(scope))],
      );
      if (!job) throw notFound('Export job', id);
      if (!job.writable) throw new DomainError('FORBIDDEN', `Export job ${id} belongs to stores you do not manage`);
      if (job.paused === paused) return;
      await sql.query('update export_job set paused = $2 where id = $1', [jobId, paused]);
      if (paused) {
        await sql.query(PARK_JOB_EXPORTS, [jobId]);
      } else {
        await sql.query(releaseParkedExports('and j.id = $1'), [jobId]);
        await sql.query('select pg_notify($1, $2)', [DISPATCH_CHANNEL, EXPORTS_DUE_NOTICE]);
      }
      await publishOperationalEvents(sql, [
        {
          type: paused ? 'JOB_PAUSED' : 'JOB_RESUMED',
          occurredAt: new Date(),
          jobId,
          jobName: job.name,
          connectionId: job.connection_id,
          connectionName: null,
          failedExports: null,
          supplierExternalId: null,
          detail: `${paused ? 'paused' : 'resumed'} by ${scope.principal.name}`,
          storeIds: job.store_ids,
        },
      ]);
    });
    // read again on a fresh identity map: `paused` was written in SQL, behind any entity already loaded
    return this.jobs.get({ ...scope, em: scope.em.fork() }, id);
  }
}
