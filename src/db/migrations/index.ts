/** Every migration, in order. Listed explicitly so the same code runs from `src/` (tests) and `dist/` (start). */
import { Migration20261130000000_initial } from './Migration20261130000000_initial';
import { Migration20261130010000_tenancy } from './Migration20261130010000_tenancy';

export const MIGRATIONS = [
  { name: 'Migration20261130000000_initial', class: Migration20261130000000_initial },
  { name: 'Migration20261130010000_tenancy', class: Migration20261130010000_tenancy },
];
