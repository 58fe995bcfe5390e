/** Results as attempts finish, over graphql-ws, newest first, optionally for one job (kept in the URL: ?job=). */
import { useSubscription } from 'urql';
import { Link, useLocation, useSearch } from 'wouter';
import { JobFilter } from '../components/JobFilter';
import { Empty, ErrorMessage } from '../components/Status';
import { Time } from '../components/Time';
import { messageOf } from '../errors';
import { graphql, type ResultOf } from '../graphql';

const Results = graphql(`
  subscription LiveResults($jobId: ID) {
    exportResults(jobId: $jobId) {
      exportId
      jobId
      jobName
      objectType
      objectReference
      triggerStatus
      state
      attempt
      httpStatus
      error
      nextAttemptAt
      occurredAt
    }
  }
`);

type Result = ResultOf<typeof Results>['exportResults'];

/** The page keeps the latest results only: a busy gateway must not grow the tab without bound. */
const KEPT = 200;

export function LivePage() {
  const [, navigate] = useLocation();
  const jobId = new URLSearchParams(useSearch()).get('job') ?? '';
  const setJobId = (id: string) => navigate(id ? `/live?job=${encodeURIComponent(id)}` : '/live', { replace: true });
  const [{ data: results, error }] = useSubscription({ query: Results, variables: { jobId: jobId || undefined } }, (previous: Result[] = [], event) =>
    [event.exportResults, ...previous].slice(0, KEPT),
  );

  return (
    <>
      <h1>Live results</h1>
      <div className="filters">
        <JobFilter value={jobId} onChange={setJobId} />
      </div>
      {error && <ErrorMessage>The live feed stopped: {messageOf(error)}</ErrorMessage>}
      {!results?.length && <Empty>Waiting for results: each finished attempt appears here as it happens.</Empty>}
      {results && results.length > 0 && (
        <p role="status" className="hint">
          {results.length === KEPT ? `The latest ${KEPT} results` : `${results.length} result${results.length === 1 ? '' : 's'}`} since this page opened
        </p>
      )}
      {results && results.length > 0 && (
        <table>
          <caption className="visually-hidden">Latest results, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Job</th>
              <th scope="col">Reference</th>
              <th scope="col">Status</th>
              <th scope="col">State</th>
              <th scope="col">Attempt</th>
              <th scope="col">HTTP status</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => (
              <tr key={`${r.exportId}-${r.attempt}`}>
                <td>
                  <Time value={r.occurredAt} />
                </td>
                <td>{r.jobName}</td>
                <td>
                  <Link href={`/exports/${r.exportId}`}>{r.objectReference}</Link>
                </td>
                <td>{r.triggerStatus}</td>
                <td>
                  <span className={`state state-${r.state.toLowerCase()}`}>{r.state}</span>
                </td>
                <td>{r.attempt}</td>
                <td>{r.httpStatus ?? '—'}</td>
                <td>{r.error ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
