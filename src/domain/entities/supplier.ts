import { OptionalProps, Collection, Entity, ManyToMany, PrimaryKey, Property } from '@mikro-orm/core';
import { Store } from './store';

/** A supplier, known by its external id, present in one or more stores (its visibility to operators). */
@Entity({ tableName: 'supplier' })
export class Supplier {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text', unique: 'supplier_external_id_key' })
  externalId!: string;

  @Property({ type: 'text' })
  name!: string;

  @ManyToMany({ entity: () => Store, pivotTable: 'supplier_store', joinColumn: 'supplier_id', inverseJoinColumn: 'store_id' })
  stores = new Collection<Store>(this);

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
