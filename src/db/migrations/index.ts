/** Every migration, in order. Listed explicitly so the same code runs from `src/` (tests) and `dist/` (start). */
import { Migration20261127000000_foundation } from './Migration20261127000000_foundation';
import { Migration20261127010000_dispatch } from './Migration20261127010000_dispatch';

export const MIGRATIONS = [
  { name: 'Migration20261127000000_foundation', class: Migration20261127000000_foundation },
  { name: 'Migration20261127010000_dispatch', class: Migration20261127010000_dispatch },
];
