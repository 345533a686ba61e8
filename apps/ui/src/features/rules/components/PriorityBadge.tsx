/** Falco's priorities onto the badge classes of app.css, so both themes colour them alike. */
const PRIORITY_CLASS: Readonly<Record<string, string>> = {
  Emergency: 'p-critical',
  Alert: 'p-critical',
  Critical: 'p-critical',
  Error: 'p-error',
  Warning: 'p-warning',
  Notice: 'p-notice',
  Informational: 'p-info',
  Debug: 'p-debug',
};

export function PriorityBadge({ priority }: { priority: string }) {
  return <span className={`priority ${PRIORITY_CLASS[priority] ?? ''}`}>{priority}</span>;
}
