import { type ReactNode, useMemo } from 'react';
import { Link } from 'react-router';
import { PriorityBadge } from '../../components/chips';
import { FilterBar } from '../../components/FilterBar';
import { type AlertFilters, filtersToSearch, type ListFilter, PRIORITIES, withValue } from '../../lib/alerts/filters';
import { describeRange, withDefaultRange, withoutRange } from '../../lib/alerts/time-range';
import { useUrlFilters } from '../../lib/alerts/url-filters';
import { useDarkMode } from '../../lib/theme';
import { useOverview } from './api/stats';
import { describeBucket, ShareChart, TimelineChart, TopChart } from './components/charts';
import { priorityColor, seriesColors } from './components/palette';

/**
 * The window the Overview shows when its URL names none: recent alerts, as falcosidekick-ui
 * opens on, not every alert ever kept (years apart, they draw slivers at the chart's edges).
 * "All time" stays one pick away in the time-range menu.
 */
const OVERVIEW_DEFAULT_SINCE = '24h';

/**
 * Overview: counts per priority, timelines stacked by priority and by source, the top rules,
 * namespaces, hosts and clusters, and the sources, all counted on the server for the filter in
 * the URL (the last 24 hours unless it names another window). Clicking any part narrows the
 * filter; "Show these events" opens them.
 */
export function OverviewPage() {
  const [filters, setFilters] = useUrlFilters();
  const shown = useMemo(() => withDefaultRange(filters, OVERVIEW_DEFAULT_SINCE), [filters]);
  const { overview, error, loading } = useOverview(shown);
  const dark = useDarkMode();
  const sources = overview?.bySource.results;
  const sourceColor = useMemo(() => seriesColors(Object.keys(sources ?? {}), dark ? 'dark' : 'light'), [sources, dark]);
  const add = (field: ListFilter, value: string): void => setFilters(withValue(filters, field, value));
  const pickBucket = (field: ListFilter, value: string, startMs: number, endMs: number): void => {
    setFilters({ ...withoutRange(withValue(filters, field, value)), from: new Date(startMs).toISOString(), until: new Date(endMs).toISOString() });
  };
  const eventsLink = eventsPath(shown);
  const range = describeRange(shown);

  return (
    <section className="overview-page" aria-labelledby="overview-heading">
      <div className="section-head">
        <h2 id="overview-heading">Overview</h2>
        {/* The count alone carries the test id: "12 alerts", then its window and the all-time total. */}
        <span className="muted overview-totals">
          <span data-testid="overview-total">{overview ? `${overview.byPriority.total.toLocaleString('en')} alert${overview.byPriority.total === 1 ? '' : 's'}` : ''}</span>
          {overview && range ? ` ${range} · ${overview.allTimeTotal.toLocaleString('en')} in total` : null}
        </span>
        {loading ? <span className="muted">Updating…</span> : null}
        <span className="spacer" />
        <Link className="button" to={eventsLink}>
          Show these events
        </Link>
      </div>
      <FilterBar filters={filters} onChange={setFilters} defaultSince={OVERVIEW_DEFAULT_SINCE} />
      {error ? <p role="alert">Could not load the overview: {error}</p> : null}
      {overview ? (
        <>
          <ul className="priority-tiles" aria-label="Alerts per priority">
            {PRIORITIES.map((priority) => (
              <li key={priority}>
                <button type="button" className="tile" onClick={() => add('priority', priority)} aria-label={`${priority}: ${overview.byPriority.results[priority] ?? 0}`}>
                  <PriorityBadge priority={priority} />
                  <span className="tile-count">{(overview.byPriority.results[priority] ?? 0).toLocaleString('en')}</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="panels">
            <Panel title="Timeline by priority" note={overview.byPriority.bucketMs ? `per ${describeBucket(overview.byPriority.bucketMs)}` : undefined} wide>
              <TimelineChart label="Timeline by priority" stats={overview.byPriority} order={PRIORITIES} colorOf={priorityColor} onPick={(priority, start, end) => pickBucket('priority', priority, start, end)} />
            </Panel>
            <Panel title="Timeline by source" note={overview.bySource.bucketMs ? `per ${describeBucket(overview.bySource.bucketMs)}` : undefined} wide>
              <TimelineChart label="Timeline by source" stats={overview.bySource} colorOf={sourceColor} onPick={(source, start, end) => pickBucket('source', source, start, end)} />
            </Panel>
            <Panel title="Top rules">
              <TopChart label="Top rules" results={overview.topRules.results} color="#2f6fde" onPick={(rule) => add('rule', rule)} />
            </Panel>
            <Panel title="Sources">
              <ShareChart label="Sources" results={overview.bySource.results} colorOf={sourceColor} onPick={(source) => add('source', source)} />
            </Panel>
            <Panel title="Top namespaces">
              <TopChart label="Top namespaces" results={overview.topNamespaces.results} color="#2e9d55" onPick={(ns) => add('namespace', ns)} />
            </Panel>
            <Panel title="Top hostnames">
              <TopChart label="Top hostnames" results={overview.topHostnames.results} color="#a35bd6" truncate="middle" onPick={(host) => add('hostname', host)} />
            </Panel>
            <Panel title="Top clusters">
              <TopChart label="Top clusters" results={overview.topClusters.results} color="#e07b39" truncate="middle" onPick={(cluster) => add('cluster', cluster)} />
            </Panel>
          </div>
        </>
      ) : null}
    </section>
  );
}

function Panel({ title, note, wide, children }: { title: string; note?: string | undefined; wide?: boolean; children: ReactNode }) {
  return (
    <section className={`panel${wide ? ' wide' : ''}`} aria-label={title}>
      <h3>
        {title} {note ? <span className="muted note">{note}</span> : null}
      </h3>
      {children}
    </section>
  );
}

function eventsPath(filters: AlertFilters): string {
  const search = filtersToSearch(filters).toString();
  return search === '' ? '/events' : `/events?${search}`;
}
