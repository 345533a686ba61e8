import { createContext, useContext } from 'react';

export interface AuthState {
  /** null when the server has sign-in switched off. */
  username: string | null;
  authEnabled: boolean;
  signOut: () => Promise<void>;
}

export const AuthContext = createContext<AuthState | undefined>(undefined);

/** The signed-in user and a sign-out action, for any component under the AuthGate. */
export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth() is only available under <AuthGate>');
  return state;
}
