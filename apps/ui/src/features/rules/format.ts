import { formatLocalTime } from '../../lib/time';

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A server timestamp as the rest of the dashboard writes it (the reader's zone); a dash for none. */
export function formatTime(iso: string | null): string {
  return iso === null ? '—' : formatLocalTime(iso);
}

/**
 * Where a rule is defined, as the table shows it: the file's base name and the line (the folder
 * is the same on most rows and would push `:line` out of sight), and the full path for a tooltip.
 */
export function ruleLocation(file: string, line: number): { short: string; full: string } {
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1) || file;
  return { short: `${base}:${line}`, full: `${file}:${line}` };
}
