import { useState } from 'react';
import { formatLocalTime } from '../../lib/time';
import { useOutputs } from './api/outputs';
import { AddOutput } from './components/AddOutput';
import { OutputCard } from './components/OutputCard';
import { outputHealth } from './health';
import './outputs.css';

/**
 * Every configured output with its delivery health, refreshed every few seconds while visible;
 * and how to add one: the first thing shown when there is none, folded away below the cards otherwise.
 */
export function OutputsPage() {
  const { outputs, error, updatedAt, refresh } = useOutputs();
  // The examples are fetched when first unfolded, not with every visit of the page.
  const [addOpen, setAddOpen] = useState(false);
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
        <section className="outputs-empty" aria-labelledby="outputs-add-heading">
          <h3 id="outputs-add-heading">Add an output</h3>
          <p className="outputs-intro">
            No output is configured yet: alerts are stored and shown here, but sent nowhere. As with falcosidekick, an output is on once its main key is set, as an environment
            variable or in the config file (<code>npx peregrine serve -c FILE</code>), and Peregrine is restarted. Pick a destination for a minimal example to copy:
          </p>
          <AddOutput />
        </section>
      ) : null}
      {outputs && outputs.length > 0 ? (
        <>
          <div className="outputs-grid">
            {outputs.map((output) => (
              <OutputCard key={output.name} output={output} nowMs={nowMs} />
            ))}
          </div>
          <details className="outputs-add-more" onToggle={(event) => setAddOpen(event.currentTarget.open)}>
            <summary>Add an output</summary>
            {addOpen ? <AddOutput /> : null}
          </details>
        </>
      ) : null}
      {!outputs && !error ? <p>Loading…</p> : null}
    </div>
  );
}
