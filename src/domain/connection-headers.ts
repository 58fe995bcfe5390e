/**
 * Connection headers and their secrecy (CONTRACT §2a). A sensitive header's value is write-only: stored sealed
 * like the OAuth2 secrets, read back as `value: null`, and never sent to a new origin unless entered again.
 * Some names are always sensitive, whatever the client says: they carry credentials by convention.
 */
import type { StoredHeader } from './entities/client-connection';

const ALWAYS_SENSITIVE_NAMES = new Set(['authorization', 'cookie', 'proxy-authorization']);
const SENSITIVE_NAME_PARTS = ['key', 'token', 'secret', 'signature', 'password', 'session'];

export function isSensitiveHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  return ALWAYS_SENSITIVE_NAMES.has(lower) || SENSITIVE_NAME_PARTS.some((part) => lower.includes(part));
}

/** Whether a stored header is sensitive: as flagged, or by its name (rows written before the flag existed). */
export const isSensitive = (header: StoredHeader): boolean => header.sensitive === true || isSensitiveHeaderName(header.name);

/** A header as the API shows it. */
export interface HeaderView {
  name: string;
  /** null for a sensitive header: write-only. */
  value: string | null;
  sensitive: boolean;
}

export function headerView(header: StoredHeader): HeaderView {
  const sensitive = isSensitive(header);
  return { name: header.name, value: sensitive ? null : (header.value ?? null), sensitive };
}
