import { OptionalProps, Collection, Entity, ManyToMany, PrimaryKey, Property } from '@mikro-orm/core';
import { Store } from './store';

export const PERMISSIONS = ['ADMIN', 'USER', 'READER'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A back-office user of the API. Only a SHA-256 hash of its bearer token is kept. */
@Entity({ tableName: 'operator' })
export class Operator {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  permission!: Permission;

  @Property({ type: 'text', unique: 'operator_token_hash_key', hidden: true })
  tokenHash!: string;

  @ManyToMany({ entity: () => Store, pivotTable: 'operator_store', joinColumn: 'operator_id', inverseJoinColumn: 'store_id' })
  stores = new Collection<Store>(this);

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
