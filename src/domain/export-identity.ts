/**
 * Which export a status change is, as a value: the dedupe key "once per (job, object, status)" (CONTRACT §8.2) and
 * the export id derived from it. The id is the idempotency key partners see, and the primary key that makes the
 * rule a database rule: recording the same change again, after a crash or by a second instance, yields the same id.
 */
import { createHash } from 'node:crypto';
import { MULTI_EXPORT_STATUS } from './statuses';

/** Once per (job, object, status) — except the on-hold status on jobs that allow multiple exports. */
export function dedupeKey(
  job: { id: string; allowMultipleExports: boolean },
  change: { id: string; objectId: string; status: string },
): string {
  const key = `${job.id}:${change.objectId}:${change.status}`;
  return job.allowMultipleExports && change.status === MULTI_EXPORT_STATUS ? `${key}:${change.id}` : key;
}

/**
 * The export id: a version-8 UUID of the dedupe key's SHA-256. If a database crash forgets a recording the
 * dispatcher had already acted on (its commits are asynchronous), the change is recorded again under the same
 * id, so the partner sees the same key twice, never two keys.
 */
export function exportIdFor(dedupeKey: string): string {
  const bytes = createHash('sha256').update(dedupeKey).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
