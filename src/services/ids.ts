import { isUuid } from '../domain/export-job-input';
import { badInput } from '../domain/errors';

/** Ids are uuids: anything else is a malformed request (400), not an unknown object (404). */
export function requireId(id: string, field: string): string {
  if (!isUuid(id)) throw badInput(`${field} "${id}" is not a valid id (uuid)`, [{ field, message: 'must be a uuid' }]);
  return id.toLowerCase();
}
