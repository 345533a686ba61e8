import { useAuth } from './auth-context';

/** Who is signed in, and the way out. Renders nothing when sign-in is switched off. */
export function SignOutButton({ className }: { className?: string }) {
  const { username, authEnabled, signOut } = useAuth();
  if (!authEnabled) return null;
  return (
    <span className={className ?? 'auth-user'}>
      <span className="auth-username">{username}</span>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </span>
  );
}
