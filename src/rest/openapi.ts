/**
 * The OpenAPI 3.1 document of the REST job routes, served at `GET /openapi.json` without authentication.
 * Enumerations come from the same constants the services check, and the operations from `JOBOUT_OPERATIONS`;
 * the tests validate the document and check every real response against its schemas, so it cannot drift.
 */
import { HTTP_METHODS } from '../domain/entities/export-job';
import { READ_ONLY_FIELDS } from '../domain/export-job-input';
import { INCIDENT_STATUSES, OBJECT_TYPES, ORDER_STATUSES } from '../domain/statuses';
import { DEFAULT_JOB_SORT, JOB_SORT_FIELDS, MAX_SUPPLIER_CHANGE } from '../services/export-job-service';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/paging';
import { CLIENT_HEADER, OPERATOR_CLIENT } from './access';
import { DEPRECATION_HEADER_VALUE, JOBOUT_OPERATIONS, type OperationId } from './jobout-routes';
import { PROBLEM_CODES, PROBLEM_MEDIA_TYPE } from './problem';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string): JsonObject => ({ $ref: `#/components/responses/${name}` });
const parameter = (name: string): JsonObject => ({ $ref: `#/components/parameters/${name}` });
const json = (schema: JsonObject): JsonObject => ({ 'application/json': { schema } });
const object = (properties: Record<string, JsonObject>, required: string[] = Object.keys(properties)): JsonObject => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

const uuid: JsonObject = { type: 'string', format: 'uuid' };
const timestamp: JsonObject = { type: 'string', format: 'date-time' };
const externalId: JsonObject = { type: 'string', minLength: 1, maxLength: 255 };
const ON_HOLD_ALIAS = 'DRAFT_ORDER_ON_HOLD';

const schemas: Record<string, JsonObject> = {
  ObjectType: { type: 'string', enum: [...OBJECT_TYPES], description: 'ORDER (an order logistic) or INCIDENT' },
  TriggerStatus: { type: 'string', enum: [...ORDER_STATUSES, ...INCIDENT_STATUSES], description: 'A status of the job objectType' },
  QueryParam: object({ name: { type: 'string', minLength: 1, maxLength: 200 }, value: { type: 'string', maxLength: 2000 } }),
  ApiCall: object({
    httpMethod: { type: 'string', enum: [...HTTP_METHODS] },
    path: { type: 'string', description: 'Appended to the client connection base URL; starts with "/"' },
    queryParams: { type: 'array', items: ref('QueryParam') },
  }),
  MappingEntry: object({
    source: { type: 'string', minLength: 1, maxLength: 200, description: 'A field of the object, e.g. "reference" or "orderLines[].gtin"' },
    target: { type: 'string', minLength: 1, maxLength: 500, description: 'Where it goes in the body, e.g. "orderNumber" or "lines[].ean"' },
  }),
  JobSupplier: object({ externalId: { type: 'string' }, name: { type: 'string' } }),
  ExportJob: {
    ...object({
      id: uuid,
      name: { type: 'string' },
      storeExternalIds: { type: 'array', items: externalId, description: 'Owner stores that the caller may see; empty = a global job' },
      exportMethod: { type: 'string', enum: ['API_CLIENT'] },
      objectType: ref('ObjectType'),
      clientConnectionId: uuid,
      triggerStatuses: { type: 'array', minItems: 1, items: ref('TriggerStatus') },
      allowMultipleExports: { type: 'boolean' },
      apiCall: ref('ApiCall'),
      mapping: { type: 'array', items: ref('MappingEntry') },
      includeCustomFields: { type: 'boolean' },
      paused: { type: 'boolean', description: 'Paused through GraphQL pauseExportJob: changes are recorded as PAUSED exports, sent oldest first on resume' },
      suppliers: {
        type: 'array',
        items: ref('JobSupplier'),
        description: "The job's suppliers that the caller may see (those of its stores); empty = the job exports for every supplier",
      },
      createdAt: timestamp,
      updatedAt: timestamp,
    }),
    description: 'An export job',
  },
  ExportJobPage: object({
    content: { type: 'array', items: ref('ExportJob') },
    number: { type: 'integer', minimum: 0, description: '0-based page number' },
    size: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
    totalElements: { type: 'integer', minimum: 0 },
    totalPages: { type: 'integer', minimum: 0 },
  }),
  FieldError: object({ field: { type: 'string', description: 'Path of the field in the request, e.g. apiCall.httpMethod' }, message: { type: 'string' } }),
  Problem: {
    ...object(
      {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        detail: { type: 'string' },
        code: { type: 'string', enum: [...PROBLEM_CODES] },
        errors: { type: 'array', items: ref('FieldError') },
        correlationId: { ...uuid, description: 'On 500 only: quote it when reporting the failure' },
      },
      ['type', 'title', 'status', 'detail', 'code', 'errors'],
    ),
    description: 'RFC 9457 problem details',
  },
};

