/**
 * Parked exports (state PAUSED, CONTRACT §11) released to be sent, oldest first: due at their creation time, so the
 * claim's order (by due time) is their age. Only those whose job is not paused and whose connection is ACTIVE: an
 * export waits while either holds it. The parked ones are found through the partial index that holds only them,
 * so a release costs nothing when none is parked, however many exports the table holds.
 *
 * `scope` narrows it: `and j.id = $1` (a job resumed) or `and c.id = $1` (a connection recovered).
 */
export const releaseParkedExports = (scope = '') => `update export e set state = 'PENDING', next_attempt_at = e.created_at, probe = false, updated_at = now()
  where e.id = any(array(
    select p.id from export p join export_job j on j.id = p.job_id join client_connection c on c.id = j.client_connection_id
    where p.state = 'PAUSED' and not j.paused and c.state = 'ACTIVE' ${scope}))
  returning e.id`;

/**
 * The sweeper's safety net: parked exports that nothing holds any more, released at every sweep. A pause or a
 * suspension ended while a dispatcher statement that had read it still in force was parking an export (insert,
 * claim, settle each decide on their own snapshot), and a job moved from a suspended connection to an active one,
 * would otherwise leave exports parked with nobody to release them.
 */
export const RELEASE_UNHELD_PARKED_EXPORTS = releaseParkedExports();
