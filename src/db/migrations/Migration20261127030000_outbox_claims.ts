import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox, for the steady latency of issue #6:
 *
 * - Its rows are claimed for a while instead of locked for a transaction: a recording round is then two
 *   autocommit statements (claim and match; insert the exports and delete the changes) instead of four round
 *   trips (begin, claim, insert, commit), and instances still never record the same change at once. A claim
 *   that outlives its instance (a crash between the two statements) ends by itself, and recording the change
 *   again is harmless: export ids are digests of their dedupe key (ON CONFLICT (id)).
 * - It is a queue table: vacuum no longer truncates it (after a burst it is empty, and the truncation takes an
 *   exclusive lock, replayed on standbys, for pages the next burst needs again).
 */
export class Migration20261127030000_outbox_claims extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- Order-system transactions write the outbox through their triggers: their traffic queues behind this
      -- lock for at most 10 s, then the migration fails and the next start tries again.
      set local lock_timeout = '10s';
      alter table status_change add column claimed_until timestamptz;
      alter table status_change set (vacuum_truncate = false);
    `);
  }
}
