/**
 * What an operator running many partners is told (CONTRACT §11 `operationalEvents`): a job's exports failing, a
 * connection suspended by its circuit breaker or recovered, a job paused or resumed. Each carries the owner stores
 * of its job (or, for a connection event, of its connection), which decide who may receive it.
 */
export const OPERATIONAL_EVENT_TYPES = ['EXPORT_FAILED', 'CONNECTION_SUSPENDED', 'CONNECTION_RECOVERED', 'JOB_PAUSED', 'JOB_RESUMED'] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

export interface OperationalEvent {
  type: OperationalEventType;
  occurredAt: Date;
  jobId: string | null;
  jobName: string | null;
  connectionId: string | null;
  connectionName: string | null;
  /** EXPORT_FAILED: how many of the job's exports ended FAILED in this event's window (grouped per job per minute). */
  failedExports: number | null;
  /** Why, in words: the last error of a failure or a suspension, who paused a job. */
  detail: string | null;
  /** EXPORT_FAILED: the supplier of the failed exports (grouped per job and supplier), which decides with the
   * job's stores who may see them, as for the exports themselves; null for the other events. */
  supplierExternalId: string | null;
  /** Owner store ids of the job, or of the connection for connection events; empty for a global one. */
  storeIds: string[];
}

/** Who receives an event; built once per subscription (services/operational-event-filter.ts). */
export type OperationalEventFilter = (event: OperationalEvent) => boolean;

/** An event as JSON carries it between instances. */
export type RawOperationalEvent = Omit<OperationalEvent, 'occurredAt'> & { occurredAt: string };

export const decodeOperationalEvent = (raw: RawOperationalEvent): OperationalEvent => ({ ...raw, occurredAt: new Date(raw.occurredAt) });
