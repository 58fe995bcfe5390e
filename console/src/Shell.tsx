/** The signed-in layout: who is signed in, the navigation, sign out, and the page of the current path. */
import { useQuery } from 'urql';
import { Link, Redirect, Route, Switch } from 'wouter';
import { graphql } from './graphql';
import { ConnectionPage } from './pages/ConnectionPage';
import { ConnectionsPage } from './pages/ConnectionsPage';
import { ExportPage } from './pages/ExportPage';
import { ExportsPage } from './pages/ExportsPage';
import { JobPage } from './pages/JobPage';
import { JobsPage } from './pages/JobsPage';
import { LivePage } from './pages/LivePage';

const Me = graphql(`query Me { me { name permission } }`);

const SECTIONS = [
  ['/jobs', 'Jobs'],
  ['/connections', 'Connections'],
  ['/exports', 'Exports'],
  ['/live', 'Live'],
] as const;

export function Shell({ onSignOut }: { onSignOut(): void }) {
  const [{ data }] = useQuery({ query: Me });
  return (
    <div className="shell">
      <header>
        <span className="brand">Jobout</span>
        <nav aria-label="Main">
          <ul>
            {SECTIONS.map(([href, label]) => (
              <li key={href}>
                <Link href={href} className={(active: boolean) => (active ? 'active' : '')}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">{data ? `${data.me.name} (${data.me.permission})` : ''}</span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        <Switch>
          <Route path="/">
            <Redirect to="/jobs" replace />
          </Route>
          <Route path="/jobs" component={JobsPage} />
          <Route path="/jobs/new">{() => <JobPage id={undefined} />}</Route>
          <Route path="/jobs/:id">{(params) => <JobPage id={params.id} />}</Route>
          <Route path="/connections" component={ConnectionsPage} />
          <Route path="/connections/new">{() => <ConnectionPage id={undefined} />}</Route>
          <Route path="/connections/:id">{(params) => <ConnectionPage id={params.id} />}</Route>
          <Route path="/exports" component={ExportsPage} />
          <Route path="/exports/:id">{(params) => <ExportPage id={params.id} />}</Route>
          <Route path="/live" component={LivePage} />
          <Route>
            <h1>Page not found</h1>
            <p>
              <Link href="/jobs">Go to the export jobs</Link>
            </p>
          </Route>
        </Switch>
      </main>
    </div>
  );
}
