import { type FormEvent, useState } from 'react';
import { useSignIn } from '../api/auth';
import { loginFailureMessage } from '../login-message';
import '../auth.css';

/** The sign-in form the AuthGate shows when there is no session. */
export function LoginPage({ onSignedIn, notice }: { onSignedIn: () => void; notice?: string }) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const signIn = useSignIn();
  const error = signIn.isError ? loginFailureMessage(signIn.error) : undefined;
  const busy = signIn.isPending;

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    signIn.mutate({ username, password }, { onSuccess: onSignedIn, onError: () => setPassword('') });
  };

  return (
    <main className="auth-page">
      <form className="auth-form" aria-labelledby="sign-in-heading" onSubmit={submit}>
        <h1 id="sign-in-heading">Sign in to Peregrine</h1>
        {notice ? <p className="auth-notice">{notice}</p> : null}
        <label>
          Username
          <input name="username" autoComplete="username" required value={username} onChange={(event) => setUsername(event.target.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required autoFocus value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        {error ? (
          <p role="alert" className="auth-error">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="auth-hint">
          The first start prints the admin password in the server log once, unless <code>PEREGRINE_ADMIN_PASSWORD</code> sets it.
        </p>
      </form>
    </main>
  );
}
