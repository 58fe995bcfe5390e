/**
 * Reading the HTTP request: JSON bodies (media type, size, syntax) and query parameters. Only the shape of the
 * exchange is checked here; what the values mean is the services' business.
 */
import express, { type Request, type RequestHandler } from 'express';
import { badInput, type FieldError } from '../domain/errors';
import { isPlainObject } from '../domain/input-reader';
import { BODY_LIMIT } from '../request-limits';
import { HttpProblem } from './problem';

export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

const parseJson = express.json({ limit: BODY_LIMIT, type: JSON_MEDIA_TYPES, strict: true });

/**
 * A required JSON body: 400 when there is none, 415 for a body of another media type, then express.json
 * (413 past the limit, 400 on a syntax error or a top-level scalar; all answered as problems).
 */
export const jsonBody: RequestHandler = (req, res, next) => {
  // type-is counts `Content-Length: 0` as a body; here it is none.
  const match = req.headers['content-length'] === '0' ? null : req.is(JSON_MEDIA_TYPES);
  if (match === null) return next(new HttpProblem('BAD_REQUEST', 'This request needs a JSON body (Content-Type: application/json)'));
  if (match === false) return next(new HttpProblem('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, not ${req.get('content-type') || 'absent'}`));
  parseJson(req, res, next);
};

/** The body as a JSON object, or a 400 describing what was expected. */
export function objectBody(body: unknown, expected: string): Record<string, unknown> {
  if (!isPlainObject(body)) throw badInput(`The body must be a JSON object: ${expected}`);
  return body;
}

/** Query parameters as Express's "simple" parser leaves them: a string, or an array when repeated. */
export class QueryReader {
  readonly errors: FieldError[] = [];

  constructor(private readonly query: Request['query']) {}

  has(name: string): boolean {
    return this.query[name] !== undefined;
  }

  /** A parameter given at most once. */
  single(name: string): string | undefined {
    const value = this.query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.errors.push({ field: name, message: 'must be given at most once' });
      return undefined;
    }
    return value;
  }

  /** A multi-valued parameter: repeated (`a=1&a=2`) and/or comma-separated (`a=1,2`); blanks are dropped. */
  list(name: string): string[] | undefined {
    const value = this.query[name];
    if (value === undefined) return undefined;
    const raw = (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
    return [...new Set(raw.flatMap((item) => item.split(',')).map((item) => item.trim()).filter((item) => item.length > 0))];
  }

  fail(name: string, message: string): void {
    this.errors.push({ field: name, message });
  }
}
