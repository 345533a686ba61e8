import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { messageOf } from '../../../lib/errors';
import { ApiError, onSessionEnded } from '../../../lib/http';
import { signOut, useIdentity } from '../api/auth';
import { AuthContext, type AuthState } from './auth-context';
import { LoginPage } from './LoginPage';
import { SignOutButton } from './SignOutButton';

/**
 * Shows the dashboard only with a session: asks `api/v1/auth/me`, shows the sign-in form on 401,
 * and again whenever a request reports the session ended. `signOutControl="corner"` (default)
 * pins a sign-out control to the bottom-left corner; `"none"` leaves placing `<SignOutButton/>`
 * (e.g. in the app's header) to the app.
 */
export function AuthGate({ children, signOutControl = 'corner' }: { children: ReactNode; signOutControl?: 'corner' | 'none' }) {
  const identity = useIdentity();
  const { refetch } = identity;
  // Set when a request of the signed-in app is refused: the session ended (expired, or signed out elsewhere).
  const [sessionEnded, setSessionEnded] = useState(false);
  const signedIn = identity.isSuccess && !sessionEnded;
  const signedInRef = useRef(signedIn);
  signedInRef.current = signedIn;
  // Once the app has run in this page, its live socket and caches belong to the old session.
  const appHasRun = useRef(false);

  // Only while signed in: without a session, asking who is signed in is refused too, and that ends nothing.
  useEffect(() => onSessionEnded(() => signedInRef.current && setSessionEnded(true)), []);

  const onSignedIn = useCallback(() => {
    if (appHasRun.current) window.location.reload();
    else void refetch();
  }, [refetch]);

  const user = identity.data;
  const auth = useMemo<AuthState | undefined>(
    () =>
      user
        ? {
            username: user.username,
            authEnabled: user.authEnabled,
            signOut: async () => {
              await signOut().catch(() => undefined);
              // A clean page: no socket, cache or state of the session that ended.
              window.location.reload();
            },
          }
        : undefined,
    [user],
  );

  if (identity.isPending) return <p className="auth-checking">Loading…</p>;
  if (sessionEnded) return <LoginPage onSignedIn={onSignedIn} notice="Your session ended. Sign in again." />;
  if (identity.isError) {
    if (identity.error instanceof ApiError && identity.error.status === 401) return <LoginPage onSignedIn={onSignedIn} />;
    return (
      <main className="auth-page">
        <p role="alert">Could not reach Peregrine: {messageOf(identity.error)}</p>
        <button type="button" onClick={() => void refetch()}>
          Try again
        </button>
      </main>
    );
  }
  appHasRun.current = true;
  return (
    <AuthContext.Provider value={auth}>
      {children}
      {signOutControl === 'corner' ? <SignOutButton className="auth-user auth-corner" /> : null}
    </AuthContext.Provider>
  );
}
