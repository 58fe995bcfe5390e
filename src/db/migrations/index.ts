/** Every migration, in order. Listed explicitly so the same code runs from `src/` (tests) and `dist/` (start). */
import { Migration20261127000000_foundation } from './Migration20261127000000_foundation';
import { Migration20261127010000_dispatch } from './Migration20261127010000_dispatch';
import { Migration20261127020000_lean_write_path } from './Migration20261127020000_lean_write_path';
import { Migration20261127030000_outbox_claims } from './Migration20261127030000_outbox_claims';

export const MIGRATIONS = [
  { name: 'Migration20261127000000_foundation', class: Migration20261127000000_foundation },
  { name: 'Migration20261127010000_dispatch', class: Migration20261127010000_dispatch },
  { name: 'Migration20261127020000_lean_write_path', class: Migration20261127020000_lean_write_path },
  { name: 'Migration20261127030000_outbox_claims', class: Migration20261127030000_outbox_claims },
];
