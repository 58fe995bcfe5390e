/**
 * Keeping credentials out of what an attempt records. Error texts come from Node and undici, and a partner's
 * error body may echo what it received ("invalid token eyJ…"); both end up in the attempt log and the API, so
 * every known credential of the attempt is masked in them before they leave the sender.
 */
export const REDACTED = '[redacted]';

/** Shorter values are not worth masking and would mangle ordinary words in the text. */
const MIN_SECRET_LENGTH = 4;

/** Connection header names that conventionally carry a credential. */
const CREDENTIAL_HEADER = /auth|token|key|secret|cookie|password|signature|session/i;

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

export function redact(text: string, secrets: readonly (string | null | undefined)[]): string {
  if (text === '' || !secrets.some((secret) => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH)) return text;
  let result = text;
  // Longest first, so a secret that contains another is masked whole.
  const masked = secrets
    .filter((secret): secret is string => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const secret of masked) result = result.split(secret).join(REDACTED);
  return result;
}
