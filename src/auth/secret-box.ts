/**
 * Encryption of connection secrets at rest: AES-256-GCM with a fresh 96-bit IV per value, and the row id plus
 * field name as associated data, so a ciphertext copied to another row or column fails to decrypt.
 * Stored form: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url); the key id lets a later key rotation find the
 * key a value was written with.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

export class SecretBox {
  private readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || ciphertext === undefined) throw new Error('Unrecognised secret format');
    if (keyId !== this.keyId) throw new Error(`Secret was encrypted with key ${keyId}, which is not configured`);
    const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** A sealed field of a client connection: an OAuth2 secret, or a sensitive header by its lower-case name. */
export type SecretField = 'clientSecret' | 'password' | `header:${string}`;

/** The associated data binding a secret to its row and field. */
export const secretContext = (connectionId: string, field: SecretField) => `client_connection:${connectionId}:${field}`;

export const headerSecretField = (name: string): SecretField => `header:${name.toLowerCase()}`;
