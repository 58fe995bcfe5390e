/**
 * The rules of an export job's create/replace body (CONTRACT §4), for REST and GraphQL alike. References to
 * other rows (connection, suppliers) are checked by the service, which can see the database.
 */
import { assertNoFieldErrors, DomainError } from './errors';
import { HTTP_METHODS, type HttpMethod, type QueryParam } from './entities/export-job';
import { MAX_OWNER_STORES } from './connection-input';
import { InputReader, isPlainObject } from './input-reader';
import { mappingErrors, type MappingEntry } from './mapping';
import { canonicalStatus, MULTI_EXPORT_STATUS, OBJECT_TYPES, statusesOf, type ObjectType } from './statuses';

export interface ExportJobInput {
  name: string;
  /** Owner stores by external id; undefined = not given (the caller's stores on create, unchanged on replace). */
  storeExternalIds: string[] | undefined;
  objectType: ObjectType;
  clientConnectionId: string;
  triggerStatuses: string[];
  allowMultipleExports: boolean;
  apiCall: { httpMethod: HttpMethod; path: string; queryParams: QueryParam[] };
  mapping: MappingEntry[];
  includeCustomFields: boolean;
  /** Empty = every supplier. */
  supplierExternalIds: string[];
}

const WRITABLE_FIELDS = [
  'name',
  'storeExternalIds',
  'exportMethod',
  'objectType',
  'clientConnectionId',
  'triggerStatuses',
  'allowMultipleExports',
  'apiCall',
  'mapping',
  'includeCustomFields',
  'supplierExternalIds',
] as const;
/** Read-only fields a client may echo back from a GET; they are ignored, not refused. */
/** Echoed back from a GET and ignored: `paused` changes only through pauseExportJob and resumeExportJob. */
export const READ_ONLY_FIELDS = ['id', 'paused', 'createdAt', 'updatedAt', 'lastSuccessAt', 'lastFailureAt', 'consecutiveFailures', 'failedExports'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

const MAX_SUPPLIERS = 1000;
const MAX_QUERY_PARAMS = 50;
const MAX_STATUSES = 32;

export function parseExportJobInput(raw: unknown): ExportJobInput {
  if (!isPlainObject(raw)) throw new DomainError('BAD_USER_INPUT', 'The export job must be a JSON object');
  // v3.113: the internal-id list `suppliers` was replaced by `supplierExternalIds`; an old client must hear so.
  if (raw.suppliers !== undefined && raw.suppliers !== null) {
    throw new DomainError('SUPPLIERS_FIELD_REMOVED', 'The field "suppliers" was removed in v3.113: send "supplierExternalIds" (supplier external ids) instead', [
      { field: 'suppliers', message: 'removed: use supplierExternalIds' },
    ]);
  }
  const input = new InputReader(raw);
  for (const field of input.unknownFields([...WRITABLE_FIELDS, ...READ_ONLY_FIELDS])) input.fail(field, 'is not a field of an export job');

  const name = input.string('name', { required: true, max: 255 });
  const storeExternalIds = input.stringList('storeExternalIds', { max: MAX_OWNER_STORES });
  input.oneOf('exportMethod', ['API_CLIENT'], false);
  const objectType = input.oneOf('objectType', OBJECT_TYPES, true);
  const clientConnectionId = input.string('clientConnectionId', { required: true, max: 36 });
  if (clientConnectionId !== undefined && !isUuid(clientConnectionId)) input.fail('clientConnectionId', 'must be a uuid');
  const triggerStatuses = readTriggerStatuses(input, objectType);
  const allowMultipleExports = input.boolean('allowMultipleExports', false);
  if (allowMultipleExports && objectType && triggerStatuses && (objectType !== 'ORDER' || !triggerStatuses.includes(MULTI_EXPORT_STATUS))) {
    input.fail('allowMultipleExports', `is only available for ORDER jobs with ${MULTI_EXPORT_STATUS} among their trigger statuses`);
  }
  const apiCall = readApiCall(input);
  const mapping = readMapping(input, objectType);
  const includeCustomFields = input.boolean('includeCustomFields', false);
  if (includeCustomFields && objectType === 'INCIDENT') input.fail('includeCustomFields', 'is only available for ORDER jobs (incidents have no custom fields)');
  const supplierExternalIds = input.stringList('supplierExternalIds', { max: MAX_SUPPLIERS }) ?? [];

  assertNoFieldErrors(input.errors, 'Invalid export job');
  return {
    name: name!,
    storeExternalIds,
    objectType: objectType!,
    clientConnectionId: clientConnectionId!.toLowerCase(),
    triggerStatuses: triggerStatuses!,
    allowMultipleExports,
    apiCall: apiCall!,
    mapping: mapping ?? [],
    includeCustomFields,
    supplierExternalIds,
  };
}

function readTriggerStatuses(input: InputReader, objectType: ObjectType | undefined): string[] | undefined {
  const statuses = input.stringList('triggerStatuses', { required: true, max: MAX_STATUSES, itemMax: 64 });
  if (statuses === undefined) return undefined;
  if (statuses.length === 0) return input.fail('triggerStatuses', 'needs at least one status');
  if (objectType === undefined) return undefined;
  const allowed = statusesOf(objectType);
  const invalid = statuses.filter((status) => !allowed.includes(canonicalStatus(status)));
  if (invalid.length > 0) {
    return input.fail('triggerStatuses', `${invalid.join(', ')} ${invalid.length === 1 ? 'is not a' : 'are not'} ${objectType} status (allowed: ${allowed.join(', ')})`);
  }
  return [...new Set(statuses.map(canonicalStatus))];
}

function readApiCall(input: InputReader): ExportJobInput['apiCall'] | undefined {
  if (Array.isArray(input.value('apiCall'))) return input.fail('apiCall', 'only one API call per export job is supported: send an object, not an array');
  const call = input.object('apiCall', true);
  if (!call) return undefined;
  for (const field of call.unknownFields(['httpMethod', 'path', 'queryParams'])) call.fail(field, 'is not a field of an API call');
  const httpMethod = call.oneOf('httpMethod', HTTP_METHODS, true);
  const path = call.string('path', { required: true, max: 2000 });
  if (path !== undefined) {
    const problem = pathProblem(path);
    if (problem) call.fail('path', problem);
  }
  const queryParams: QueryParam[] = [];
  for (const param of call.objects('queryParams', MAX_QUERY_PARAMS) ?? []) {
    const name = param.string('name', { required: true, max: 200 });
    const value = param.string('value', { required: true, min: 0, max: 2000 });
    for (const field of param.unknownFields(['name', 'value'])) param.fail(field, 'is not a field of a query parameter');
    call.merge(param);
    if (name !== undefined && value !== undefined) queryParams.push({ name, value });
  }
  input.merge(call);
  return httpMethod && path !== undefined ? { httpMethod, path, queryParams } : undefined;
}

/** The path is appended to the connection's base URL, so it must not be able to leave it. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/" (it is appended to the connection base URL)';
  if (path.startsWith('//')) return 'must not start with "//"';
  if (/[\s?#\\]/.test(path) || /[\u0000-\u001f\u007f]/.test(path)) return 'must not contain spaces, "?", "#", "\\" or control characters (use queryParams for the query)';
  if (path.split('/').some((segment) => segment === '..' || segment === '.')) return 'must not contain "." or ".." segments';
  // URL parsers decode these back into ".", "/" and "\\", which would rebuild the segments refused above.
  if (/%(2e|2f|5c)/i.test(path)) return 'must not contain an encoded ".", "/" or "\\" (%2e, %2f, %5c)';
  return undefined;
}

function readMapping(input: InputReader, objectType: ObjectType | undefined): MappingEntry[] | undefined {
  const entries: MappingEntry[] = [];
  const readers = input.objects('mapping', 10_000);
  if (!readers) return undefined;
  for (const entry of readers) {
    const source = entry.string('source', { required: true, max: 200 });
    const target = entry.string('target', { required: true, max: 500 });
    for (const field of entry.unknownFields(['source', 'target'])) entry.fail(field, 'is not a field of a mapping entry');
    input.merge(entry);
    if (source !== undefined && target !== undefined) entries.push({ source, target });
  }
  if (objectType && entries.length === readers.length) input.errors.push(...mappingErrors(objectType, entries));
  return entries;
}
