import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type AlertFilters, hasAnyFilter, LIST_FILTERS, type ListFilter, NO_FILTERS, PRIORITIES, SINCE_PRESETS, withoutValue, withValue } from '../lib/alerts/filters';
import { useFieldValueSuggestions } from '../lib/alerts/stats';
import { ALL_TIME_CHOICE, ALL_TIME_SINCE, CUSTOM_CHOICE, rangeChoice, withDefaultRange, withoutRange, withRangeChoice } from '../lib/alerts/time-range';
import { fromLocalInput, toLocalInput } from '../lib/time';
import { priorityClass } from './chips';

const FIELD_LABEL: Readonly<Record<ListFilter, string>> = {
  priority: 'Priority',
  rule: 'Rule',
  source: 'Source',
  hostname: 'Hostname',
  cluster: 'Cluster',
  namespace: 'Namespace',
  tags: 'Tag',
};
const FREE_FIELDS = LIST_FILTERS.filter((f) => f !== 'priority');

interface FilterBarProps {
  /** The filters of the page URL. */
  filters: AlertFilters;
  onChange: (next: AlertFilters) => void;
  /** The window the page shows when the URL names none (e.g. `24h`); without it, all time. */
  defaultSince?: string;
}

/**
 * Time window (relative presets or absolute from/to), priorities, any field value, and free
 * text. Every change goes straight to `onChange`, which puts it in the URL.
 */
export function FilterBar({ filters, onChange, defaultSince }: FilterBarProps) {
  return (
    <div className="filter-bar">
      <div className="filter-row">
        <TimeFilter filters={filters} onChange={onChange} defaultSince={defaultSince} />
        <SearchBox value={filters.q ?? ''} onCommit={(q) => onChange({ ...filters, q: q === '' ? undefined : q })} />
      </div>
      <div className="filter-row">
        <div role="group" aria-label="Priority" className="priority-toggles">
          {PRIORITIES.map((priority) => {
            const on = filters.priority.includes(priority);
            return (
              <button
                key={priority}
                type="button"
                aria-pressed={on}
                className={`priority-toggle ${on ? priorityClass(priority) : ''}`}
                onClick={() => onChange(on ? withoutValue(filters, 'priority', priority) : withValue(filters, 'priority', priority))}
              >
                {priority}
              </button>
            );
          })}
        </div>
        <FieldValueAdder filters={withDefaultRange(filters, defaultSince)} onAdd={(field, value) => onChange(withValue(filters, field, value))} />
      </div>
      <ActiveFilters filters={filters} onChange={onChange} />
    </div>
  );
}

function TimeFilter({ filters, onChange, defaultSince }: { filters: AlertFilters; onChange: (next: AlertFilters) => void; defaultSince: string | undefined }) {
  const absolute = filters.from !== undefined || filters.until !== undefined;
  const [custom, setCustom] = useState(absolute);
  useEffect(() => setCustom(absolute), [absolute]);
  const selected = custom ? CUSTOM_CHOICE : rangeChoice(filters, defaultSince);
  const rest = withoutRange(filters);
  const unlisted = filters.since !== undefined && filters.since !== ALL_TIME_SINCE && !SINCE_PRESETS.some((p) => p.value === filters.since);
  return (
    <div className="time-filter">
      <select
        aria-label="Time range"
        value={selected}
        onChange={(event) => {
          const value = event.target.value;
          if (value === CUSTOM_CHOICE) {
            setCustom(true);
            // Start the custom range from the relative one, so switching loses nothing.
            const hour = new Date(Date.now() - 3_600_000).toISOString();
            onChange({ ...rest, from: filters.from ?? hour });
          } else {
            setCustom(false);
            onChange(withRangeChoice(filters, value, defaultSince));
          }
        }}
      >
        <option value={ALL_TIME_CHOICE}>All time</option>
        {SINCE_PRESETS.map((preset) => (
          <option key={preset.value} value={preset.value}>
            {preset.label}
          </option>
        ))}
        {unlisted ? <option value={filters.since}>Last {filters.since}</option> : null}
        <option value={CUSTOM_CHOICE}>Custom range…</option>
      </select>
      {custom ? (
        <>
          <label>
            From{' '}
            <input type="datetime-local" value={toLocalInput(filters.from)} onChange={(e) => onChange(withBound(rest, filters.until, 'from', fromLocalInput(e.target.value)))} />
          </label>
          <label>
            To{' '}
            <input type="datetime-local" value={toLocalInput(filters.until)} onChange={(e) => onChange(withBound(rest, filters.from, 'until', fromLocalInput(e.target.value)))} />
          </label>
        </>
      ) : null}
    </div>
  );
}

