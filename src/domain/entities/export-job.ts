import { OptionalProps, Collection, Entity, ManyToMany, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import type { MappingEntry } from '../mapping';
import type { ObjectType } from '../statuses';
import { ClientConnection } from './client-connection';
import { Supplier } from './supplier';

export const HTTP_METHODS = ['POST', 'PUT', 'PATCH'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface QueryParam {
  name: string;
  value: string;
}

/** An export job ("jobout"): which objects, on which statuses, for which suppliers, to which endpoint. */
@Entity({ tableName: 'export_job' })
export class ExportJob {
  [OptionalProps]?: 'exportMethod' | 'allowMultipleExports' | 'queryParams' | 'mapping' | 'includeCustomFields' | 'storeIds' | 'paused' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  /** Unique among the jobs of the same owner stores. */
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  exportMethod: 'API_CLIENT' = 'API_CLIENT';

  @Property({ type: 'text' })
  objectType!: ObjectType;

  @ManyToOne({ entity: () => ClientConnection, deleteRule: 'restrict', updateRule: 'cascade' })
  clientConnection!: ClientConnection;

  @Property({ type: 'text[]' })
  triggerStatuses!: string[];

  @Property({ type: 'boolean' })
  allowMultipleExports = false;

  @Property({ type: 'text' })
  httpMethod!: HttpMethod;

  @Property({ type: 'text' })
  path!: string;

  @Property({ type: 'json' })
  queryParams: QueryParam[] = [];

  @Property({ type: 'json' })
  mapping: MappingEntry[] = [];

  @Property({ type: 'boolean' })
  includeCustomFields = false;

  /** Owner stores (ids, sorted); empty = a global job (CONTRACT §2a). */
  @Property({ type: 'uuid[]' })
  storeIds: string[] = [];

  /** Paused (CONTRACT §11): changes are still recorded, as PAUSED exports; set only by pause/resume, never by a replacement. */
  @Property({ type: 'boolean' })
  paused = false;

  /** Empty = the job exports for every supplier (of its owner stores). */
  @ManyToMany({ entity: () => Supplier, pivotTable: 'export_job_supplier', joinColumn: 'export_job_id', inverseJoinColumn: 'supplier_id' })
  suppliers = new Collection<Supplier>(this);

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  /** Also the point from which the dispatcher matches status changes against this job (no backfill). */
  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}
