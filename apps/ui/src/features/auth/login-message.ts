import { ApiError } from '../../lib/http';

/** What the sign-in form says when signing in fails, by the server's code. */
export function loginFailureMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'INVALID_CREDENTIALS') return 'Wrong username or password.';
    if (error.code === 'TOO_MANY_ATTEMPTS') return `Too many failed attempts: ${error.message}.`;
    return `Could not sign in: ${error.message}`;
  }
  return 'Could not reach Peregrine. Try again.';
}
