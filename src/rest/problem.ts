/**
 * REST errors as RFC 9457 problem details (`application/problem+json`):
 * `{ type, title, status, detail, code, errors: [{ field, message }] }`.
 *
 * Two vocabularies meet here. Domain errors carry an `ErrorCode` and are mapped through an exhaustive
 * `Record<ErrorCode, status>`, so adding a code without choosing its status fails to compile. Failures of the
 * HTTP exchange itself (unreadable JSON, wrong media type, oversized body, unknown route or method) never
 * reach a service and are named by `HttpProblemCode`. Anything else is a bug or an outage: the client gets a
 * generic 500 with a correlation id, and the details go to the log under that id only.
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { DomainError, TooManyRequestsError, type ErrorCode, type FieldError } from '../domain/errors';
import type { Logger } from '../logger';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  SUPPLIERS_FIELD_REMOVED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NAME_TAKEN: 409,
  CONFLICT: 409,
  INVALID_STATE: 409,
  TOO_MANY_REQUESTS: 429,
};

/** Failures of the HTTP exchange, answered before (or instead of) calling a service. */
export const HTTP_PROBLEM_CODES = {
  BAD_REQUEST: 400,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_SERVER_ERROR: 500,
} as const satisfies Record<string, number>;
export type HttpProblemCode = keyof typeof HTTP_PROBLEM_CODES;

/** Every `code` a problem body can carry (the OpenAPI document lists them from here). */
export const PROBLEM_CODES: readonly (ErrorCode | HttpProblemCode)[] = [...(Object.keys(HTTP_STATUS_BY_CODE) as ErrorCode[]), ...(Object.keys(HTTP_PROBLEM_CODES) as HttpProblemCode[])];

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode | HttpProblemCode;
  errors: FieldError[];
  /** Only on 500: quote it when reporting the failure; the log has the details under it. */
  correlationId?: string;
}

/** A failure of the HTTP exchange raised by the REST layer itself (415, 405, missing body, ...). */
export class HttpProblem extends Error {
  readonly status: number;

  constructor(
    readonly code: HttpProblemCode,
    message: string,
    readonly fieldErrors: FieldError[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
    this.status = HTTP_PROBLEM_CODES[code];
  }
}

function problem(status: number, code: Problem['code'], detail: string, errors: FieldError[] = []): Problem {
  // `about:blank`: the problem is what the status says; `code` and `errors` refine it (RFC 9457 §4.2.1).
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code, errors };
}

/**
 * What body-parser (express.json) reports: the status of an `http-errors` error it created, with the
 * message only when the error says it is safe to show (`expose`). Undefined for any other error.
 */
export function bodyParserFailure(error: unknown): { status: number; code: HttpProblemCode; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type, expose, message } = error as { status?: unknown; type?: unknown; expose?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || typeof type !== 'string') return undefined;
  const code: HttpProblemCode = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
  const shown = expose === true && typeof message === 'string' ? message : STATUS_CODES[status] ?? 'Bad request';
  const detail =
    type === 'entity.parse.failed' ? `Malformed JSON body: ${shown}` : type === 'entity.too.large' ? `Request body larger than the limit (${(error as { limit?: number }).limit ?? '?'} bytes)` : shown;
  return { status: code === 'BAD_REQUEST' ? 400 : status, code, message: detail };
}

/** The problem for any error thrown while serving a REST request; logs internal errors under a correlation id. */
export function toProblem(error: unknown, req: Request, logger: Logger): Problem {
  if (error instanceof DomainError) return problem(HTTP_STATUS_BY_CODE[error.code], error.code, error.message, error.fieldErrors);
  if (error instanceof HttpProblem) return problem(error.status, error.code, error.message, error.fieldErrors);
  const body = bodyParserFailure(error);
  if (body) return problem(body.status, body.code, body.message);
  const correlationId = randomUUID();
  logger.error('rest request failed', { correlationId, method: req.method, path: req.path, error });
  return { ...problem(500, 'INTERNAL_SERVER_ERROR', `Internal error; quote correlation id ${correlationId} when reporting it`), correlationId };
}

export function sendProblem(res: Response, body: Problem, headers: Readonly<Record<string, string>> = {}): void {
  if (body.status === 401) res.set('WWW-Authenticate', 'Bearer');
  res.set(headers).status(body.status).type(PROBLEM_MEDIA_TYPE).json(body);
}

/** The last error handler for every non-GraphQL request. */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const headers = error instanceof HttpProblem ? error.headers : error instanceof TooManyRequestsError ? { 'Retry-After': String(error.retryAfterSeconds) } : {};
    sendProblem(res, toProblem(error, req, logger), headers);
  };
}
