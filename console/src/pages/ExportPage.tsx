/**
 * One export: what was sent (the payload, byte for byte), every attempt with the partner's answer, and Retry when
 * it FAILED. The page follows its attempts live, so a retry is seen going green.
 */
import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { EmptyRow, ErrorMessage, Loading, Notice } from '../components/Status';
import { Time } from '../components/Time';
import { messageOf } from '../errors';
import { prettyJson } from '../format';
import { graphql } from '../graphql';

const Export = graphql(`
  query Export($id: ID!) {
    export(id: $id) {
      id
      jobId
      jobName
      objectType
      objectReference
      supplierExternalId
      triggerStatus
      state
      attemptCount
      nextAttemptAt
      lastHttpStatus
      lastError
      payload
      createdAt
      updatedAt
      finishedAt
      attempts {
        attempt
        startedAt
        durationMs
        httpStatus
        errorClass
        error
        responseExcerpt
        stale
      }
    }
  }
`);

const Retry = graphql(`
  mutation RetryExport($id: ID!) {
    retryExport(id: $id) {
      id
      state
    }
  }
`);

const Results = graphql(`
  subscription ExportPageResults($jobId: ID) {
    exportResults(jobId: $jobId) {
      exportId
      state
    }
  }
`);


export function ExportPage({ id }: { id: string }) {
  const [{ data, error }, refetch] = useQuery({ query: Export, variables: { id } });
  const [retrying, retry] = useMutation(Retry);
  const [message, setMessage] = useState<{ text: string; error?: boolean }>();
  const item = data?.export;
  // A finished attempt of this export: read it again (the feed carries the outcome, the page shows all of it).
  useSubscription({ query: Results, variables: { jobId: item?.jobId ?? undefined }, pause: !item?.jobId }, (_previous, event) => {
    if (event.exportResults.exportId === id) refetch({ requestPolicy: 'network-only' });
    return event;
  });

  if (error) return <ErrorMessage>Could not load the export: {messageOf(error)}</ErrorMessage>;
  if (!item) return <Loading what="the export" />;

  async function retryExport() {
    setMessage(undefined);
    const result = await retry({ id });
    if (result.error) return setMessage({ text: messageOf(result.error), error: true });
    setMessage({ text: 'Queued for a fresh round of attempts.' });
    refetch({ requestPolicy: 'network-only' });
  }

  return (
    <>
      <div className="page-title">
        <h1>Export {item.objectReference}</h1>
        {item.state === 'FAILED' && (
          <button type="button" onClick={retryExport} disabled={retrying.fetching}>
            Retry
          </button>
        )}
      </div>
      {message && (message.error ? <ErrorMessage>{message.text}</ErrorMessage> : <Notice>{message.text}</Notice>)}
      <dl className="details">
        <dt>State</dt>
        <dd>
          <span className={`state state-${item.state.toLowerCase()}`}>{item.state}</span>
        </dd>
        <dt>Job</dt>
        <dd>{item.jobId ? <Link href={`/jobs/${item.jobId}`}>{item.jobName}</Link> : `${item.jobName} (deleted)`}</dd>
        <dt>Object</dt>
        <dd>
          {item.objectType === 'ORDER' ? 'Order' : 'Incident'} {item.objectReference}
          {item.supplierExternalId ? ` (supplier ${item.supplierExternalId})` : ''}
        </dd>
        <dt>Status</dt>
        <dd>{item.triggerStatus}</dd>
        <dt>Attempts made</dt>
        <dd>{item.attemptCount}</dd>
        {item.nextAttemptAt && (
          <>
            <dt>Next attempt</dt>
            <dd>
              <Time value={item.nextAttemptAt} />
            </dd>
          </>
        )}
        {item.lastError && (
          <>
            <dt>Last error</dt>
            <dd>{item.lastError}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          <Time value={item.createdAt} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <Time value={item.updatedAt} />
        </dd>
      </dl>
      <h2>Payload</h2>
      <pre role="region" aria-label="Payload" tabIndex={0}>
        <code>{prettyJson(item.payload)}</code>
      </pre>
      <h2 id="attempts-heading">Attempts</h2>
      <table aria-labelledby="attempts-heading">
        <thead>
          <tr>
            <th scope="col">Attempt</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">HTTP status</th>
            <th scope="col">Error</th>
            <th scope="col">Response</th>
          </tr>
        </thead>
        <tbody>
          {item.attempts.length === 0 && <EmptyRow columns={6}>No attempt yet.</EmptyRow>}
          {item.attempts.map((a) => (
            <tr key={`${a.attempt}-${a.startedAt}`}>
              <td>
                {a.attempt}
                {a.stale ? ' (stale report, changed nothing)' : ''}
              </td>
              <td>
                <Time value={a.startedAt} />
              </td>
              <td>{a.durationMs} ms</td>
              <td>{a.httpStatus ?? '—'}</td>
              <td>{a.errorClass ? `${a.errorClass}${a.error ? `: ${a.error}` : ''}` : '—'}</td>
              <td>{a.responseExcerpt ? <code className="excerpt">{a.responseExcerpt}</code> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
