/**
 * Reads untyped request input (a REST body or a GraphQL input object) field by field, collecting every problem
 * as a `FieldError` instead of stopping at the first, so one 400 tells a client everything to fix.
 */
import type { FieldError } from './errors';

type Raw = Record<string, unknown>;

export const isPlainObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

interface StringRule {
  min?: number;
  max?: number;
}

export class InputReader {
  readonly errors: FieldError[] = [];

  constructor(
    private readonly raw: Raw,
    private readonly prefix = '',
  ) {}

  path(field: string): string {
    return this.prefix ? `${this.prefix}.${field}` : field;
  }

  fail(field: string, message: string): undefined {
    this.errors.push({ field: this.path(field), message });
    return undefined;
  }

  has(field: string): boolean {
    return this.raw[field] !== undefined && this.raw[field] !== null;
  }

  /** The raw value, absent as undefined (GraphQL sends null for omitted nullable fields). */
  value(field: string): unknown {
    const value = this.raw[field];
    return value === null ? undefined : value;
  }

  string(field: string, rule: StringRule & { required?: boolean } = {}): string | undefined {
    const value = this.value(field);
    if (value === undefined) return rule.required ? this.fail(field, 'is required') : undefined;
    if (typeof value !== 'string') return this.fail(field, 'must be a string');
    const { min = rule.required ? 1 : 0, max = 255 } = rule;
    if (value.length < min) return this.fail(field, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    if (value.length > max) return this.fail(field, `must be at most ${max} characters`);
    return value;
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.value(field);
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') return this.fail(field, 'must be true or false') ?? fallback;
    return value;
  }

  /** A Date (from GraphQL's DateTime scalar) or an ISO-8601 text with a time zone. */
  date(field: string): Date | undefined {
    const value = this.value(field);
    if (value === undefined) return undefined;
    const date = value instanceof Date ? value : typeof value === 'string' && /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) return this.fail(field, 'must be an ISO-8601 date and time with a time zone');
    return date;
  }

  integer(field: string, min: number, max: number): number | undefined {
    const value = this.value(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.fail(field, 'must be an integer');
    if (value < min || value > max) return this.fail(field, `must be between ${min} and ${max}`);
    return value;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], required: boolean): T | undefined {
    const value = this.value(field);
    if (value === undefined) return required ? this.fail(field, `is required (one of ${allowed.join(', ')})`) : undefined;
    if (typeof value !== 'string' || !allowed.includes(value as T)) return this.fail(field, `must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  /** An array of strings, trimmed of duplicates while keeping order. */
  stringList(field: string, rule: { required?: boolean; max: number; itemMax?: number }): string[] | undefined {
    const value = this.value(field);
    if (value === undefined) return rule.required ? this.fail(field, 'is required') : undefined;
    if (!Array.isArray(value)) return this.fail(field, 'must be an array of strings');
    if (value.length > rule.max) return this.fail(field, `must have at most ${rule.max} elements`);
    const bad = value.findIndex((item) => typeof item !== 'string' || item.length === 0 || item.length > (rule.itemMax ?? 255));
    if (bad >= 0) return this.fail(`${field}[${bad}]`, 'must be a non-empty string');
    return [...new Set(value as string[])];
  }

  /** A nested object, read by its own reader whose errors are merged into this one's. */
  object(field: string, required: boolean): InputReader | undefined {
    const value = this.value(field);
    if (value === undefined) return required ? this.fail(field, 'is required') : undefined;
    if (!isPlainObject(value)) return this.fail(field, Array.isArray(value) ? 'must be a single object, not an array' : 'must be an object');
    return new InputReader(value, this.path(field));
  }

  /** An array of objects, each read by its own reader. */
  objects(field: string, max: number): InputReader[] | undefined {
    const value = this.value(field);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return this.fail(field, 'must be an array');
    if (value.length > max) return this.fail(field, `must have at most ${max} elements`);
    const readers: InputReader[] = [];
    value.forEach((item, index) => {
      if (isPlainObject(item)) readers.push(new InputReader(item, this.path(`${field}[${index}]`)));
      else this.fail(`${field}[${index}]`, 'must be an object');
    });
    return readers;
  }

  /** Fields not in `known` (a typo such as `supplierExternalID` should not be silently dropped). */
  unknownFields(known: readonly string[]): string[] {
    return Object.keys(this.raw).filter((key) => !known.includes(key));
  }

  merge(...readers: (InputReader | undefined)[]): void {
    for (const reader of readers) if (reader) this.errors.push(...reader.errors);
  }
}
