import { formatLocalTime } from '../../lib/time';

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A server timestamp as the rest of the dashboard writes it (the reader's zone); a dash for none. */
export function formatTime(iso: string | null): string {
  return iso === null ? '—' : formatLocalTime(iso);
}
