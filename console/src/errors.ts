/**
 * Turns a GraphQL error into what a form shows: the message of each field the server named (its
 * `extensions.errors`), keyed by the form's own field names, and a message for the rest.
 */
import { useEffect } from 'react';
import type { CombinedError } from 'urql';

export interface FormErrors {
  /** Shown next to the field with this key. */
  fields: Record<string, string>;
  /** Shown at the top of the form: what no field explains. */
  general?: string;
}

interface ServerFieldError {
  field: string;
  message: string;
}

/** `toKey` maps a server field path (`apiCall.path`, `mapping[2].source`) to a form field key, or undefined. */
export function formErrors(error: CombinedError, toKey: (field: string) => string | undefined): FormErrors {
  const fields: Record<string, string> = {};
  const unexplained: string[] = [];
  for (const graphQLError of error.graphQLErrors) {
    const listed = (graphQLError.extensions?.errors as ServerFieldError[] | undefined) ?? [];
    let placed = false;
    for (const { field, message } of listed) {
      const key = toKey(field);
      if (key === undefined) continue;
      fields[key] = fields[key] ? `${fields[key]}; ${message}` : message;
      placed = true;
    }
    if (!placed) unexplained.push(graphQLError.message);
  }
  if (error.networkError) unexplained.push('The gateway could not be reached. Check the connection and try again.');
  return { fields, general: unexplained.length > 0 ? unexplained.join(' ') : Object.keys(fields).length > 0 ? 'Some fields need attention.' : undefined };
}

/**
 * Moves focus to the first field marked invalid each time a form shows field errors: after React has committed them
 * (an effect), since a frame scheduled when the errors were set could run before the fields are marked.
 */
export function useFocusFirstInvalid(errors: FormErrors): void {
  useEffect(() => {
    if (Object.keys(errors.fields).length > 0) (document.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
  }, [errors]);
}

/** A message for an error outside a form (loading a page, a button's action). */
export const messageOf = (error: CombinedError): string =>
  error.networkError ? 'The gateway could not be reached. Check the connection and try again.' : error.graphQLErrors.map((e) => e.message).join(' ');
