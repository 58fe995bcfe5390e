/** Sign in with an access token: it is checked against the API (`me`) before it is kept. */
import { useState, type FormEvent } from 'react';
import { ErrorMessage, Notice } from '../components/Status';

interface SignInProps {
  notice?: string;
  onSignedIn(token: string): void;
}

async function checkToken(token: string): Promise<string | undefined> {
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    if (response.status === 429) return 'Too many refused tokens from this address: wait a minute and try again.';
    const body = (await response.json()) as { data?: { me?: { name: string } }; errors?: { message: string }[] };
    if (body.data?.me) return undefined;
    if (response.status === 401) return 'This access token was not accepted. Check it and try again.';
    return body.errors?.[0]?.message ?? 'The token could not be checked.';
  } catch {
    return 'The gateway could not be reached. Check the connection and try again.';
  }
}

export function SignIn({ notice, onSignedIn }: SignInProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [checking, setChecking] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = token.trim();
    if (!trimmed) return setError('Enter your access token.');
    setChecking(true);
    const refusal = await checkToken(trimmed);
    setChecking(false);
    if (refusal) return setError(refusal);
    onSignedIn(trimmed);
  }

  return (
    <main className="sign-in">
      <h1>Jobout console</h1>
      {notice && <Notice>{notice}</Notice>}
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="access-token">Access token</label>
          <input id="access-token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
        </div>
        {error && <ErrorMessage>{error}</ErrorMessage>}
        <button type="submit" disabled={checking}>
          Sign in
        </button>
      </form>
    </main>
  );
}
