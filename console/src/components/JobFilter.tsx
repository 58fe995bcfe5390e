/** The Job filter of the Exports and Live pages: every job by name (the first 100), or all jobs. */
import { useQuery } from 'urql';
import { graphql } from '../graphql';
import { Field } from './Field';

const JobNames = graphql(`
  query JobNames {
    exportJobs(size: 100, sort: "name:asc") {
      content {
        id
        name
      }
    }
  }
`);

/** The names of the first 100 jobs, by id; undefined until they have loaded. */
function useJobList(): Map<string, string> | undefined {
  const [{ data }] = useQuery({ query: JobNames });
  return data && new Map(data.exportJobs.content.map((job) => [job.id, job.name]));
}

/** The names of the first 100 jobs, by id (for texts that name the chosen job). */
export function useJobNames(): Map<string, string> {
  return useJobList() ?? new Map();
}

export function JobFilter({ value, onChange }: { value: string; onChange(jobId: string): void }) {
  const list = useJobList();
  const names = list ?? new Map<string, string>();
  return (
    <Field label="Job">
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All jobs</option>
        {/* A chosen job the list does not name (not loaded yet, or past the first 100) stays chosen: otherwise the
            control would read "All jobs" while the page is filtered on it. */}
        {value && !names.has(value) && <option value={value}>{list ? 'A job not listed here' : 'Loading jobs…'}</option>}
        {[...names].map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </select>
    </Field>
  );
}
