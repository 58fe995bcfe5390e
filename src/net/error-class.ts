/**
 * Sorting a transport failure (of a delivery attempt or a connection test) into a class an operator can act on. Classification reads `code` on the error, its
 * `cause` chain and the members of an AggregateError (Node's happy-eyeballs connect reports one per address),
 * never the message: messages change between Node and undici versions, codes are their documented API.
 */
import { TRANSPORT_ERROR_CODES } from './transport-error';

export type ErrorClass = 'TIMEOUT' | 'BLOCKED_DESTINATION' | 'CONNECTION' | 'TLS' | 'AUTH' | 'OTHER';

const TIMEOUT_CODES = new Set([
  TRANSPORT_ERROR_CODES.deadlineExceeded,
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'UND_ERR_SOCKET',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** OpenSSL verification results that Node reports without a prefix; the rest are `CERT_*`/`ERR_TLS_*`/`ERR_SSL_*`. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'EPROTO', // handshake failure, e.g. an https URL answered by a plain-HTTP server
]);
const TLS_PREFIXES = ['CERT_', 'ERR_TLS_', 'ERR_SSL_'];

/** Maximum depth followed through `cause`/`errors`; guards against cycles. */
const MAX_ERROR_DEPTH = 5;

/** Every string `code` on the error, its causes and aggregated errors, outermost first. */
export function errorCodes(error: unknown, depth = 0): string[] {
  if (depth > MAX_ERROR_DEPTH || typeof error !== 'object' || error === null) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  const codes = typeof code === 'string' ? [code] : [];
  codes.push(...errorCodes(cause, depth + 1));
  if (Array.isArray(errors)) for (const member of errors) codes.push(...errorCodes(member, depth + 1));
  return codes;
}

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || TLS_PREFIXES.some((prefix) => code.startsWith(prefix));
}

/** The class of a transport failure (AUTH is decided by the caller, which knows a token fetch failed). */
export function classifyError(error: unknown): Exclude<ErrorClass, 'AUTH'> {
  const codes = errorCodes(error);
  if (codes.includes(TRANSPORT_ERROR_CODES.blockedDestination)) return 'BLOCKED_DESTINATION';
  if (codes.some((code) => TIMEOUT_CODES.has(code))) return 'TIMEOUT';
  if (codes.some(isTlsCode)) return 'TLS';
  if (codes.some((code) => CONNECTION_CODES.has(code))) return 'CONNECTION';
  return 'OTHER';
}

/** An error as one line for an operator: its message, led by its code when the message does not already name it. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node's multi-address connect reports an AggregateError whose own message may be empty.
  const members = error instanceof AggregateError ? error.errors.filter((member) => member instanceof Error) : [];
  const message = error.message || members.map((member: Error) => member.message).join('; ') || error.name;
  const code = errorCodes(error)[0];
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
