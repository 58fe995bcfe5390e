/**
 * What a job's exports are made of (its dedupe settings and payload settings), read in SQL: inside the
 * dispatcher's recording statement for the jobs a round matched, and by the preview for one job.
 */
import type { MappingEntry } from '../domain/mapping';
import type { ObjectType } from '../domain/statuses';
import type { SqlRunner } from './sql-runner';
import { jobVisible } from './visibility';

export interface JobRule {
  id: string;
  name: string;
  allowMultipleExports: boolean;
  mapping: MappingEntry[];
  includeCustomFields: boolean;
}

/** One job (alias `j`) as a JobRule in JSON. */
export const JOB_RULE_JSON = `json_build_object('id', j.id, 'name', j.name, 'allowMultipleExports', j.allow_multiple_exports,
  'mapping', j.mapping, 'includeCustomFields', j.include_custom_fields)`;

/** One job's rule, if the job exists and is visible to a caller of `stores` (see `visibleStores`). */
export async function loadJobRule(sql: SqlRunner, jobId: string, stores: string | null): Promise<(JobRule & { objectType: ObjectType }) | undefined> {
  const [row] = await sql.query<{ rule: JobRule; object_type: ObjectType }>(
    `select ${JOB_RULE_JSON} as rule, j.object_type from export_job j where j.id = $1 and ${jobVisible('j', '$2')}`,
    [jobId, stores],
  );
  return row ? { ...row.rule, objectType: row.object_type } : undefined;
}
