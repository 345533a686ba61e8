import { Fragment, useEffect, useRef } from 'react';
import { FilterChip, fieldText, PriorityBadge } from '../../../components/chips';
import { namespaceOf } from '../../../lib/alerts/filters';
import { useCopy } from '../../../lib/clipboard';
import { prettyJsonText } from '../../../lib/json-text';
import { formatLocalTime } from '../../../lib/time';
import { useAlertDetail } from '../api/alerts';
import { useFiredRule } from '../api/rule';
import { fieldNameParts } from '../field-name';
import type { FilterTarget } from './AlertTable';

/** Alerts Peregrine's own engine raised from Kubernetes audit events. */
const AUDIT_SOURCES = new Set(['k8s_audit', 'k8saudit']);

interface AlertDetailProps {
  uuid: string;
  /** The permalink of this alert (relative to the dashboard). */
  permalink: string;
  onClose: () => void;
  onFilter: (field: FilterTarget, value: string) => void;
}

/** One alert in a side drawer: every field, its tags, the raw JSON, and for audit alerts the rule that fired. */
export function AlertDetail({ uuid, permalink, onClose, onFilter }: AlertDetailProps) {
  const { alert, raw, error, loading } = useAlertDetail(uuid);
  const { rule, loading: ruleLoading } = useFiredRule(alert && AUDIT_SOURCES.has(alert.source) ? alert.rule : undefined);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    closeRef.current?.focus();
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, uuid]);

  const namespace = alert ? namespaceOf(alert) : undefined;
  return (
    <aside className="drawer" role="dialog" aria-modal="false" aria-labelledby="alert-detail-title">
      <header className="drawer-head">
        <h2 id="alert-detail-title">{alert ? alert.rule : 'Alert'}</h2>
        <a href={permalink} className="permalink" title="Link to this alert">
          Permalink
        </a>
        <button type="button" ref={closeRef} onClick={onClose} aria-label="Close details">
          ×
        </button>
      </header>
      {error ? <p role="alert">Could not load the alert: {error}</p> : null}
      {loading && !alert ? <p className="muted">Loading…</p> : null}
      {alert ? (
        <div className="drawer-body">
          <dl className="facts">
            <dt>Time</dt>
            {/* Each time on one line (they may wrap between, never inside a date). */}
            <dd title={alert.time}>
              <span className="nowrap">{formatLocalTime(alert.time)}</span> <span className="muted nowrap iso-time">({alert.time})</span>
            </dd>
            <dt>Priority</dt>
            <dd>
              <PriorityBadge priority={alert.priority} onClick={() => onFilter('priority', alert.priority)} />
            </dd>
            <dt>Rule</dt>
            <dd>
              <FilterChip label={alert.rule} title={`Filter on rule ${alert.rule}`} onClick={() => onFilter('rule', alert.rule)} />
            </dd>
            <dt>Source</dt>
            <dd>
              <FilterChip label={alert.source} title={`Filter on source ${alert.source}`} onClick={() => onFilter('source', alert.source)} />
            </dd>
            <dt>Hostname</dt>
            <dd>{alert.hostname ? <FilterChip label={alert.hostname} title={`Filter on hostname ${alert.hostname}`} onClick={() => onFilter('hostname', alert.hostname)} /> : '—'}</dd>
            <dt>Cluster</dt>
            <dd>{alert.cluster ? <FilterChip label={alert.cluster} title={`Filter on cluster ${alert.cluster}`} onClick={() => onFilter('cluster', alert.cluster)} /> : '—'}</dd>
            {namespace ? (
              <>
                <dt>Namespace</dt>
                <dd>
                  <FilterChip label={namespace} title={`Filter on namespace ${namespace}`} onClick={() => onFilter('namespace', namespace)} />
                </dd>
              </>
            ) : null}
            <dt>UUID</dt>
            <dd>
              <code>{alert.uuid}</code>
            </dd>
          </dl>

          <h3>Output</h3>
          <p className="output-full">{alert.output}</p>

          <h3>Fields</h3>
          <table className="fields" aria-label="Output fields">
            <tbody>
              {Object.entries(alert.output_fields).map(([key, value]) => (
                <tr key={key}>
                  <th scope="row" title={key}>
                    <FieldName name={key} />
                  </th>
                  <td>
                    <FilterChip label={fieldText(value)} title={`Search for ${fieldText(value)}`} onClick={() => onFilter('q', fieldText(value))} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>

          <h3>Tags</h3>
          {alert.tags.length > 0 ? (
            <ul className="tag-list" aria-label="Tags">
              {alert.tags.map((tag) => (
                <li key={tag}>
                  <FilterChip label={`#${tag}`} title={`Filter on tag ${tag}`} onClick={() => onFilter('tags', tag)} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No tags.</p>
          )}

          {AUDIT_SOURCES.has(alert.source) ? <FiredRuleSection name={alert.rule} rule={rule} loading={ruleLoading} /> : null}

          {raw ? <RawJson text={raw} /> : null}
        </div>
      ) : null}
    </aside>
  );
}

/** A field name that wraps only after a `.` or before a `[`. */
function FieldName({ name }: { name: string }) {
  return fieldNameParts(name).map((part, index) => (
    <Fragment key={index}>
      {index > 0 ? <wbr /> : null}
      {part}
    </Fragment>
  ));
}

function FiredRuleSection({ name, rule, loading }: { name: string; rule: ReturnType<typeof useFiredRule>['rule']; loading: boolean }) {
  return (
    <section aria-labelledby="fired-rule-title" className="fired-rule">
      <h3 id="fired-rule-title">Rule that fired</h3>
      {loading ? <p className="muted">Loading…</p> : null}
      {!loading && !rule ? <p className="muted">No rule named “{name}” is loaded now (renamed or removed since).</p> : null}
      {rule ? (
        <dl className="facts">
          <dt>Name</dt>
          <dd>{rule.name}</dd>
          {rule.description ? (
            <>
              <dt>Description</dt>
              <dd>{rule.description}</dd>
            </>
          ) : null}
          <dt>Condition</dt>
          <dd>
            <pre className="code">{rule.condition}</pre>
          </dd>
          <dt>Output</dt>
          <dd>
            <pre className="code">{rule.output}</pre>
          </dd>
          <dt>File</dt>
          <dd>
            <code>
              {rule.file}:{rule.line}
            </code>
          </dd>
        </dl>
      ) : null}
    </section>
  );
}

function RawJson({ text }: { text: string }) {
  const pretty = prettyJsonText(text);
  const { outcome: copied, copy } = useCopy(pretty);
  return (
    <section aria-labelledby="raw-json-title">
      <div className="section-head">
        <h3 id="raw-json-title">Raw JSON</h3>
        <button type="button" onClick={copy}>
          Copy JSON
        </button>
        <span role="status" className="muted">
          {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Could not copy (clipboard blocked)' : ''}
        </span>
      </div>
      <pre className="code raw-json" data-testid="raw-json">
        {pretty}
      </pre>
    </section>
  );
}
