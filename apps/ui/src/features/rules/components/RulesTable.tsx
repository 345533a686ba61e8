import type { RuleView } from '../api/rules';
import { PriorityBadge } from './PriorityBadge';

/** Every rule in load order; scrolls sideways on a narrow screen rather than squeezing. */
export function RulesTable({ rules }: { rules: readonly RuleView[] }) {
  if (rules.length === 0) return <p className="empty">No rule matches the filter.</p>;
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
          {rules.map((rule) => (
            <tr key={rule.name} className={rule.enabled && rule.evaluated ? undefined : 'rules-off'}>
              <td className="rules-name">
                <details>
                  <summary title={rule.description}>{rule.name}</summary>
                  <p className="muted">{rule.description}</p>
                  <dl className="rules-detail">
                    <dt>Condition</dt>
                    <dd>
                      <code>{rule.condition}</code>
                    </dd>
                    <dt>Output</dt>
                    <dd>
                      <code>{rule.output}</code>
                    </dd>
                  </dl>
                </details>
              </td>
              <td>{rule.source}</td>
              <td>
                <PriorityBadge priority={rule.priority} />
              </td>
              <td>
                <span className="rules-tags">
                  {rule.tags.map((tag) => (
                    <span key={tag} className="rules-tag">
                      {tag}
                    </span>
                  ))}
                </span>
              </td>
              <td>{enabledText(rule)}</td>
              <td className="rules-file" title={`${rule.file}:${rule.line}`}>
                {rule.file}:{rule.line}
              </td>
              <td className="num">{rule.matches}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function enabledText(rule: RuleView): string {
  if (!rule.enabled) return 'no';
  // Rules of another source (syscall) are listed because they loaded, but audit events never reach them.
  return rule.evaluated ? 'yes' : 'yes (not evaluated: other source)';
}