/**
 * Request bodies live under components.requestBodies, not components.schemas: generators such as openapi-typescript
 * read a `default` in a shared schema as "always present" (right for responses), but as "may be omitted" in a
 * request body, which is what a default means for a client sending one.
 */
const apiCallInput: JsonObject = object(
  {
    httpMethod: { type: 'string', enum: [...HTTP_METHODS] },
    path: { type: 'string', minLength: 1, maxLength: 2000, pattern: '^/', description: 'Appended to the client connection base URL; starts with "/", no "?", "#", ".." or spaces' },
    queryParams: { type: 'array', maxItems: 50, items: ref('QueryParam'), default: [] },
  },
  ['httpMethod', 'path'],
);

const exportJobInput: JsonObject = {
  ...object(
    {
      name: { type: 'string', minLength: 1, maxLength: 255, description: 'Unique among the export jobs of the same owner stores' },
      storeExternalIds: {
        type: 'array',
        maxItems: 1000,
        items: externalId,
        description: "Owner stores, each visible to the caller. Omitted: the caller's stores on POST, unchanged on PUT. Empty: a global job (all-stores operators only).",
      },
      exportMethod: { type: 'string', enum: ['API_CLIENT'], default: 'API_CLIENT' },
      objectType: ref('ObjectType'),
      clientConnectionId: uuid,
      triggerStatuses: {
        type: 'array',
        minItems: 1,
        maxItems: 32,
        items: { type: 'string', enum: [...ORDER_STATUSES, ...INCIDENT_STATUSES, ON_HOLD_ALIAS] },
        description: `Statuses of objectType; ${ON_HOLD_ALIAS} is accepted for ORDER_DRAFT_ON_HOLD`,
      },
      allowMultipleExports: { type: 'boolean', default: false, description: 'Only for ORDER jobs with ORDER_DRAFT_ON_HOLD among their trigger statuses' },
      apiCall: { ...apiCallInput, description: 'Exactly one API call (an array is refused)' },
      mapping: { type: 'array', items: ref('MappingEntry'), default: [], description: 'Empty: the documented payload is sent' },
      includeCustomFields: { type: 'boolean', default: false },
      supplierExternalIds: { type: 'array', maxItems: 1000, items: externalId, default: [], description: 'Supplier external ids; absent or empty = every supplier' },
      suppliers: {
        not: {},
        deprecated: true,
        description: 'Removed in v3.113: sending it is a 400 with code SUPPLIERS_FIELD_REMOVED. Use supplierExternalIds.',
      },
      ...Object.fromEntries(READ_ONLY_FIELDS.map((field): [string, JsonObject] => [field, { readOnly: true, description: 'Read-only; ignored when echoed back from a GET' }])),
    },
    ['name', 'objectType', 'clientConnectionId', 'triggerStatuses', 'apiCall'],
  ),
  description:
    'A whole export job (POST and PUT). PUT is a full replacement: omitted optional fields return to their defaults, except storeExternalIds, which stays as it is. Unknown fields are refused.',
};

const supplierChange: JsonObject = object({
  supplierExternalIds: { type: 'array', minItems: 1, maxItems: MAX_SUPPLIER_CHANGE, items: externalId },
});

const requestBodies: Record<string, JsonObject> = {
  ExportJob: { required: true, description: 'A whole export job', content: json(exportJobInput) },
  SupplierChange: { required: true, description: 'Supplier external ids to add or remove', content: json(supplierChange) },
};

const problemResponse = (description: string, headers?: JsonObject): JsonObject => ({
  description,
  ...(headers ? { headers } : {}),
  content: { [PROBLEM_MEDIA_TYPE]: { schema: ref('Problem') } },
});

