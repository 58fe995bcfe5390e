/** One finished attempt as the live result feed carries it (CONTRACT §6 `ExportResult`), and who may receive it. */
import type { ExportState, ObjectType } from './statuses';

/** What a subscriber receives, plus the supplier and the job's owner stores, which decide who may see it. */
export interface ExportResultEvent {
  exportId: string;
  jobId: string | null;
  jobName: string;
  objectType: ObjectType;
  objectReference: string;
  triggerStatus: string;
  /** The export's state after this attempt: SUCCEEDED, RETRY_SCHEDULED or FAILED. */
  state: ExportState;
  attempt: number;
  httpStatus: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
  occurredAt: Date;
  supplierExternalId: string | null;
  /** The job's owner store ids; empty for a global job or a deleted one (`jobId` null). */
  jobStoreIds: string[];
}

/** Who receives an event; built once per subscription (services/export-results.ts). */
export type ResultFilter = (event: ExportResultEvent) => boolean;
