import { OptionalProps, Entity, PrimaryKey, Property } from '@mikro-orm/core';

export const CONNECTION_STATES = ['ACTIVE', 'SUSPENDED'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export const AUTH_TYPES = ['NONE', 'OAUTH2_CLIENT_CREDENTIALS', 'OAUTH2_PASSWORD'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/**
 * A configured header as stored: a sensitive one keeps only its sealed value (`valueEnc`, see
 * domain/connection-headers.ts). Rows from before the flag may hold `{ name, value }` alone.
 */
export interface StoredHeader {
  name: string;
  sensitive?: boolean;
  /** The value of a header that is not sensitive. */
  value?: string;
  /** The sealed value of a sensitive header. */
  valueEnc?: string;
}

/**
 * A partner REST API: base URL, static headers, timeout and OAuth2 settings. `clientSecretEnc` and
 * `passwordEnc` hold AES-256-GCM ciphertexts (see `auth/secret-box.ts`); the plaintext never leaves the sender.
 */
@Entity({ tableName: 'client_connection' })
export class ClientConnection {
  [OptionalProps]?: 'headers' | 'authType' | 'storeIds' | 'state' | 'createdAt' | 'updatedAt';

  /** Chosen by the service before the secrets are encrypted: each ciphertext is bound to its row id. */
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text' })
  name!: string;

  /** Owner stores (ids, sorted); empty = a global connection (CONTRACT §2a). */
  @Property({ type: 'uuid[]' })
  storeIds: string[] = [];

  @Property({ type: 'text' })
  baseUrl!: string;

  @Property({ type: 'json' })
  headers: StoredHeader[] = [];

  /** Per-connection attempt deadline in ms; null = `JOBOUT_HTTP_TIMEOUT_MS`. */
  @Property({ type: 'integer', nullable: true })
  timeoutMs?: number | null;

  /** Circuit breaker (CONTRACT §11): failed attempts in a row that suspend the connection; null = never. */
  @Property({ type: 'integer', nullable: true })
  suspendAfterConsecutiveFailures?: number | null;

  /** Requests a second from every instance together (CONTRACT §11); null = no limit. */
  @Property({ type: 'integer', nullable: true })
  maxRequestsPerSecond?: number | null;

  /** Requests in flight from every instance together (CONTRACT §11); null = no limit. */
  @Property({ type: 'integer', nullable: true })
  maxConcurrentRequests?: number | null;

  /**
   * ACTIVE, or SUSPENDED by its breaker: its exports wait PAUSED and one is sent as a probe every retry interval.
   * Written in SQL only (the dispatcher's settle, resumeClientConnection); an entity flush writes changed fields
   * only, so it never puts back a state it read earlier.
   */
  @Property({ type: 'text' })
  state: ConnectionState = 'ACTIVE';

  @Property({ type: 'timestamptz', nullable: true })
  suspendedAt?: Date | null;

  @Property({ type: 'text' })
  authType: AuthType = 'NONE';

  @Property({ type: 'text', nullable: true })
  tokenUrl?: string | null;

  @Property({ type: 'text', nullable: true })
  clientId?: string | null;

  @Property({ type: 'text', nullable: true, hidden: true })
  clientSecretEnc?: string | null;

  @Property({ type: 'text', nullable: true })
  username?: string | null;

  @Property({ type: 'text', nullable: true, hidden: true })
  passwordEnc?: string | null;

  @Property({ type: 'text', nullable: true })
  scope?: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
