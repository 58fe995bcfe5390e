/** Display helpers: times in the browser's own time zone and locale. */
export const formatTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

/** A datetime-local input's value (browser time) to an ISO instant, or undefined when empty. */
export const localInputToIso = (value: string): string | undefined => (value ? new Date(value).toISOString() : undefined);


/** JSON indented for reading; text that is not JSON as it is. */
export const prettyJson = (json: string): string => {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
};