function withBound(rest: AlertFilters, other: string | undefined, which: 'from' | 'until', value: string | undefined): AlertFilters {
  const next: AlertFilters = { ...rest };
  const otherKey = which === 'from' ? 'until' : 'from';
  if (other) next[otherKey] = other;
  if (value) next[which] = value;
  return next;
}

/** Free text, applied after a short pause in typing (or at once on Enter). */
function SearchBox({ value, onCommit }: { value: string; onCommit: (value: string) => void }) {
  const [text, setText] = useState(value);
  // The parent re-renders with every pushed alert; a fresh callback must not restart the pause.
  const commit = useRef(onCommit);
  commit.current = onCommit;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => commit.current(text.trim()), 400);
    return () => clearTimeout(timer);
  }, [text, value]);
  return (
    <input
      type="search"
      className="search"
      aria-label="Search"
      placeholder="Search output, rule and field values"
      value={text}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onCommit(text.trim());
      }}
    />
  );
}

/** Adds `field = value`; suggests the values the current view holds, most frequent first. */
function FieldValueAdder({ filters, onAdd }: { filters: AlertFilters; onAdd: (field: ListFilter, value: string) => void }) {
  const [field, setField] = useState<ListFilter>('rule');
  const [value, setValue] = useState('');
  const suggestions = useFieldValueSuggestions(filters, field);
  const listId = useId();
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (value.trim() === '') return;
    onAdd(field, value.trim());
    setValue('');
  };
  return (
    <form className="field-adder" onSubmit={submit}>
      <select aria-label="Filter field" value={field} onChange={(e) => setField(e.target.value as ListFilter)}>
        {FREE_FIELDS.map((f) => (
          <option key={f} value={f}>
            {FIELD_LABEL[f]}
          </option>
        ))}
      </select>
      <input aria-label="Filter value" list={listId} value={value} placeholder={`${FIELD_LABEL[field]} is…`} onChange={(e) => setValue(e.target.value)} />
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <button type="submit">Add filter</button>
    </form>
  );
}

function ActiveFilters({ filters, onChange }: { filters: AlertFilters; onChange: (next: AlertFilters) => void }) {
  if (!hasAnyFilter(filters)) return null;
  const chips: Array<{ key: string; label: string; remove: AlertFilters }> = [];
  for (const field of LIST_FILTERS) {
    for (const value of filters[field]) chips.push({ key: `${field}:${value}`, label: `${FIELD_LABEL[field]}: ${value}`, remove: withoutValue(filters, field, value) });
  }
  if (filters.q) chips.push({ key: 'q', label: `Text: ${filters.q}`, remove: { ...filters, q: undefined } });
  if (filters.since) chips.push({ key: 'since', label: filters.since === ALL_TIME_SINCE ? 'All time' : `Last ${filters.since}`, remove: { ...filters, since: undefined } });
  if (filters.from) chips.push({ key: 'from', label: `From ${new Date(filters.from).toLocaleString()}`, remove: { ...filters, from: undefined } });
  if (filters.until) chips.push({ key: 'until', label: `To ${new Date(filters.until).toLocaleString()}`, remove: { ...filters, until: undefined } });
  return (
    <ul className="active-filters" aria-label="Active filters">
      {chips.map((chip) => (
        <li key={chip.key}>
          <span className="chip active" title={chip.label}>
            <span className="chip-text">{chip.label}</span>
            <button type="button" className="chip-remove" aria-label={`Remove filter ${chip.label}`} onClick={() => onChange(chip.remove)}>
              ×
            </button>
          </span>
        </li>
      ))}
      <li>
        <button type="button" className="link-button" onClick={() => onChange(NO_FILTERS)}>
          Clear all
        </button>
      </li>
    </ul>
  );
}
