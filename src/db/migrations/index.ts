/** Every migration, in order. Listed explicitly so the same code runs from `src/` (tests) and `dist/` (start). */
import { Migration20261130000000_initial } from './Migration20261130000000_initial';
import { Migration20261130010000_tenancy } from './Migration20261130010000_tenancy';
import { Migration20261130020000_partner_controls } from './Migration20261130020000_partner_controls';
import { Migration20261130030000_rate_limits } from './Migration20261130030000_rate_limits';
import { Migration20261130040000_alert_targets } from './Migration20261130040000_alert_targets';

export const MIGRATIONS = [
  { name: 'Migration20261130000000_initial', class: Migration20261130000000_initial },
  { name: 'Migration20261130010000_tenancy', class: Migration20261130010000_tenancy },
  { name: 'Migration20261130020000_partner_controls', class: Migration20261130020000_partner_controls },
  { name: 'Migration20261130030000_rate_limits', class: Migration20261130030000_rate_limits },
  { name: 'Migration20261130040000_alert_targets', class: Migration20261130040000_alert_targets },
];
