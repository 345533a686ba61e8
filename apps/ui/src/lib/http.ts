import type { ApiErrorBody } from './api/types';

/** Every request of the dashboard goes through here: relative URLs (sub-path safe), JSON, coded errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path.replace(/^\//, ''), { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  return readJson<T>(response);
}

/** GETs a JSON answer as text, to show or copy it exactly as sent (int64 digits intact). */
export async function getText(path: string, signal?: AbortSignal): Promise<string> {
  const response = await fetch(path.replace(/^\//, ''), { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  // A failure reads like any other: the coded ApiError.
  if (!response.ok) await readJson<never>(response);
  return response.text();
}

/** POSTs a JSON body (or nothing); answers the parsed JSON, or undefined for 204. */
export async function postJson<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path.replace(/^\//, ''), {
    method: 'POST',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  return readJson<T>(response);
}

/** Called when the server says the session is missing or over, so the sign-in form can come back. */
type SessionEndedListener = () => void;
const sessionEndedListeners = new Set<SessionEndedListener>();

export function onSessionEnded(listener: SessionEndedListener): () => void {
  sessionEndedListeners.add(listener);
  return () => void sessionEndedListeners.delete(listener);
}

async function readJson<T>(response: Response): Promise<T> {
  if (!response.ok) {
    let code = 'HTTP_ERROR';
    let message = response.statusText;
    try {
      // Partial: a proxy in front of the server may answer JSON of its own.
      const body = (await response.json()) as Partial<ApiErrorBody>;
      code = body.code ?? code;
      message = body.message ?? message;
    } catch {
      // Not JSON: keep the status text.
    }
    // A wrong password is also a 401, but the session did not end: only UNAUTHENTICATED means that.
    if (response.status === 401 && code === 'UNAUTHENTICATED') for (const listener of sessionEndedListeners) listener();
    throw new ApiError(response.status, code, message);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
