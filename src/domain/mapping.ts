/**
 * Mapping rules: which `{ source, target }` lists a job may hold. A target is a dotted path whose segments
 * may end in `[]` (`lines[].ean`): a source read from every element of an array (`orderLines[].gtin`) must
 * land in exactly one array segment of the target, and a plain source in none.
 */
import { isKnownSource } from './field-catalogue';
import type { FieldError } from './errors';
import type { ObjectType } from './statuses';

export interface MappingEntry {
  source: string;
  target: string;
}

export const MAX_MAPPING_ENTRIES = 200;
const TARGET_SEGMENT = /^[A-Za-z_$][A-Za-z0-9_$-]{0,99}(\[\])?$/;
/** Names that reach an object's prototype machinery instead of an own property of the body. */
const RESERVED_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

const arrayDepth = (path: string) => path.split('[]').length - 1;

export function mappingErrors(objectType: ObjectType, mapping: MappingEntry[]): FieldError[] {
  const errors: FieldError[] = [];
  if (mapping.length > MAX_MAPPING_ENTRIES) {
    return [{ field: 'mapping', message: `at most ${MAX_MAPPING_ENTRIES} entries` }];
  }
  const unknown = mapping.filter((entry) => !isKnownSource(objectType, entry.source)).map((entry) => entry.source);
  mapping.forEach((entry, index) => {
    if (!isKnownSource(objectType, entry.source)) {
      errors.push({ field: `mapping[${index}].source`, message: `unknown ${objectType} field "${entry.source}"` });
      return;
    }
    const segments = entry.target.split('.');
    if (segments.some((segment) => RESERVED_SEGMENTS.has(segment.replace('[]', '')))) {
      errors.push({ field: `mapping[${index}].target`, message: '"__proto__", "constructor" and "prototype" cannot be target names' });
    } else if (!segments.every((segment) => TARGET_SEGMENT.test(segment))) {
      errors.push({ field: `mapping[${index}].target`, message: `"${entry.target}" is not a path like "order.id" or "lines[].ean"` });
    } else if (arrayDepth(entry.target) !== arrayDepth(entry.source)) {
      errors.push({
        field: `mapping[${index}].target`,
        message: arrayDepth(entry.source) === 1 ? 'a source read from array elements needs exactly one "[]" in its target' : 'only sources read from array elements ("orderLines[].gtin") may target an array ("lines[].ean")',
      });
    }
  });
  if (unknown.length > 0) return errors;
  errors.push(...targetConflicts(mapping));
  return errors;
}

/**
 * Two entries writing the same place, or one entry treating as an object (or array) what another writes as a
 * value, cannot both be honoured: every prefix of every target must mean one thing.
 */
function targetConflicts(mapping: MappingEntry[]): FieldError[] {
  const errors: FieldError[] = [];
  const shapes = new Map<string, { shape: 'value' | 'object' | 'array'; index: number }>();
  mapping.forEach((entry, index) => {
    const segments = entry.target.split('.');
    for (let depth = 0; depth < segments.length; depth += 1) {
      const prefix = segments.slice(0, depth + 1).map((segment) => segment.replace('[]', '')).join('.');
      const isLeaf = depth === segments.length - 1;
      const shape = isLeaf ? 'value' : segments[depth].endsWith('[]') ? 'array' : 'object';
      const known = shapes.get(prefix);
      if (known && (known.shape !== shape || shape === 'value')) {
        errors.push({ field: `mapping[${index}].target`, message: `"${entry.target}" collides with mapping[${known.index}].target` });
        return;
      }
      shapes.set(prefix, { shape, index });
    }
  });
  return errors;
}
