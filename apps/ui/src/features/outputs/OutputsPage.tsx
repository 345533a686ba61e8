import { formatLocalTime } from '../../lib/time';
import { useOutputs } from './api/outputs';
import { OutputCard } from './components/OutputCard';
import { outputHealth } from './health';
import './outputs.css';

/** Every configured output with its delivery health; refreshed every few seconds while visible. */
export function OutputsPage() {
  const { outputs, error, updatedAt, refresh } = useOutputs();
  const failing = outputs?.filter((output) => outputHealth(output).state === 'failing').length ?? 0;
  // "x s ago" is computed against the fetch time, so it moves with each refresh and stays consistent within one.
  const nowMs = updatedAt?.getTime() ?? Date.now();

  return (
    <div className="outputs-page">
      <div className="section-head">
        <h2 className="page-title">Outputs</h2>
        {outputs ? (
          <span className="muted" data-testid="outputs-summary">
            {outputs.length} output{outputs.length === 1 ? '' : 's'}
            {failing > 0 ? `, ${failing} failing` : ''}
          </span>
        ) : null}
        <button type="button" onClick={refresh}>
          Refresh
        </button>
        {updatedAt ? <span className="muted">updated {formatLocalTime(updatedAt.toISOString())}</span> : null}
      </div>
      {error ? <p role="alert">Could not load the outputs: {error}</p> : null}
      {outputs?.length === 0 ? (
        <p className="empty">
          No output is configured. Set an output's key field as with falcosidekick (e.g. <code>SLACK_WEBHOOKURL</code>, <code>WEBHOOK_ADDRESS</code>) and restart.
        </p>
      ) : null}
      {outputs && outputs.length > 0 ? (
        <div className="outputs-grid">
          {outputs.map((output) => (
            <OutputCard key={output.name} output={output} nowMs={nowMs} />
          ))}
        </div>
      ) : null}
      {!outputs && !error ? <p>Loading…</p> : null}
    </div>
  );
}
