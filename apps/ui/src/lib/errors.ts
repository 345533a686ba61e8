import { ApiError } from './http';

/** An error as one line for the page: its message. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An error as one line for the page, with the server's stable code when it sent one (`NOT_FOUND: …`). */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return messageOf(error);
}
