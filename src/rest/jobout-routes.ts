/**
 * The export job routes of CONTRACT §5. Each handler parses the HTTP request, calls `ExportJobService` and maps
 * the result to a status; every rule (validation, store scope, READER refusal, the v3.113 renames in bodies)
 * lives in the service. Errors propagate to the problem handler.
 */
import { Router, type RequestHandler } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Authenticator } from '../auth/authenticator';
import { assertNoFieldErrors } from '../domain/errors';
import type { ObjectType } from '../domain/statuses';
import { DEFAULT_JOB_SORT, JOB_SORT_FIELDS, type ExportJobService } from '../services/export-job-service';
import { parsePageRequest } from '../services/paging';
import { operatorAccess, scopeOf } from './access';
import { HttpProblem } from './problem';
import { jsonBody, objectBody, QueryReader } from './request';

/** Every operation: method and path in OpenAPI form. The OpenAPI document is built from this table. */
export const JOBOUT_OPERATIONS = {
  'ADM-JOBOUT-550': { method: 'GET', path: '/v1/mapper/jobout' },
  'ADM-JOBOUT-500': { method: 'GET', path: '/v1/mapper/jobout/{jobOutId}' },
  'ADM-JOBOUT-501': { method: 'GET', path: '/v2/mapper/jobout/{id}' },
  'ADM-JOBOUT-100': { method: 'POST', path: '/v1/mapper/jobout' },
  'ADM-JOBOUT-201': { method: 'PUT', path: '/v1/mapper/jobout/{jobOutId}' },
  'ADM-JOBOUT-301': { method: 'DELETE', path: '/v1/mapper/jobout/{jobOutId}' },
  'ADM-JOBOUT-200': { method: 'PATCH', path: '/v2/jobouts/{jobOutId}/suppliers' },
  'ADM-JOBOUT-300': { method: 'DELETE', path: '/v2/jobouts/{jobOutId}/suppliers' },
} as const satisfies Record<string, { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string }>;
export type OperationId = keyof typeof JOBOUT_OPERATIONS;

/** Where a job lives now: the v2 single-job route (the `Location` of a created job, the v1 GET's successor). */
export const jobLocation = (id: string) => `/v2/mapper/jobout/${encodeURIComponent(id)}`;

/**
 * `GET /v1/mapper/jobout/{jobOutId}` is deprecated in favour of the v2 route (seed, "Deprecation"). RFC 9745
 * writes the moment as a structured-field date, `@<unix seconds>`; this is the day v2 became its successor.
 */
export const V1_GET_DEPRECATED_AT = new Date('2026-01-01T00:00:00Z');
export const DEPRECATION_HEADER_VALUE = `@${Math.floor(V1_GET_DEPRECATED_AT.getTime() / 1000)}`;

const SUPPLIER_CHANGE_FIELDS = ['supplierExternalIds'];

/** Express 5 path syntax for an OpenAPI path: `{id}` becomes `:id` (braces mean "optional" to Express). */
const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

export interface JoboutRouteDeps {
  orm: MikroORM;
  authenticator: Authenticator;
  jobs: ExportJobService;
}

export function joboutRoutes({ orm, authenticator, jobs }: JoboutRouteDeps): Router {
  const router = Router();
  const access = operatorAccess({ orm, authenticator });
  const on = (operationId: OperationId, ...handlers: RequestHandler[]) => {
    const { method, path } = JOBOUT_OPERATIONS[operationId];
    router[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](expressPath(path), ...handlers);
  };

  on('ADM-JOBOUT-550', access, async (req, res) => {
    const query = new QueryReader(req.query);
    // v3.113 renamed the filter; unknown parameters are ignored, but a client still sending this one must hear so.
    if (query.has('supplierIds')) query.fail('supplierIds', 'was renamed to supplierExternalIds in v3.113 (supplier external ids, repeated or comma-separated)');
    const filter = { supplierExternalIds: query.list('supplierExternalIds'), objectType: query.single('objectType') as ObjectType | undefined, search: query.single('search') };
    const paging = { page: query.single('page'), size: query.single('size'), sort: query.single('sort') };
    assertNoFieldErrors(query.errors, 'Invalid query');
    res.json(await jobs.list(scopeOf(req), filter, parsePageRequest(paging, JOB_SORT_FIELDS, DEFAULT_JOB_SORT)));
  });

  on(
    'ADM-JOBOUT-500',
    (req, res, next) => {
      // On every answer of the route, errors included: the route itself is deprecated, whatever the outcome.
      res.set('Deprecation', DEPRECATION_HEADER_VALUE);
      res.set('Link', `<${jobLocation(String(req.params.jobOutId))}>; rel="successor-version"`);
      next();
    },
    access,
    async (req, res) => {
      res.json(await jobs.get(scopeOf(req), String(req.params.jobOutId)));
    },
  );

  on('ADM-JOBOUT-501', access, async (req, res) => {
    res.json(await jobs.get(scopeOf(req), String(req.params.id)));
  });

  on('ADM-JOBOUT-100', access, jsonBody, async (req, res) => {
    const job = await jobs.create(scopeOf(req), req.body);
    res.status(201).location(jobLocation(job.id)).json(job);
  });

  on('ADM-JOBOUT-201', access, jsonBody, async (req, res) => {
    res.json(await jobs.replace(scopeOf(req), String(req.params.jobOutId), req.body));
  });

  on('ADM-JOBOUT-301', access, async (req, res) => {
    await jobs.delete(scopeOf(req), String(req.params.jobOutId));
    res.status(204).end();
  });

  on('ADM-JOBOUT-200', access, jsonBody, async (req, res) => {
    await jobs.addSuppliers(scopeOf(req), String(req.params.jobOutId), supplierChange(req.body));
    res.status(204).end();
  });

  on('ADM-JOBOUT-300', access, jsonBody, async (req, res) => {
    await jobs.removeSuppliers(scopeOf(req), String(req.params.jobOutId), supplierChange(req.body));
    res.status(204).end();
  });

  // A known path with another method: 405 naming the allowed ones (OPTIONS answers with them).
  const allowed = new Map<string, string[]>();
  for (const { method, path } of Object.values(JOBOUT_OPERATIONS)) allowed.set(path, [...(allowed.get(path) ?? []), method]);
  for (const [path, methods] of allowed) {
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
    router.all(expressPath(path), (req, res, next) => {
      if (req.method === 'OPTIONS') return void res.set('Allow', allow).status(204).end();
      next(new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; allowed: ${allow}`, [], { Allow: allow }));
    });
  }
  return router;
}

/** The `{ "supplierExternalIds": [...] }` body of ADM-JOBOUT-200/300, reduced to the list the service checks. */
function supplierChange(body: unknown): unknown {
  const fields = objectBody(body, '{ "supplierExternalIds": ["..."] }');
  const unknown = Object.keys(fields).filter((field) => !SUPPLIER_CHANGE_FIELDS.includes(field));
  assertNoFieldErrors(
    unknown.map((field) => ({ field, message: 'is not a field of a supplier change (send { "supplierExternalIds": [...] })' })),
    'Invalid supplier change',
  );
  return fields.supplierExternalIds;
}
