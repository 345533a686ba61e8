import { useDeferredValue, useId, useMemo, useState } from 'react';
import { formatLocalTime } from '../../lib/time';
import { useAbout } from './api/about';
import { ConfigTree } from './components/ConfigTree';
import { configTree, filterConfigTree } from './config-tree';
import './about.css';

/** Version, runtime, links to metrics and the API docs, and the effective configuration (secrets masked). */
export function AboutPage() {
  const { about, error } = useAbout();
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const filterId = useId();
  const tree = useMemo(() => (about ? configTree(about.config) : []), [about]);
  const shown = useMemo(() => filterConfigTree(tree, deferredQuery), [tree, deferredQuery]);

  return (
    <div className="about-page">
      <h2 className="page-title">About</h2>
      {error ? <p role="alert">Could not load the server's details: {error}</p> : null}
      {about ? (
        <>
          <dl className="about-facts">
            <dt>Version</dt>
            <dd data-testid="about-version">Peregrine {about.version}</dd>
            <dt>Node.js</dt>
            <dd>{about.node}</dd>
            <dt>Started</dt>
            <dd>
              <time dateTime={about.startedAt}>{formatLocalTime(about.startedAt)}</time>
            </dd>
          </dl>
          <p className="about-links">
            {/* Relative as the server sends them, so they follow the dashboard under a sub-path. */}
            <a href={about.links.metrics}>Prometheus metrics</a>
            <a href={about.links.apiDocs}>API documentation</a>
          </p>
          <section aria-labelledby="about-config-heading">
            <div className="section-head">
              <h3 id="about-config-heading">Effective configuration</h3>
              <label htmlFor={filterId} className="about-sr-only">
                Find a setting
              </label>
              <input id={filterId} type="search" className="about-filter" placeholder="Find a setting…" value={query} onChange={(e) => setQuery(e.target.value)} />
            </div>
            <p className="muted">As parsed from the config file and environment at start. Secrets are masked by the server and never reach the browser.</p>
            {shown.length > 0 ? <ConfigTree nodes={shown} expanded={deferredQuery.trim() !== ''} /> : <p className="empty">No setting matches “{query}”.</p>}
          </section>
        </>
      ) : error ? null : (
        <p>Loading…</p>
      )}
    </div>
  );
}
