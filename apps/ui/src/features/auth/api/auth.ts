import { getJson, postJson } from '../../../lib/http';

/** `GET api/v1/auth/me`: who is signed in; `username: null` when the server has sign-in switched off. */
export interface Identity {
  username: string | null;
  authEnabled: boolean;
}

export function fetchIdentity(signal?: AbortSignal): Promise<Identity> {
  return getJson<Identity>('api/v1/auth/me', signal);
}

/** Resolves once the session cookie is set; rejects with the coded ApiError (INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS). */
export function signIn(username: string, password: string): Promise<void> {
  return postJson<void>('api/v1/auth/login', { username, password });
}

export function signOut(): Promise<void> {
  return postJson<void>('api/v1/auth/logout');
}
