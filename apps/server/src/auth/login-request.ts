import { z } from 'zod';
import { PeregrineError } from '../common/errors';
import type { Credentials } from './auth.service';

const loginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

/** `{username, password}`; anything else is a 400 naming the field (never echoing the password). */
export function parseLoginRequest(body: unknown): Credentials {
  const parsed = loginBody.safeParse(body);
  if (parsed.success) {
    // No account has one; and PostgreSQL refuses U+0000 in the lookup (it answered 500).
    if (/\p{Cc}/u.test(parsed.data.username)) throw new PeregrineError('INVALID_FIELD', 'username must not contain control characters');
    return parsed.data;
  }
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  if (field === '') throw new PeregrineError('BODY_NOT_OBJECT', 'body must be {"username": "...", "password": "..."}');
  const missing = issue?.code === 'invalid_type' && (body as Record<string, unknown>)[field] === undefined;
  throw new PeregrineError(missing ? 'MISSING_FIELD' : 'INVALID_FIELD', `${field} ${missing ? 'is required' : 'must be a string of 1 to ' + (field === 'password' ? '1024' : '64') + ' characters'}`);
}