const responses: Record<string, JsonObject> = {
  BadRequest: problemResponse('Invalid request: malformed JSON or id, or a field breaking a rule (listed in errors)'),
  Unauthorized: problemResponse('Missing or unknown bearer token', { 'WWW-Authenticate': { schema: { type: 'string' }, required: true } }),
  TooManyRequests: problemResponse('More than 20 refused tokens from this address within a minute: wait for Retry-After seconds', {
    'Retry-After': { schema: { type: 'integer', minimum: 1 }, required: true },
  }),
  Forbidden: problemResponse(`Header ${CLIENT_HEADER}: ${OPERATOR_CLIENT} missing, or a READER operator writing`),
  NotFound: problemResponse('No export job has this id'),
  Conflict: problemResponse('The name is taken (code NAME_TAKEN), or the order system kept its write transactions open for longer than a job change waits (code CONFLICT: retry)'),
  PayloadTooLarge: problemResponse('Body larger than 1 MiB'),
  UnsupportedMediaType: problemResponse('The body is not application/json'),
  InternalError: problemResponse('Unexpected failure; the body carries a correlation id for the logs'),
};

const parameters: Record<string, JsonObject> = {
  ClientHeader: { name: CLIENT_HEADER, in: 'header', required: true, schema: { type: 'string', enum: [OPERATOR_CLIENT] }, description: 'Every job route needs it (403 otherwise)' },
  JobOutId: { name: 'jobOutId', in: 'path', required: true, schema: uuid },
  Id: { name: 'id', in: 'path', required: true, schema: uuid },
};

const listParameters: JsonObject[] = [
  {
    name: 'supplierExternalIds',
    in: 'query',
    required: false,
    style: 'form',
    explode: true,
    schema: { type: 'array', items: { type: 'string' } },
    description:
      'Jobs configured with any of these suppliers (OR), at most 1,000 in all (400 beyond). Repeat the parameter and/or comma-separate values. Replaces the removed supplierIds, which is refused with 400.',
  },
  { name: 'objectType', in: 'query', required: false, schema: ref('ObjectType') },
  { name: 'search', in: 'query', required: false, schema: { type: 'string' }, description: 'Name contains (case-insensitive)' },
  { name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 0, default: 0 }, description: '0-based' },
  { name: 'size', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
  {
    name: 'sort',
    in: 'query',
    required: false,
    schema: { type: 'string', pattern: `^(${JOB_SORT_FIELDS.join('|')})(:(asc|desc))?$`, default: `${DEFAULT_JOB_SORT.field}:${DEFAULT_JOB_SORT.direction}` },
    description: 'field:direction; the direction defaults to asc',
  },
];

const jobBody: JsonObject = { $ref: '#/components/requestBodies/ExportJob' };
const supplierBody: JsonObject = { $ref: '#/components/requestBodies/SupplierChange' };
const jobResponse = (description: string, headers?: JsonObject): JsonObject => ({ description, ...(headers ? { headers } : {}), content: json(ref('ExportJob')) });
const common = { '401': response('Unauthorized'), '403': response('Forbidden'), '429': response('TooManyRequests'), '500': response('InternalError') };

