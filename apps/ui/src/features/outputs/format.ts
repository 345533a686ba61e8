/** "12 s ago", "5 min ago", "3 h ago", "2 d ago" — rough on purpose: it is read at a glance. */
export function timeAgo(iso: string, nowMs: number): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const seconds = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** A setting's value as one line of text: strings as they are, anything else as JSON. */
export function settingText(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '—' : value;
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value) && value.length === 0) return '—';
  if (typeof value === 'object' && Object.keys(value).length === 0) return '—';
  return JSON.stringify(value);
}
