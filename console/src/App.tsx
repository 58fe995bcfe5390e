/**
 * The console: a sign-in form until a token is accepted, then the pages over the GraphQL API with that token. It
 * sees exactly what the token may see (CONTRACT §2a); the server decides, the console only shows.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { createSession } from './client';
import { Shell } from './Shell';
import { SignIn } from './pages/SignIn';
import { forgetToken, readToken, saveToken } from './session';

export function App() {
  const [token, setToken] = useState(readToken);
  const [notice, setNotice] = useState<string>();

  const signOut = useCallback((why?: string) => {
    forgetToken();
    setNotice(why);
    setToken(null);
  }, []);
  const session = useMemo(() => (token ? createSession(token, () => signOut('Your access token is no longer accepted: sign in again.')) : undefined), [token, signOut]);
  useEffect(() => () => session?.dispose(), [session]);

  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(accepted) => {
          saveToken(accepted);
          setNotice(undefined);
          setToken(accepted);
        }}
      />
    );
  }
  return (
    <Provider value={session.client}>
      <Shell onSignOut={() => signOut()} />
    </Provider>
  );
}
