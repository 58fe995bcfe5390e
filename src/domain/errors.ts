/**
 * One error vocabulary for every adapter. Services throw `DomainError`s with a stable `code`; REST maps the code
 * through an exhaustive `Record<ErrorCode, status>` and GraphQL puts it in `extensions.code`. Anything that is
 * not a `DomainError` is an internal error whose details stay in the log.
 */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'NAME_TAKEN',
  'CONFLICT',
  'SUPPLIERS_FIELD_REMOVED',
  'INVALID_STATE',
  'TOO_MANY_REQUESTS',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A problem with one input field, named by its path in the request (`apiCall.httpMethod`, `mapping[2].source`). */
export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Refused for now: the caller may try again after `retryAfterSeconds` (answered with `Retry-After`). */
export class TooManyRequestsError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('TOO_MANY_REQUESTS', message);
  }
}

export const badInput = (message: string, fieldErrors: FieldError[] = []) => new DomainError('BAD_USER_INPUT', message, fieldErrors);

/** Throws one BAD_USER_INPUT listing every collected field error, so a client can fix its request in one go. */
export function assertNoFieldErrors(errors: FieldError[], message = 'The request has invalid fields'): void {
  if (errors.length > 0) throw badInput(`${message}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
}

export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} ${id} does not exist`);
