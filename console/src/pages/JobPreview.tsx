/** The JSON the saved job would send for an object now; nothing is recorded or sent. */
import { useState, type FormEvent } from 'react';
import { useClient } from 'urql';
import { ErrorMessage } from '../components/Status';
import { messageOf } from '../errors';
import { prettyJson } from '../format';
import { graphql } from '../graphql';

const Preview = graphql(`
  query Preview($jobId: ID!, $objectReference: String!) {
    exportPreview(jobId: $jobId, objectReference: $objectReference)
  }
`);


export function JobPreview({ jobId }: { jobId: string }) {
  const client = useClient();
  const [reference, setReference] = useState('');
  const [result, setResult] = useState<{ json?: string; error?: string }>();

  async function preview(event: FormEvent) {
    event.preventDefault();
    if (!reference.trim()) return setResult({ error: 'Enter an object reference.' });
    const answer = await client.query(Preview, { jobId, objectReference: reference.trim() }, { requestPolicy: 'network-only' }).toPromise();
    setResult(answer.error ? { error: messageOf(answer.error) } : { json: prettyJson(answer.data!.exportPreview) });
  }

  return (
    <section aria-labelledby="preview-heading" className="preview">
      <h2 id="preview-heading">Preview</h2>
      <p className="hint">The body the saved job would send for an object now (save your changes first). Nothing is recorded or sent.</p>
      <form onSubmit={preview} className="inline-form">
        <div className="field">
          <label htmlFor="preview-reference">Object reference</label>
          <input id="preview-reference" type="text" value={reference} onChange={(e) => setReference(e.target.value)} />
        </div>
        <button type="submit">Preview</button>
      </form>
      {result?.error && <ErrorMessage>{result.error}</ErrorMessage>}
      {result?.json && (
        <pre role="region" aria-label="Preview JSON" tabIndex={0}>
          <code>{result.json}</code>
        </pre>
      )}
    </section>
  );
}