const operations: Record<OperationId, JsonObject> = {
  'ADM-JOBOUT-550': {
    summary: 'List export jobs',
    description: 'A page of the export jobs the caller may see (those of its stores, and global ones), sorted by the sort parameter. Filters combine with AND.',
    parameters: listParameters,
    responses: { '200': { description: 'A page of jobs', content: json(ref('ExportJobPage')) }, '400': response('BadRequest'), ...common },
  },
  'ADM-JOBOUT-500': {
    summary: 'Get an export job (deprecated: use ADM-JOBOUT-501)',
    description: 'The same answer as ADM-JOBOUT-501, with Deprecation and Link headers pointing at it. A job the caller may not see answers 404 like an unknown id.',
    deprecated: true,
    parameters: [parameter('JobOutId')],
    responses: {
      '200': jobResponse('The job', {
        Deprecation: { required: true, schema: { type: 'string', const: DEPRECATION_HEADER_VALUE }, description: 'RFC 9745: when this route was deprecated' },
        Link: { required: true, schema: { type: 'string' }, description: 'RFC 8288: </v2/mapper/jobout/{id}>; rel="successor-version"' },
      }),
      '400': response('BadRequest'),
      '404': response('NotFound'),
      ...common,
    },
  },
  'ADM-JOBOUT-501': {
    summary: 'Get an export job',
    description: 'One export job by id. A job the caller may not see answers 404 like an unknown id.',
    parameters: [parameter('Id')],
    responses: { '200': jobResponse('The job'), '400': response('BadRequest'), '404': response('NotFound'), ...common },
  },
  'ADM-JOBOUT-100': {
    summary: 'Create an export job',
    description: 'Creates the job and answers it with its Location. Every rule broken is listed in the 400 problem, one entry per field; nothing is created then.',
    requestBody: jobBody,
    responses: {
      '201': jobResponse('The job', { Location: { required: true, schema: { type: 'string' }, description: '/v2/mapper/jobout/{id}' } }),
      '400': response('BadRequest'),
      '409': response('Conflict'),
      '413': response('PayloadTooLarge'),
      '415': response('UnsupportedMediaType'),
      ...common,
    },
  },
  'ADM-JOBOUT-201': {
    summary: 'Replace an export job (full replacement)',
    description: 'Replaces every field of the job: optional fields left out return to their defaults, except storeExternalIds, which stays. Takes effect for the next status change; exports already recorded are unaffected.',
    parameters: [parameter('JobOutId')],
    requestBody: jobBody,
    responses: {
      '200': jobResponse('The job'),
      '400': response('BadRequest'),
      '404': response('NotFound'),
      '409': response('Conflict'),
      '413': response('PayloadTooLarge'),
      '415': response('UnsupportedMediaType'),
      ...common,
    },
  },
  'ADM-JOBOUT-301': {
    summary: 'Delete an export job (irreversible)',
    description: 'Deletes the job and cancels its exports that were not sent yet.',
    parameters: [parameter('JobOutId')],
    responses: { '204': { description: 'Deleted' }, '400': response('BadRequest'), '404': response('NotFound'), '409': response('Conflict'), ...common },
  },
  'ADM-JOBOUT-200': {
    summary: 'Add suppliers to an export job',
    description: 'Merges the suppliers into the job; duplicates are ignored. Unknown suppliers, and suppliers of stores the caller cannot see, are a 400 listing them.',
    parameters: [parameter('JobOutId')],
    requestBody: supplierBody,
    responses: {
      '204': { description: 'Merged' },
      '400': response('BadRequest'),
      '404': response('NotFound'),
      '409': response('Conflict'),
      '413': response('PayloadTooLarge'),
      '415': response('UnsupportedMediaType'),
      ...common,
    },
  },
  'ADM-JOBOUT-300': {
    summary: 'Remove suppliers from an export job',
    description: 'Removes the listed suppliers; absent ones are ignored. A job left without suppliers exports for every supplier.',
    parameters: [parameter('JobOutId')],
    requestBody: supplierBody,
    responses: {
      '204': { description: 'Removed' },
      '400': response('BadRequest'),
      '404': response('NotFound'),
      '409': response('Conflict'),
      '413': response('PayloadTooLarge'),
      '415': response('UnsupportedMediaType'),
      ...common,
    },
  },
};

function paths(): JsonObject {
  const result: Record<string, JsonObject> = {};
  for (const [operationId, { method, path }] of Object.entries(JOBOUT_OPERATIONS) as [OperationId, (typeof JOBOUT_OPERATIONS)[OperationId]][]) {
    const operation = operations[operationId];
    const existing = result[path] ?? {};
    result[path] = {
      ...existing,
      [method.toLowerCase()]: { operationId, tags: ['jobout'], ...operation, parameters: [parameter('ClientHeader'), ...((operation.parameters as Json[] | undefined) ?? [])] },
    };
  }
  return result;
}

export function openApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Jobout REST API',
      version: '1.0.0',
      license: { name: 'MIT', identifier: 'MIT' },
      contact: { name: 'Jobout maintainers' },
      description:
        'Export job routes for back-office integrations. Every route needs Authorization: Bearer <token> (401 otherwise) and the header dj-client: OPERATOR (403 otherwise); READER operators may only read. Errors are application/problem+json.',
    },
    // Relative: every Jobout instance serves this document about itself, whatever host or proxy it is reached by.
    servers: [{ url: '/', description: 'The Jobout instance serving this document' }],
    tags: [{ name: 'jobout', description: 'Export jobs' }],
    security: [{ bearerAuth: [] }],
    paths: paths(),
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The administrator token or an operator token' } },
      schemas,
      requestBodies,
      responses,
      parameters,
    },
  };
}
