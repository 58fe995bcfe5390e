/** The signed-in layout: who is signed in, the navigation, sign out, and the page of the current path. */
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
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
  const [location] = useLocation();
  useAnnouncedPage(location);
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
          <Route path="/jobs/new">{() => <JobPage key="new" id={undefined} />}</Route>
          <Route path="/jobs/:id">{(params) => <JobPage key={params.id} id={params.id} />}</Route>
          <Route path="/connections" component={ConnectionsPage} />
          <Route path="/connections/new">{() => <ConnectionPage key="new" id={undefined} />}</Route>
          <Route path="/connections/:id">{(params) => <ConnectionPage key={params.id} id={params.id} />}</Route>
          <Route path="/exports" component={ExportsPage} />
          <Route path="/exports/:id">{(params) => <ExportPage key={params.id} id={params.id} />}</Route>
          <Route path="/live" component={LivePage} />
          <Route>
            <h1>Page not found</h1>
            <p>This address shows nothing: choose a page above.</p>
          </Route>
        </Switch>
      </main>
    </div>
  );
}

/**
 * After a navigation, the page's heading takes focus and names the tab, so keyboard and screen-reader users start
 * at the new content instead of where the old page left them. It waits for the heading (a page may be loading).
 */
function useAnnouncedPage(location: string): void {
  useEffect(() => {
    let tries = 0;
    const timer = setInterval(() => {
      const heading = document.querySelector<HTMLElement>('main h1');
      if (heading || ++tries > 50) clearInterval(timer);
      if (!heading) return;
      document.title = `${heading.textContent} · Jobout`;
      heading.tabIndex = -1;
      if (document.activeElement === document.body || document.activeElement?.closest('nav')) heading.focus();
    }, 20);
    return () => clearInterval(timer);
  }, [location]);
}
