/**
 * The NOTIFY channels between writers and dispatchers. A notice is only a wake-up call (see dispatch/listener.ts):
 * the tables are the truth, and a missed notice costs at most a safety poll.
 */

/** Status changes (the recording trigger: see the initial migration) and exports due now. */
export const DISPATCH_CHANNEL = 'jobout_status_change';
/** The recording trigger's notice on DISPATCH_CHANNEL (an empty payload): dispatchers wake their recording loop. */
export const STATUS_CHANGE_NOTICE = '';
/** The notice on DISPATCH_CHANNEL that exports are due now (an operator retried them): dispatchers wake their sending loop. */
export const EXPORTS_DUE_NOTICE = 'exports';
/** Attempt results, for the live feed of every instance (dispatch/results-feed.ts). */
export const RESULTS_CHANNEL = 'jobout_export_result';
/** Operational events (CONTRACT §11: failures, suspended and recovered connections, paused and resumed jobs). */
export const OPERATIONAL_CHANNEL = 'jobout_operational_event';
