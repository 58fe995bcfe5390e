/**
 * Exports across jobs: search by reference, filter by job, state and creation window, page through them, and
 * retry the failed ones of the current filter after seeing how many that is.
 */
import { useState } from 'react';
import { useClient, useQuery } from 'urql';
import { Link } from 'wouter';
import { Confirm } from '../components/Checkbox';
import { Field } from '../components/Field';
import { JobFilter, useJobNames } from '../components/JobFilter';
import { Paging } from '../components/Paging';
import { EmptyRow, ErrorMessage, Loading, Notice } from '../components/Status';
import { Time } from '../components/Time';
import { messageOf } from '../errors';
import { formatTime, localInputToIso } from '../format';
import { graphql } from '../graphql';

const EXPORT_STATES = ['PENDING', 'SENDING', 'RETRY_SCHEDULED', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
type ExportState = (typeof EXPORT_STATES)[number];

const Exports = graphql(`
  query Exports($filter: ExportFilter, $page: Int) {
    exports(filter: $filter, page: $page, size: 25, sort: "updatedAt:desc") {
      totalElements
      totalPages
      number
      content {
        id
        objectReference
        jobName
        triggerStatus
        state
        attemptCount
        lastHttpStatus
        updatedAt
      }
    }
  }
`);

const RetryFailed = graphql(`
  mutation RetryFailed($filter: RetryExportsFilter!, $dryRun: Boolean!) {
    retryExports(filter: $filter, dryRun: $dryRun)
  }
`);

interface Filters {
  reference: string;
  jobId: string;
  state: '' | ExportState;
  from: string;
  to: string;
}

export function ExportsPage() {
  const client = useClient();
  const [filters, setFilters] = useState<Filters>({ reference: '', jobId: '', state: '', from: '', to: '' });
  const [page, setPage] = useState(0);
  const [retry, setRetry] = useState<{ count: number } | undefined>();
  const [message, setMessage] = useState<{ text: string; error?: boolean }>();
  const [busy, setBusy] = useState(false);
  const jobNames = useJobNames();

  const filter = {
    objectReference: filters.reference.trim() || undefined,
    jobId: filters.jobId || undefined,
    state: filters.state || undefined,
    from: localInputToIso(filters.from),
    to: localInputToIso(filters.to),
  };
  const [{ data, fetching, error }, refetch] = useQuery({ query: Exports, variables: { filter, page } });
  const change = (next: Partial<Filters>) => {
    setFilters({ ...filters, ...next });
    setPage(0);
    setRetry(undefined);
    setMessage(undefined);
  };

  // The list's own filter, so the count and the retry are about the exports on screen (their FAILED ones).
  const retryFilter = { jobId: filter.jobId, state: 'FAILED' as const, objectReference: filter.objectReference, createdFrom: filter.from, createdTo: filter.to };
  const retryable = filters.state === '' || filters.state === 'FAILED';
  async function countFailed() {
    setMessage(undefined);
    setBusy(true);
    const result = await client.mutation(RetryFailed, { filter: retryFilter, dryRun: true }).toPromise();
    setBusy(false);
    if (result.error) return setMessage({ text: messageOf(result.error), error: true });
    const count = result.data!.retryExports;
    if (count === 0) return setMessage({ text: 'No failed exports match this filter: nothing to retry.' });
    setRetry({ count });
  }
  async function retryFailed() {
    setBusy(true);
    const result = await client.mutation(RetryFailed, { filter: retryFilter, dryRun: false }).toPromise();
    setBusy(false);
    setRetry(undefined);
    if (result.error) return setMessage({ text: messageOf(result.error), error: true });
    setMessage({ text: `${result.data!.retryExports} failed exports queued for a fresh round of attempts.` });
    refetch({ requestPolicy: 'network-only' });
  }

  const jobName = jobNames.get(filters.jobId);
  const scope = [
    jobName ? `of the job ${jobName}` : 'of every job you may retry',
    filter.objectReference ? `for ${filter.objectReference}` : undefined,
    filter.from ? `created from ${formatTime(filter.from)}` : undefined,
    filter.to ? `${filter.from ? 'until' : 'created before'} ${formatTime(filter.to)}` : undefined,
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <>
      <div className="page-title">
        <h1>Exports</h1>
        <button type="button" onClick={countFailed} disabled={busy || !retryable} aria-describedby={retryable ? undefined : 'retry-failed-hint'}>
          Retry failed
        </button>
      </div>
      {retry && (
        <Confirm
          question={`Retry ${retry.count} failed export${retry.count === 1 ? '' : 's'} ${scope}? Each gets a fresh round of attempts.`}
          busy={busy}
          onConfirm={retryFailed}
          onCancel={() => setRetry(undefined)}
        />
      )}
      {!retryable && (
        <p className="hint" id="retry-failed-hint">
          Retry failed applies to FAILED exports: choose the state FAILED or all states.
        </p>
      )}
      {message && (message.error ? <ErrorMessage>{message.text}</ErrorMessage> : <Notice>{message.text}</Notice>)}
      <form className="filters" role="search" aria-label="Filter exports" onSubmit={(e) => e.preventDefault()}>
        <Field label="Reference">
          <input type="search" value={filters.reference} onChange={(e) => change({ reference: e.target.value })} />
        </Field>
        <JobFilter value={filters.jobId} onChange={(jobId) => change({ jobId })} />
        <Field label="State">
          <select value={filters.state} onChange={(e) => change({ state: e.target.value as Filters['state'] })}>
            <option value="">All states</option>
            {EXPORT_STATES.map((state) => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </select>
        </Field>
        <Field label="From" hint="Created at or after (your time zone)">
          <input type="datetime-local" value={filters.from} onChange={(e) => change({ from: e.target.value })} />
        </Field>
        <Field label="To" hint="Created before">
          <input type="datetime-local" value={filters.to} onChange={(e) => change({ to: e.target.value })} />
        </Field>
      </form>
      {error && <ErrorMessage>Could not load the exports: {messageOf(error)}</ErrorMessage>}
      {!data && fetching && <Loading what="exports" />}
      {data && (
        <table>
          <caption className="visually-hidden">Exports ({data.exports.totalElements})</caption>
          <thead>
            <tr>
              <th scope="col">Reference</th>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last HTTP status</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {data.exports.content.length === 0 && <EmptyRow columns={7}>No exports match this filter.</EmptyRow>}
            {data.exports.content.map((e) => (
              <tr key={e.id}>
                <td>
                  <Link href={`/exports/${e.id}`}>{e.objectReference}</Link>
                </td>
                <td>{e.jobName}</td>
                <td>{e.triggerStatus}</td>
                <td>
                  <span className={`state state-${e.state.toLowerCase()}`}>{e.state}</span>
                </td>
                <td>{e.attemptCount}</td>
                <td>{e.lastHttpStatus ?? '—'}</td>
                <td>
                  <Time value={e.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && <Paging label="Export pages" page={data.exports.number} totalPages={data.exports.totalPages} onPage={setPage} />}
    </>
  );
}
