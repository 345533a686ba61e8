import { useVirtualizer } from '@tanstack/react-virtual';
import { type RefObject, useEffect } from 'react';
import { FilterChip, fieldText, PriorityBadge } from '../../../components/chips';
import { type ListFilter, namespaceOf } from '../../../lib/alerts/filters';
import type { Alert } from '../../../lib/api/types';
import { useMediaQuery } from '../../../lib/media';
import { formatLocalTime } from '../../../lib/time';

/** What a clicked chip adds: a list filter, or free text for field values. */
export type FilterTarget = ListFilter | 'q';

const ROW_HEIGHT = 64;
const CARD_HEIGHT = 136;
const FIELD_CHIPS = 6;
/** Start fetching the next page this many rows before the end. */
const PREFETCH_ROWS = 40;
export const NARROW_SCREEN = '(max-width: 760px)';

interface AlertTableProps {
  rows: readonly Alert[];
  hasMore: boolean;
  loadingMore: boolean;
  selectedUuid: string | undefined;
  /** The scrolling element; the page watches it to hold live rows while scrolled away. */
  scrollRef: RefObject<HTMLDivElement | null>;
  onLoadMore: () => void;
  onOpen: (alert: Alert) => void;
  onFilter: (field: FilterTarget, value: string) => void;
}

/**
 * Alerts newest first, virtualised (only the rows in view are in the DOM, so 10 000 rows
 * scroll smoothly), fetching older pages as the end comes near. A table by its roles; rows
 * become cards on narrow screens.
 */
export function AlertTable({ rows, hasMore, loadingMore, selectedUuid, scrollRef, onLoadMore, onOpen, onFilter }: AlertTableProps) {
  const narrow = useMediaQuery(NARROW_SCREEN);
  const rowHeight = narrow ? CARD_HEIGHT : ROW_HEIGHT;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    getItemKey: (index) => rows[index]?.uuid ?? index,
  });
  useEffect(() => virtualizer.measure(), [rowHeight, virtualizer]);

  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (hasMore && !loadingMore && rows.length > 0 && lastIndex >= rows.length - PREFETCH_ROWS) onLoadMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, onLoadMore]);

  return (
    <div className="alert-scroll" ref={scrollRef} data-testid="alert-scroll">
      <div role="table" aria-label="Alerts" aria-rowcount={rows.length + 1} className="alert-table">
        <div role="rowgroup" className="alert-head">
          <div role="row" className="alert-grid">
            <span role="columnheader">Time</span>
            <span role="columnheader">Priority</span>
            <span role="columnheader">Rule</span>
            <span role="columnheader">Source</span>
            <span role="columnheader">Cluster / host</span>
            <span role="columnheader">Namespace</span>
            <span role="columnheader">Output</span>
          </div>
        </div>
        <div role="rowgroup" className="alert-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const alert = rows[item.index];
            if (!alert) return null;
            return (
              <AlertRow
                key={item.key}
                alert={alert}
                index={item.index}
                top={item.start}
                height={rowHeight}
                selected={alert.uuid === selectedUuid}
                onOpen={onOpen}
                onFilter={onFilter}
              />
            );
          })}
        </div>
      </div>
      {loadingMore ? <p className="muted table-foot">Loading older alerts…</p> : null}
      {!hasMore && rows.length > 0 ? <p className="muted table-foot">End of the list.</p> : null}
    </div>
  );
}

interface AlertRowProps {
  alert: Alert;
  index: number;
  top: number;
  height: number;
  selected: boolean;
  onOpen: (alert: Alert) => void;
  onFilter: (field: FilterTarget, value: string) => void;
}

function AlertRow({ alert, index, top, height, selected, onOpen, onFilter }: AlertRowProps) {
  const namespace = namespaceOf(alert);
  const fields = Object.entries(alert.output_fields).filter(([, value]) => value !== null && value !== '');
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      tabIndex={0}
      className={`alert-grid alert-row${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${top}px)`, height }}
      onClick={() => onOpen(alert)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') onOpen(alert);
      }}
    >
      <span role="cell" className="c-time" title={alert.time}>
        {formatLocalTime(alert.time)}
      </span>
      <span role="cell" className="c-priority">
        <PriorityBadge priority={alert.priority} onClick={() => onFilter('priority', alert.priority)} />
      </span>
      <span role="cell" className="c-rule">
        <FilterChip label={alert.rule} title={`Filter on rule ${alert.rule}`} onClick={() => onFilter('rule', alert.rule)} />
      </span>
      <span role="cell" className="c-source">
        <FilterChip label={alert.source} title={`Filter on source ${alert.source}`} onClick={() => onFilter('source', alert.source)} />
      </span>
      <span role="cell" className="c-host">
        {alert.cluster ? <FilterChip className="chip-cluster" label={alert.cluster} title={`Filter on cluster ${alert.cluster}`} onClick={() => onFilter('cluster', alert.cluster)} /> : null}
        {alert.hostname && alert.hostname !== alert.cluster ? (
          <FilterChip label={alert.hostname} title={`Filter on hostname ${alert.hostname}`} onClick={() => onFilter('hostname', alert.hostname)} />
        ) : null}
      </span>
      <span role="cell" className="c-namespace">
        {namespace ? <FilterChip label={namespace} title={`Filter on namespace ${namespace}`} onClick={() => onFilter('namespace', namespace)} /> : null}
      </span>
      <span role="cell" className="c-output">
        <span className="output-text" title={alert.output}>
          {alert.output}
        </span>
        <span className="field-chips">
          {fields.slice(0, FIELD_CHIPS).map(([key, value]) => {
            const text = fieldText(value);
            return (
              <FilterChip key={key} label={`${key}=${text}`} title={`${key}=${text}\nClick to search for this value`} onClick={() => onFilter('q', text)}>
                <span className="chip-key">{key}=</span>
                <span className="chip-text">{text}</span>
              </FilterChip>
            );
          })}
          {alert.tags.map((tag) => (
            <FilterChip key={`#${tag}`} label={`#${tag}`} title={`Filter on tag ${tag}`} onClick={() => onFilter('tags', tag)} />
          ))}
        </span>
      </span>
    </div>
  );
}
