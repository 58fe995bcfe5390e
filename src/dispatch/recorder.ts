/**
 * One recording round: outbox -> exports, in two autocommit statements with the payloads built in between.
 *
 * 1. `claimChanges` claims waiting status changes for a while and returns them matched against the jobs, with
 *    the objects' current state (sql/claim-changes.ts).
 * 2. Here, each match becomes an export row: its id derived from the dedupe key, its payload built from the
 *    object as it was when it reached the status. As many as the caller has room for are claimed for sending at
 *    once (inserted SENDING with a lease), the rest wait PENDING.
 * 3. `insertExports` inserts them and deletes the changes, all or nothing (sql/insert-exports.ts).
 *
 * No transaction spans the two statements (two round trips fewer for every change, the steady latency's largest
 * part). If the second never runs (a crash, a lost connection), the changes are claimed again once their claim
 * has ended, by any instance, and recorded again under the same export ids: nothing is lost and nothing is
 * recorded twice. A round that fails releases its changes at once, best effort.
 */
import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '../db/sql-runner';
import type { JobRule } from '../db/job-rules';
import { incidentSnapshot, orderSnapshot } from '../db/object-snapshots';
import { dedupeKey, exportIdFor } from '../domain/export-identity';
import { payloadText, type ObjectSnapshot } from '../domain/payload';
import type { ClaimedExport } from './claimed-export';
import { leaseMs } from './lease-budget';
import { claimChanges, type ClaimedChanges } from './sql/claim-changes';
import { insertExports, type ExportRow, type InsertedExport } from './sql/insert-exports';
import { releaseChanges } from './sql/release-changes';

/** The round's statements, injectable so that a test can make one fail. */
export interface RecordingSteps {
  claimChanges(limit: number): Promise<ClaimedChanges>;
  insertExports(rows: ExportRow[], changeIds: string[]): Promise<InsertedExport[]>;
  releaseChanges(changeIds: string[], claimedUntil: string | null): Promise<void>;
}

export function recordingSteps(sql: SqlRunner): RecordingSteps {
  return {
    claimChanges: (limit) => claimChanges(sql, limit),
    insertExports: (rows, changeIds) => insertExports(sql, rows, changeIds),
    releaseChanges: (changeIds, claimedUntil) => releaseChanges(sql, changeIds, claimedUntil),
  };
}

export interface RecordedRound {
  /** Outbox rows processed: as many as the limit means there may be more. */
  changes: number;
  /** Exports inserted, claimed or not. */
  exports: number;
  /** The inserted exports claimed for sending. */
  claimed: ClaimedExport[];
}

export interface RecordingRoom {
  /** How many of the new exports to claim for sending at once (the room in the dispatcher's ready queue). */
  claim: number;
  /** Attempt deadline for connections without their own, to size the leases of those claimed. */
  defaultTimeoutMs: number;
}

/** Records up to `limit` outbox rows. */
export async function recordExports(steps: RecordingSteps, limit: number, room: RecordingRoom): Promise<RecordedRound> {
  const batch = await steps.claimChanges(limit);
  if (batch.changes.length === 0) return { changes: 0, exports: 0, claimed: [] };
  const changeIds = batch.changes.map((change) => change.id);
  try {
    const { rows, claims } = exportRows(batch, room);
    const inserted = await steps.insertExports(rows, changeIds);
    // A row that hit the dedupe key was not inserted, and one parked at insert (its job paused, its connection
    // suspended) was not claimed: only the claims inserted SENDING are sent.
    const sending = inserted.filter((row) => row.state === 'SENDING');
    return { changes: changeIds.length, exports: inserted.length, claimed: sending.flatMap(({ id }) => claims.get(id) ?? []) };
  } catch (error) {
    // the error that matters is the one rethrown; unreleased, the changes wait for their claim to end
    await steps.releaseChanges(changeIds, batch.claimed_until).catch(() => {});
    throw error;
  }
}

/** The export rows of a claimed batch, and the claims of those inserted SENDING. */
function exportRows(batch: ClaimedChanges, room: RecordingRoom): { rows: ExportRow[]; claims: Map<string, ClaimedExport> } {
  const changes = new Map(batch.changes.map((change) => [change.id, change]));
  const jobs = new Map(batch.jobs.map((job) => [job.rule.id, job]));
  const snapshots = new Map<string, ObjectSnapshot>();
  for (const order of batch.orders) snapshots.set(order.id, orderSnapshot(order));
  for (const incident of batch.incidents) snapshots.set(incident.id, incidentSnapshot(incident));
  let slots = room.claim;
  const claims = new Map<string, ClaimedExport>();
  const ids = new Set<string>();
  const rows = batch.matches.flatMap(({ changeId, jobId }): ExportRow[] => {
    const change = changes.get(changeId)!;
    const { rule: job, send } = jobs.get(jobId)!;
    const snapshot = snapshots.get(change.objectId);
    if (!snapshot) return []; // the object was deleted since its status changed: nothing left to export
    const id = exportIdFor(dedupeKey(job, change));
    // The same export twice in one batch (S -> T -> S): the earliest change is the one recorded, as it would be
    // across batches; the insert would keep the first row anyway, and a claim must match the row inserted.
    if (ids.has(id)) return [];
    ids.add(id);
    const built = buildPayload(snapshot, job, change.status);
    const row: ExportRow = {
      id,
      job_id: job.id,
      job_name: job.name,
      object_type: change.objectType,
      object_id: change.objectId,
      object_reference: change.objectReference,
      supplier_external_id: change.supplierExternalId,
      trigger_status: change.status,
      status_change_id: change.id,
      ...built,
      lease_token: null,
      lease_ms: null,
    };
    if (row.state === 'PENDING' && slots > 0) {
      slots -= 1;
      row.state = 'SENDING';
      row.lease_token = randomUUID();
      row.lease_ms = leaseMs(send.connection.timeoutMs ?? room.defaultTimeoutMs);
      claims.set(id, {
        ...send,
        id,
        leaseToken: row.lease_token,
        attempt: 1,
        jobId: job.id,
        jobName: job.name,
        objectType: change.objectType,
        objectReference: change.objectReference,
        triggerStatus: change.status,
        payload: row.payload,
      });
    }
    return [row];
  });
  return { rows, claims };
}

/**
 * The payload of the object as it was when it reached `status`: later changes to its other fields are included
 * (the payload is built when the export is recorded), but the status is the one that fired the export. One that
 * cannot be built fails its own export for an operator to see; it never blocks the batch.
 */
function buildPayload(snapshot: ObjectSnapshot, job: JobRule, status: string): Pick<ExportRow, 'payload' | 'state' | 'last_error'> {
  const atStatus: ObjectSnapshot =
    snapshot.objectType === 'ORDER' ? { objectType: 'ORDER', order: { ...snapshot.order, status } } : { objectType: 'INCIDENT', incident: { ...snapshot.incident, incidentStatus: status } };
  try {
    return { payload: payloadText(atStatus, job), state: 'PENDING', last_error: null };
  } catch (error) {
    return { payload: '', state: 'FAILED', last_error: `payload could not be built: ${error instanceof Error ? error.message : String(error)}` };
  }
}
