import { OptionalProps, Collection, Entity, ManyToMany, PrimaryKey, Property } from '@mikro-orm/core';
import { Store } from './store';

export const PERMISSIONS = ['ADMIN', 'USER', 'READER', 'INGEST'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * A user of the API: a back-office person or an order system (INGEST). Only a SHA-256 hash of its bearer token
 * is kept. It acts for every store (`allStores`) or for its explicit stores.
 */
@Entity({ tableName: 'operator' })
export class Operator {
  [OptionalProps]?: 'createdAt' | 'allStores';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  permission!: Permission;

  @Property({ type: 'text', unique: 'operator_token_hash_key', hidden: true })
  tokenHash!: string;

  /** Every store, present and future; its explicit store list is then empty. */
  @Property({ type: 'boolean' })
  allStores = false;

  @ManyToMany({ entity: () => Store, pivotTable: 'operator_store', joinColumn: 'operator_id', inverseJoinColumn: 'store_id' })
  stores = new Collection<Store>(this);

  /** The token stops working at this time; null = never. */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  expiresAt?: Date | null;

  /** Set by revokeOperator: the token stops working at once, for good. */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  revokedAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
