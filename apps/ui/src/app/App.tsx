import { useLatestAlerts } from '../features/alerts/api/alerts';
import { AlertTable } from '../features/alerts/components/AlertTable';

export function App() {
  const { page, error, loading, reload, paused, setPaused, waiting, connected } = useLatestAlerts();
  return (
    <div className="app">
      <header>
        <h1>Peregrine</h1>
        <nav aria-label="Links">
          <a href="metrics">Metrics</a>
          <a href="healthz">Health</a>
        </nav>
      </header>
      <main>
        <section aria-labelledby="latest-heading">
          <div className="section-head">
            <h2 id="latest-heading">Latest alerts</h2>
            <span className="muted" data-testid="alert-total">
              {page ? `${page.total} stored` : ''}
            </span>
            <span role="status" className={connected ? 'live on' : 'live'}>
              {connected ? '● live' : '○ offline'}
            </span>
            <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
              {paused ? 'Resume live' : 'Pause live'}
            </button>
            {waiting > 0 ? (
              <button type="button" className="new-marker" onClick={() => setPaused(false)}>
                {waiting} new
              </button>
            ) : null}
            <button type="button" onClick={reload} disabled={loading}>
              Refresh
            </button>
          </div>
          {error ? <p role="alert">Could not load alerts: {error}</p> : null}
          {page ? <AlertTable alerts={page.results} /> : loading ? <p>Loading…</p> : null}
        </section>
      </main>
    </div>
  );
}
