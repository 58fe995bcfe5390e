/** PostgreSQL error codes Jobout acts on, and how to read one off an error that may wrap the driver's. */

/** A lock not granted within `lock_timeout`. */
export const LOCK_NOT_AVAILABLE = '55P03';
/** A deadlock, broken by aborting this transaction. */
export const DEADLOCK_DETECTED = '40P01';

/** The SQLSTATE of an error or of what caused it (MikroORM copies it onto its exceptions; the migrator wraps them). */
export function pgErrorCode(error: unknown): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
