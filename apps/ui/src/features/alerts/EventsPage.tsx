import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { FilterBar } from '../../components/FilterBar';
import { filtersToSearch, withValue } from '../../lib/alerts/filters';
import { useUrlFilters } from '../../lib/alerts/url-filters';
import type { Alert } from '../../lib/api/types';
import { useAlertList } from './api/alert-list';
import { exportUrl } from './api/alerts';
import { AlertDetail } from './components/AlertDetail';
import { AlertTable, type FilterTarget } from './components/AlertTable';

/** Scrolled further than this from the top counts as reading older rows. */
const TOP_SLACK_PX = 8;

/**
 * Events: every alert of the filter, newest first, new ones pushed live. Paused, or scrolled
 * away from the top, the view holds still and counts what arrived ("N new"). `/events/<uuid>`
 * opens one alert in the drawer (a permalink).
 */
export function EventsPage() {
  const { uuid } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const [filters, setFilters] = useUrlFilters();
  const [paused, setPaused] = useState(false);
  const [scrolledAway, setScrolledAway] = useState(false);
  const scrollRef = useRef<HTMLDivElement>(null);
  const list = useAlertList(filters, paused || scrolledAway, () => (scrollRef.current?.scrollTop ?? 0) > TOP_SLACK_PX);

  useEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const onScroll = (): void => setScrolledAway(element.scrollTop > TOP_SLACK_PX);
    element.addEventListener('scroll', onScroll, { passive: true });
    return () => element.removeEventListener('scroll', onScroll);
  }, []);

  // Another filter is another list: start at its top.
  const filterKey = useMemo(() => filtersToSearch(filters).toString(), [filters]);
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    setScrolledAway(false);
  }, [filterKey]);

  const search = location.search;
  const open = useCallback((alert: Alert) => void navigate({ pathname: `/events/${alert.uuid}`, search }), [navigate, search]);
  const close = useCallback(() => void navigate({ pathname: '/events', search }), [navigate, search]);
  const addFilter = useCallback(
    (field: FilterTarget, value: string) => setFilters(field === 'q' ? { ...filters, q: value } : withValue(filters, field, value)),
    [filters, setFilters],
  );
  const showNew = (): void => {
    setPaused(false);
    scrollRef.current?.scrollTo({ top: 0 });
    setScrolledAway(false);
    list.showWaiting();
  };

  return (
    <section className="events-page" aria-labelledby="events-heading">
      <div className="section-head">
        <h2 id="events-heading">Events</h2>
        <span className="muted" data-testid="alert-total">
          {list.total !== undefined ? `${list.total.toLocaleString('en')} alert${list.total === 1 ? '' : 's'}` : ''}
        </span>
        <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
          {paused ? 'Resume live' : 'Pause live'}
        </button>
        {list.waiting > 0 ? (
          <button type="button" className="new-marker" onClick={showNew}>
            {list.waiting} new
          </button>
        ) : null}
        <button type="button" onClick={list.reload} disabled={list.loading}>
          Refresh
        </button>
        <span className="spacer" />
        <a className="button" href={exportUrl(filters, 'json')} download>
          Export JSON
        </a>
        <a className="button" href={exportUrl(filters, 'csv')} download>
          Export CSV
        </a>
      </div>
      <FilterBar filters={filters} onChange={setFilters} />
      {list.error ? <p role="alert">Could not load alerts: {list.error}</p> : null}
      {!list.loading && list.rows.length === 0 && !list.error ? (
        <p className="empty">
          No alerts match. Point Falco's <code>http_output</code> at port 2801, or POST a test alert to <code>/test</code>.
        </p>
      ) : null}
      <AlertTable
        rows={list.rows}
        hasMore={list.hasMore}
        loadingMore={list.loadingMore}
        selectedUuid={uuid}
        scrollRef={scrollRef}
        onLoadMore={list.loadMore}
        onOpen={open}
        onFilter={addFilter}
      />
      {uuid ? <AlertDetail uuid={uuid} permalink={`events/${encodeURIComponent(uuid)}`} onClose={close} onFilter={addFilter} /> : null}
    </section>
  );
}
