import { OptionalProps, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A storefront of the platform; operators and suppliers are attached to stores by their external id. */
@Entity({ tableName: 'store' })
export class Store {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text', unique: 'store_external_id_key' })
  externalId!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
