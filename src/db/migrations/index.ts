/** Every migration, in order. Listed explicitly so the same code runs from `src/` (tests) and `dist/` (start). */
import { Migration20261130000000_initial } from './Migration20261130000000_initial';

export const MIGRATIONS = [{ name: 'Migration20261130000000_initial', class: Migration20261130000000_initial }];
