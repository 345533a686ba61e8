import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, onSessionEnded } from '../../../lib/http';
import { fetchIdentity, type Identity, signOut } from '../api/auth';
import { AuthContext, type AuthState } from './auth-context';
import { LoginPage } from './LoginPage';
import { SignOutButton } from './SignOutButton';

type GateState = { kind: 'checking' } | { kind: 'signed-out'; expired: boolean } | { kind: 'failed'; message: string } | { kind: 'signed-in'; identity: Identity };

/**
 * Shows the dashboard only with a session: asks `api/v1/auth/me`, shows the sign-in form on 401,
 * and again whenever a request reports the session ended. `signOutControl="corner"` (default)
 * pins a sign-out control to the bottom-left corner; `"none"` leaves placing `<SignOutButton/>`
 * (e.g. in the app's header) to the app.
 */
export function AuthGate({ children, signOutControl = 'corner' }: { children: ReactNode; signOutControl?: 'corner' | 'none' }) {
  const [state, setState] = useState<GateState>({ kind: 'checking' });
  // Once the app has run in this page, its live socket and caches belong to the old session.
  const appHasRun = useRef(false);

  const check = useCallback(async (signal?: AbortSignal): Promise<void> => {
    try {
      setState({ kind: 'signed-in', identity: await fetchIdentity(signal) });
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof ApiError && error.status === 401) setState({ kind: 'signed-out', expired: false });
      else setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void check(controller.signal);
    return () => controller.abort();
  }, [check]);

  useEffect(() => onSessionEnded(() => setState((current) => (current.kind === 'signed-in' ? { kind: 'signed-out', expired: true } : current))), []);

  const onSignedIn = useCallback(() => {
    if (appHasRun.current) window.location.reload();
    else void check();
  }, [check]);

  const auth = useMemo<AuthState | undefined>(
    () =>
      state.kind === 'signed-in'
        ? {
            username: state.identity.username,
            authEnabled: state.identity.authEnabled,
            signOut: async () => {
              await signOut().catch(() => undefined);
              // A clean page: no socket, cache or state of the session that ended.
              window.location.reload();
            },
          }
        : undefined,
    [state],
  );

  if (state.kind === 'checking') return <p className="auth-checking">Loading…</p>;
  if (state.kind === 'failed') {
    return (
      <main className="auth-page">
        <p role="alert">Could not reach Peregrine: {state.message}</p>
        <button type="button" onClick={() => void check()}>
          Try again
        </button>
      </main>
    );
  }
  if (state.kind === 'signed-out') return <LoginPage onSignedIn={onSignedIn} {...(state.expired ? { notice: 'Your session ended. Sign in again.' } : {})} />;
  appHasRun.current = true;
  return (
    <AuthContext.Provider value={auth}>
      {children}
      {signOutControl === 'corner' ? <SignOutButton className="auth-user auth-corner" /> : null}
    </AuthContext.Provider>
  );
}
