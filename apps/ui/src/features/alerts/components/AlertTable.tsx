import type { Alert } from '../api/alerts';

const PRIORITY_CLASS: Record<string, string> = {
  Emergency: 'p-critical',
  Alert: 'p-critical',
  Critical: 'p-critical',
  Error: 'p-error',
  Warning: 'p-warning',
  Notice: 'p-notice',
  Informational: 'p-info',
  Debug: 'p-debug',
};

export function AlertTable({ alerts }: { alerts: readonly Alert[] }) {
  if (alerts.length === 0) {
    return <p className="empty">No alerts yet. Point Falco's <code>http_output</code> at port 2801, or POST a test alert to <code>/test</code>.</p>;
  }
  return (
    <table aria-label="Latest alerts">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Priority</th>
          <th scope="col">Rule</th>
          <th scope="col">Source</th>
          <th scope="col">Host / cluster</th>
          <th scope="col">Output</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((alert) => (
          <tr key={alert.uuid}>
            <td className="time">{alert.time}</td>
            <td>
              <span className={`priority ${PRIORITY_CLASS[alert.priority] ?? ''}`}>{alert.priority}</span>
            </td>
            <td>{alert.rule}</td>
            <td>{alert.source}</td>
            <td>
              {alert.hostname}
              {alert.cluster ? <span className="muted"> / {alert.cluster}</span> : null}
            </td>
            <td className="output">{alert.output}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
