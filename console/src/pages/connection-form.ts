/**
 * The connection form's state and its conversion to a ClientConnectionInput. Secrets are write-only: the form
 * starts them empty, and an empty secret is left out of the input, which keeps the stored one.
 */
export type AuthType = 'NONE' | 'OAUTH2_CLIENT_CREDENTIALS' | 'OAUTH2_PASSWORD';

export const AUTH_LABELS: Record<AuthType, string> = {
  NONE: 'None',
  OAUTH2_CLIENT_CREDENTIALS: 'OAuth2 client credentials',
  OAUTH2_PASSWORD: 'OAuth2 password',
};

export interface HeaderRow {
  key: number;
  name: string;
  value: string;
  sensitive: boolean;
  /** A sensitive value is stored on the server (never shown); empty `value` keeps it. */
  stored: boolean;
}

export interface ConnectionForm {
  name: string;
  baseUrl: string;
  timeoutMs: string;
  suspendAfter: string;
  maxPerSecond: string;
  maxConcurrent: string;
  storeExternalIds: string[];
  headers: HeaderRow[];
  authType: AuthType;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  scope: string;
  hasClientSecret: boolean;
  hasPassword: boolean;
}

let nextKey = 1;
export const headerRow = (name = '', value = '', sensitive = false, stored = false): HeaderRow => ({ key: nextKey++, name, value, sensitive, stored });

export const emptyConnection = (storeExternalIds: string[]): ConnectionForm => ({
  name: '',
  baseUrl: 'https://',
  timeoutMs: '',
  suspendAfter: '',
  maxPerSecond: '',
  maxConcurrent: '',
  storeExternalIds,
  headers: [],
  authType: 'NONE',
  tokenUrl: '',
  clientId: '',
  clientSecret: '',
  username: '',
  password: '',
  scope: '',
  hasClientSecret: false,
  hasPassword: false,
});

interface StoredConnection {
  name: string;
  baseUrl: string;
  timeoutMs: number | null;
  suspendAfterConsecutiveFailures: number | null;
  maxRequestsPerSecond: number | null;
  maxConcurrentRequests: number | null;
  storeExternalIds: string[];
  headers: { name: string; value: string | null; sensitive: boolean }[];
  auth: { type: AuthType; tokenUrl: string | null; clientId: string | null; username: string | null; scope: string | null; hasClientSecret: boolean; hasPassword: boolean };
}

export const connectionToForm = (c: StoredConnection): ConnectionForm => ({
  name: c.name,
  baseUrl: c.baseUrl,
  timeoutMs: c.timeoutMs === null ? '' : String(c.timeoutMs),
  suspendAfter: c.suspendAfterConsecutiveFailures === null ? '' : String(c.suspendAfterConsecutiveFailures),
  maxPerSecond: c.maxRequestsPerSecond === null ? '' : String(c.maxRequestsPerSecond),
  maxConcurrent: c.maxConcurrentRequests === null ? '' : String(c.maxConcurrentRequests),
  storeExternalIds: c.storeExternalIds,
  headers: c.headers.map((h) => headerRow(h.name, h.value ?? '', h.sensitive, h.sensitive)),
  authType: c.auth.type,
  tokenUrl: c.auth.tokenUrl ?? '',
  clientId: c.auth.clientId ?? '',
  clientSecret: '',
  username: c.auth.username ?? '',
  password: '',
  scope: c.auth.scope ?? '',
  hasClientSecret: c.auth.hasClientSecret,
  hasPassword: c.auth.hasPassword,
});

const optional = (value: string) => (value.trim() === '' ? undefined : value);

export const formToInput = (form: ConnectionForm) => ({
  name: form.name,
  baseUrl: form.baseUrl,
  timeoutMs: form.timeoutMs.trim() === '' ? undefined : Number(form.timeoutMs),
  suspendAfterConsecutiveFailures: form.suspendAfter.trim() === '' ? null : Number(form.suspendAfter),
  maxRequestsPerSecond: form.maxPerSecond.trim() === '' ? null : Number(form.maxPerSecond),
  maxConcurrentRequests: form.maxConcurrent.trim() === '' ? null : Number(form.maxConcurrent),
  storeExternalIds: form.storeExternalIds,
  headers: form.headers.map((h) => ({ name: h.name, value: h.sensitive && h.stored && h.value === '' ? undefined : h.value, sensitive: h.sensitive })),
  auth:
    form.authType === 'NONE'
      ? { type: 'NONE' as const }
      : {
          type: form.authType,
          tokenUrl: optional(form.tokenUrl),
          clientId: optional(form.clientId),
          clientSecret: optional(form.clientSecret),
          username: form.authType === 'OAUTH2_PASSWORD' ? optional(form.username) : undefined,
          password: form.authType === 'OAUTH2_PASSWORD' ? optional(form.password) : undefined,
          scope: optional(form.scope),
        },
});

/** The form field a server error path belongs to (`auth.tokenUrl` → tokenUrl, `headers[0].value` → headers). */
export function connectionFieldOf(field: string): string | undefined {
  const path = field.replace(/^input\./, '');
  if (path.startsWith('auth.')) {
    const inner = path.slice('auth.'.length);
    return inner === 'type' ? 'authType' : inner;
  }
  const top = path.split(/[.[]/)[0];
  if (top === 'suspendAfterConsecutiveFailures') return 'suspendAfter';
  if (top === 'maxRequestsPerSecond') return 'maxPerSecond';
  if (top === 'maxConcurrentRequests') return 'maxConcurrent';
  return ['name', 'baseUrl', 'timeoutMs', 'storeExternalIds', 'headers', 'auth'].includes(top) ? (top === 'auth' ? 'authType' : top) : undefined;
}
