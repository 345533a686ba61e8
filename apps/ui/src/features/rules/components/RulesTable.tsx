import { Fragment, useId, useState } from 'react';
import type { RuleView } from '../api/rules';
import { ruleLocation } from '../format';
import { PriorityBadge } from '../../../components/chips';

const COLUMNS = 7;

/**
 * Every rule in load order; scrolls sideways on a narrow screen rather than squeezing. A rule's
 * name unfolds its description, condition and output in a row of its own, across the whole
 * table, so long conditions get the width to be read.
 */
export function RulesTable({ rules }: { rules: readonly RuleView[] }) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const idPrefix = useId();
  if (rules.length === 0) return <p className="empty">No rule matches the filter.</p>;
  const toggle = (name: string): void => {
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(name)) next.add(name);
      return next;
    });
  };

  return (
    <div className="rules-scroll">
      <table aria-label="Rules" className="rules-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Source</th>
            <th scope="col">Priority</th>
            <th scope="col">Tags</th>
            <th scope="col">Enabled</th>
            <th scope="col">File</th>
            <th scope="col" className="num">
              Matches
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule, index) => {
            const open = expanded.has(rule.name);
            const detailId = `${idPrefix}-detail-${index}`;
            const location = ruleLocation(rule.file, rule.line);
            return (
              <Fragment key={rule.name}>
                <tr className={[rule.enabled && rule.evaluated ? '' : 'rules-off', open ? 'rules-open' : ''].join(' ').trim() || undefined}>
                  <td className="rules-name">
                    <button type="button" className="rules-name-toggle" aria-expanded={open} aria-controls={open ? detailId : undefined} title={rule.description} onClick={() => toggle(rule.name)}>
                      <span className="rules-chevron" aria-hidden="true">
                        {open ? '▾' : '▸'}
                      </span>
                      {rule.name}
                    </button>
                  </td>
                  <td>{rule.source}</td>
                  <td>
                    <PriorityBadge priority={rule.priority} />
                  </td>
                  <td>
                    <Tags tags={rule.tags} />
                  </td>
                  <td>{enabledText(rule)}</td>
                  <td className="rules-file" title={location.full}>
                    {location.short}
                  </td>
                  <td className="num">{rule.matches}</td>
                </tr>
                {open ? (
                  <tr id={detailId} className="rules-detail-row">
                    <td colSpan={COLUMNS}>
                      <RuleDetail rule={rule} file={location.full} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The unfolded rule: labelled blocks, condition and output in monospace and wrapped, then the facts. */
function RuleDetail({ rule, file }: { rule: RuleView; file: string }) {
  return (
    <div className="rules-detail">
      <dl className="rules-detail-blocks">
        <div>
          <dt>Description</dt>
          <dd>{rule.description || <span className="muted">none</span>}</dd>
        </div>
        <div>
          <dt>Condition</dt>
          <dd>
            <pre className="rules-code">{rule.condition}</pre>
          </dd>
        </div>
        <div>
          <dt>Output</dt>
          <dd>
            <pre className="rules-code">{rule.output}</pre>
          </dd>
        </div>
      </dl>
      <dl className="rules-detail-facts">
        <div>
          <dt>Priority</dt>
          <dd>
            <PriorityBadge priority={rule.priority} />
          </dd>
        </div>
        <div>
          <dt>Source</dt>
          <dd>{rule.source}</dd>
        </div>
        <div>
          <dt>Tags</dt>
          <dd>{rule.tags.length > 0 ? <Tags tags={rule.tags} /> : <span className="muted">none</span>}</dd>
        </div>
        <div>
          <dt>File</dt>
          <dd>
            <code className="rules-detail-file">{file}</code>
          </dd>
        </div>
      </dl>
    </div>
  );
}

function Tags({ tags }: { tags: readonly string[] }) {
  return (
    <span className="rules-tags">
      {tags.map((tag) => (
        <span key={tag} className="rules-tag">
          {tag}
        </span>
      ))}
    </span>
  );
}

function enabledText(rule: RuleView): string {
  if (!rule.enabled) return 'no';
  // Rules of another source (syscall) are listed because they loaded, but audit events never reach them.
  return rule.evaluated ? 'yes' : 'yes (not evaluated: other source)';
}
