/** The client connections the caller may see. */
import { useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { EmptyRow, ErrorMessage, Loading } from '../components/Status';
import { messageOf } from '../errors';
import { graphql } from '../graphql';
import { AUTH_LABELS } from './connection-form';

const Connections = graphql(`
  query Connections {
    clientConnections {
      id
      name
      baseUrl
      state
      storeExternalIds
      auth {
        type
      }
    }
  }
`);

export function ConnectionsPage() {
  const [, navigate] = useLocation();
  const [{ data, fetching, error }] = useQuery({ query: Connections });
  return (
    <>
      <div className="page-title">
        <h1>Client connections</h1>
        <button type="button" onClick={() => navigate('/connections/new')}>
          New connection
        </button>
      </div>
      {error && <ErrorMessage>Could not load the client connections: {messageOf(error)}</ErrorMessage>}
      {!data && fetching && <Loading what="client connections" />}
      {data && (
        <table>
          <caption className="visually-hidden">Client connections ({data.clientConnections.length})</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Base URL</th>
              <th scope="col">Authentication</th>
              <th scope="col">State</th>
              <th scope="col">Owner stores</th>
            </tr>
          </thead>
          <tbody>
            {data.clientConnections.length === 0 && <EmptyRow columns={5}>No client connections yet. Create one with New connection.</EmptyRow>}
            {data.clientConnections.map((connection) => (
              <tr key={connection.id}>
                <td>
                  <Link href={`/connections/${connection.id}`}>{connection.name}</Link>
                </td>
                <td>{connection.baseUrl}</td>
                <td>{AUTH_LABELS[connection.auth.type]}</td>
                <td>{connection.state === 'SUSPENDED' ? <span className="failing">Suspended</span> : 'Active'}</td>
                <td>{connection.storeExternalIds.length > 0 ? connection.storeExternalIds.join(', ') : 'Global'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
