import { useMutation, useQuery } from '@tanstack/react-query';
import type { Identity, LoginRequest } from '../../../lib/api/types';
import { getJson, postJson } from '../../../lib/http';

export type { Identity };

export function fetchIdentity(signal?: AbortSignal): Promise<Identity> {
  return getJson<Identity>('api/v1/auth/me', signal);
}

/**
 * `GET api/v1/auth/me`: who is signed in (`username: null` when the server has sign-in switched
 * off); a coded 401 without a session. Asked once per page load, and again on `refetch`.
 */
export function useIdentity() {
  return useQuery({ queryKey: ['auth', 'identity'], queryFn: ({ signal }) => fetchIdentity(signal), staleTime: Infinity });
}

/** Resolves once the session cookie is set; rejects with the coded ApiError (INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS). */
export function signIn(username: string, password: string): Promise<void> {
  return postJson<void>('api/v1/auth/login', { username, password } satisfies LoginRequest);
}

export function useSignIn() {
  return useMutation({ mutationFn: ({ username, password }: { username: string; password: string }) => signIn(username, password) });
}

export function signOut(): Promise<void> {
  return postJson<void>('api/v1/auth/logout');
}
