import { describeError } from '../../../lib/errors';
import { type RecentAuditEvent, useRecentAuditEvents } from '../api/rules';
import { summarizeAuditEvent } from '../audit-event';
import { formatTime } from '../format';

const RECENT_LIMIT = 50;

/** The last audit events the server received, to pick one for the editor. */
export function RecentEvents({ onPick, picked }: { onPick: (entry: RecentAuditEvent) => void; picked: RecentAuditEvent | undefined }) {
  const recent = useRecentAuditEvents(RECENT_LIMIT);
  const events = recent.data;
  const error = recent.error ? describeError(recent.error) : undefined;
  const loading = recent.isFetching;

  return (
    <div className="rules-recent">
      <div className="section-head">
        <h4>Recent audit events</h4>
        <button type="button" onClick={() => void recent.refetch()} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh events'}
        </button>
      </div>
      {error ? <p role="alert">Could not load recent events: {error}</p> : null}
      {events?.length === 0 ? <p className="empty">No audit event received yet. Point a kube-apiserver's audit webhook at <code>/k8s-audit</code>, or paste an event.</p> : null}
      {events && events.length > 0 ? (
        <div className="rules-scroll rules-recent-list">
          <table aria-label="Recent audit events">
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Verb</th>
                <th scope="col">Resource</th>
                <th scope="col">Namespace / name</th>
                <th scope="col">User</th>
                <th scope="col">Cluster</th>
                <th scope="col">
                  <span className="rules-sr-only">Pick</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {events.map((entry, index) => {
                const summary = summarizeAuditEvent(entry.event);
                const isPicked = entry === picked;
                return (
                  <tr key={`${entry.receivedAt}:${summary.auditId}:${index}`} aria-selected={isPicked} className={isPicked ? 'picked' : undefined}>
                    <td className="time">{formatTime(entry.receivedAt)}</td>
                    <td>{summary.verb}</td>
                    <td>{summary.resource}</td>
                    <td>
                      {summary.namespace}
                      {summary.namespace && summary.name ? '/' : ''}
                      {summary.name}
                    </td>
                    <td>{summary.user}</td>
                    <td>{entry.cluster}</td>
                    <td>
                      <button type="button" onClick={() => onPick(entry)} aria-pressed={isPicked}>
                        Use
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
