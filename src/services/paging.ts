/** Page requests shared by REST and GraphQL: `page` 0-based, `size` 1..100 (default 20), `sort=field:direction`. */
import { assertNoFieldErrors, type FieldError } from '../domain/errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageRequest<F extends string> {
  page: number;
  size: number;
  sort: { field: F; direction: 'asc' | 'desc' };
}

export function parsePageRequest<F extends string>(
  raw: { page?: number | string | null; size?: number | string | null; sort?: string | null },
  sortable: readonly F[],
  defaultSort: { field: F; direction: 'asc' | 'desc' },
): PageRequest<F> {
  const errors: FieldError[] = [];
  const integer = (field: 'page' | 'size', fallback: number, min: number, max: number) => {
    const value = raw[field];
    if (value === undefined || value === null || value === '') return fallback;
    const number = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(number) || number < min || number > max) {
      errors.push({ field, message: `must be an integer between ${min} and ${max}` });
      return fallback;
    }
    return number;
  };
  const page = integer('page', 0, 0, 1_000_000);
  const size = integer('size', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  let sort = defaultSort;
  if (raw.sort) {
    const [field, direction = 'asc'] = raw.sort.split(':');
    if (!sortable.includes(field as F) || (direction !== 'asc' && direction !== 'desc')) {
      errors.push({ field: 'sort', message: `must be field:direction with field one of ${sortable.join(', ')} and direction asc or desc` });
    } else {
      sort = { field: field as F, direction };
    }
  }
  assertNoFieldErrors(errors, 'Invalid page request');
  return { page, size, sort };
}
