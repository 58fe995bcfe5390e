/** The export jobs the caller may see, with their health, so a failing partner stands out. */
import { useState } from 'react';
import { useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { Health } from '../components/Health';
import { Paging } from '../components/Paging';
import { EmptyRow, ErrorMessage, Loading } from '../components/Status';
import { messageOf } from '../errors';
import { graphql } from '../graphql';

const Jobs = graphql(`
  query Jobs($page: Int, $search: String) {
    exportJobs(page: $page, size: 20, sort: "name:asc", filter: { search: $search }) {
      totalElements
      totalPages
      number
      content {
        id
        name
        objectType
        triggerStatuses
        clientConnectionId
        lastSuccessAt
        lastFailureAt
        consecutiveFailures
        failedExports
      }
    }
    clientConnections {
      id
      name
    }
  }
`);

export function JobsPage() {
  const [, navigate] = useLocation();
  const [page, setPage] = useState(0);
  const [search, setSearch] = useState('');
  const [{ data, fetching, error }] = useQuery({ query: Jobs, variables: { page, search: search || undefined } });
  const connectionName = new Map(data?.clientConnections.map((c) => [c.id, c.name]));

  return (
    <>
      <div className="page-title">
        <h1>Export jobs</h1>
        <button type="button" onClick={() => navigate('/jobs/new')}>
          New job
        </button>
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="job-search">Search by name</label>
          <input
            id="job-search"
            type="search"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              setPage(0);
            }}
          />
        </div>
      </div>
      {error && <ErrorMessage>Could not load the export jobs: {messageOf(error)}</ErrorMessage>}
      {!data && fetching && <Loading what="export jobs" />}
      {data && (
        <table>
          <caption className="visually-hidden">Export jobs ({data.exportJobs.totalElements})</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Object</th>
              <th scope="col">Trigger statuses</th>
              <th scope="col">Connection</th>
              <th scope="col">Health</th>
            </tr>
          </thead>
          <tbody>
            {data.exportJobs.content.length === 0 && <EmptyRow columns={5}>{search ? 'No export job matches this name.' : 'No export jobs yet. Create one with New job.'}</EmptyRow>}
            {data.exportJobs.content.map((job) => (
              <tr key={job.id}>
                <td>
                  <Link href={`/jobs/${job.id}`}>{job.name}</Link>
                </td>
                <td>{job.objectType === 'ORDER' ? 'Order' : 'Incident'}</td>
                <td>{job.triggerStatuses.join(', ')}</td>
                <td>
                  <Link href={`/connections/${job.clientConnectionId}`}>{connectionName.get(job.clientConnectionId) ?? 'Connection'}</Link>
                </td>
                <td>
                  <Health {...job} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && <Paging label="Export job pages" page={data.exportJobs.number} totalPages={data.exportJobs.totalPages} onPage={setPage} />}
    </>
  );
}
