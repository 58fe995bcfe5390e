/**
 * Reading the HTTP request: JSON bodies (media type, size, syntax) and query parameters. Only the shape of the
 * exchange is checked here; what the values mean is the services' business.
 */
import express, { type Request, type RequestHandler } from 'express';
import { badInput, type FieldError } from '../domain/errors';
import { isPlainObject } from '../domain/input-reader';
import { BODY_LIMIT } from '../http/limits';
import { HttpProblem } from './problem';

export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

const parseJson = express.json({ limit: BODY_LIMIT, type: JSON_MEDIA_TYPES, strict: true });

/**
 * A JSON body: 415 for a body of another media type, 400 when there is no body at all (when required),
 * then express.json (413 past the limit, 400 on a syntax error; both answered as problems).
 */
export function jsonBody(options: { required: boolean }): RequestHandler {
  return (req, res, next) => {
    const match = req.is(JSON_MEDIA_TYPES);
    if (match === false) {
      return next(new HttpProblem('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, not ${req.get('content-type') || 'absent'}`, [], { Accept: 'application/json' }));
    }
    if (match === null) {
      if (options.required) return next(new HttpProblem('BAD_REQUEST', 'This request needs a JSON body (Content-Type: application/json)'));
      req.body = undefined;
      return next();
    }
    parseJson(req, res, next);
  };
}

/** The body as a JSON object, or a 400 describing what was expected. */
export function objectBody(req: Request, expected: string): Record<string, unknown> {
  if (!isPlainObject(req.body)) throw badInput(`The body must be a JSON object: ${expected}`);
  return req.body;
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
