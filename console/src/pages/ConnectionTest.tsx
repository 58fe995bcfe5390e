/**
 * Test connection: the gateway checks the saved settings step by step (address policy, connection and TLS, OAuth2
 * token) and reports each with its duration. It never sends an order.
 */
import { useMutation } from 'urql';
import { ErrorMessage } from '../components/Status';
import { messageOf } from '../errors';
import { graphql } from '../graphql';

const TestConnection = graphql(`
  mutation TestConnection($id: ID!) {
    testClientConnection(id: $id) {
      ok
      steps {
        name
        ok
        detail
        durationMs
      }
    }
  }
`);

const STEP_NAMES: Record<string, string> = { address: 'Address check', connect: 'Connection and TLS', token: 'Token fetch' };

export function ConnectionTest({ connectionId }: { connectionId: string }) {
  const [{ data, error, fetching }, test] = useMutation(TestConnection);
  const result = data?.testClientConnection;
  return (
    <section aria-labelledby="test-heading" className="connection-test">
      <h2 id="test-heading">Test</h2>
      <p className="hint">Checks the saved settings: the address, the connection (with TLS) and the OAuth2 token. No order is sent.</p>
      <button type="button" onClick={() => test({ id: connectionId })} disabled={fetching}>
        Test connection
      </button>
      {fetching && <p role="status">Testing…</p>}
      {error && <ErrorMessage>{messageOf(error)}</ErrorMessage>}
      {result && !fetching && (
        <div role="status" aria-label="Test result">
          <p className={result.ok ? 'ok' : 'failing'}>{result.ok ? 'The connection works.' : 'The connection failed.'}</p>
          <ol className="steps">
            {result.steps.map((step) => (
              <li key={step.name} className={step.ok ? 'ok' : 'failing'}>
                <strong>{STEP_NAMES[step.name] ?? step.name}</strong>: {step.ok ? 'passed' : 'failed'} in {step.durationMs} ms{step.detail ? ` (${step.detail})` : ''}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
