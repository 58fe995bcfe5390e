/**
 * Jobout's own transport failures, carrying a `code` like Node's and undici's errors do, so that one classifier
 * (net/error-class.ts) reads them all by code, never by message.
 */
export const TRANSPORT_ERROR_CODES = {
  /** The address dialled is loopback, private, link-local, ... (net/guarded-connector.ts). */
  blockedDestination: 'ERR_BLOCKED_DESTINATION',
  /** The attempt's one deadline passed (net/attempt-deadline.ts). */
  deadlineExceeded: 'ERR_DEADLINE_EXCEEDED',
  /** Stored configuration that would change where or how a request goes (dispatch/request-shape.ts). */
  invalidTarget: 'ERR_INVALID_TARGET',
  /** The OAuth2 token endpoint gave no usable token (net/oauth-token-request.ts). */
  tokenEndpoint: 'ERR_TOKEN_ENDPOINT',
} as const;

export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[keyof typeof TRANSPORT_ERROR_CODES];

export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
