import { useId, useState } from 'react';
import { describeError } from '../../../lib/errors';
import { type RecentAuditEvent, type RulesTestResult, useRulesTest } from '../api/rules';
import { parseEventText } from '../audit-event';
import { plural } from '../format';
import { EXAMPLE_RULES, ruleNamesIn } from '../rules-text';
import { PriorityBadge } from '../../../components/chips';
import { ProblemList } from './ProblemList';
import { RecentEvents } from './RecentEvents';

interface Outcome {
  result: RulesTestResult;
  /** Rule names of the text that was tested, to tell its alerts from those of the rules in force. */
  testedNames: Set<string>;
  withStockRules: boolean;
  evaluated: boolean;
}

/** Tries a rules text on an audit event (`POST /api/v1/rules/test`); nothing is stored or sent. */
export function RuleEditor() {
  const id = useId();
  const [rulesText, setRulesText] = useState(EXAMPLE_RULES);
  const [eventText, setEventText] = useState('');
  const [picked, setPicked] = useState<RecentAuditEvent>();
  const [withStockRules, setWithStockRules] = useState(true);
  const rulesTest = useRulesTest();
  const running = rulesTest.isPending;
  const [inputError, setInputError] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();

  const pick = (entry: RecentAuditEvent): void => {
    setPicked(entry);
    setEventText(JSON.stringify(entry.event, null, 2));
    setInputError(undefined);
  };

  const run = (): void => {
    setInputError(undefined);
    // No event: only check that the rules load, which is useful on its own.
    const parsed = eventText.trim() === '' ? undefined : parseEventText(eventText);
    if (parsed && !parsed.ok) {
      setInputError(parsed.message);
      return;
    }
    if (rulesText.trim() === '' && !parsed) {
      setInputError('Write a rule, or give an event to try the rules in force on.');
      return;
    }
    const request = { ...(rulesText.trim() === '' ? {} : { rules: rulesText }), ...(parsed ? { event: parsed.event } : {}), withStockRules };
    // What was tested is read now: the texts may change while the server answers.
    const testedNames = ruleNamesIn(rulesText);
    const evaluated = parsed !== undefined;
    rulesTest.mutate(request, {
      onSuccess: (result) => setOutcome({ result, testedNames, withStockRules: request.withStockRules, evaluated }),
      onError: (error) => {
        setOutcome(undefined);
        setInputError(describeError(error));
      },
    });
  };

  return (
    <section aria-labelledby={`${id}-heading`} className="rules-editor">
      <h3 id={`${id}-heading`}>Try a rule</h3>
      <p className="muted">Nothing is stored or sent to outputs: the server loads this text beside the rules and evaluates the event.</p>
      <div className="rules-editor-grid">
        <div className="rules-editor-field">
          <label htmlFor={`${id}-rules`}>Rules (YAML)</label>
          <textarea id={`${id}-rules`} value={rulesText} onChange={(e) => setRulesText(e.target.value)} spellCheck={false} rows={12} wrap="off" />
        </div>
        <div className="rules-editor-field">
          <label htmlFor={`${id}-event`}>Audit event (JSON)</label>
          <textarea
            id={`${id}-event`}
            value={eventText}
            onChange={(e) => {
              setEventText(e.target.value);
              setPicked(undefined);
            }}
            spellCheck={false}
            rows={12}
            wrap="off"
            placeholder='{"kind": "Event", "apiVersion": "audit.k8s.io/v1", ...}  (or pick a recent event below)'
          />
        </div>
      </div>
      {/* Right under the text boxes: what they are for, on screen with them. */}
      <div className="rules-editor-actions">
        <button type="button" className="primary" onClick={run} disabled={running}>
          {running ? 'Testing…' : 'Test'}
        </button>
        <label className="rules-check">
          <input type="checkbox" checked={withStockRules} onChange={(e) => setWithStockRules(e.target.checked)} />
          <span>
            Load after the rules in force (their lists and macros are available; with <code>rule_matching: first</code> they answer first)
          </span>
        </label>
        {inputError ? <span role="alert">{inputError}</span> : null}
      </div>
      {outcome ? <TestOutcome outcome={outcome} /> : null}
      <RecentEvents onPick={pick} picked={picked} />
    </section>
  );
}

function TestOutcome({ outcome }: { outcome: Outcome }) {
  const { result, testedNames, withStockRules, evaluated } = outcome;
  const yours = result.alerts.filter((alert) => testedNames.has(alert.rule));
  return (
    <div className="rules-test-result" role="region" aria-label="Test result">
      {!result.ok ? <p className="rules-verdict failed">The rules do not load ({plural(result.errors.length, 'error')}); the event was not evaluated.</p> : null}
      <ProblemList problems={result.errors} severity="error" label="Test errors" />
      <ProblemList problems={result.warnings} severity="warning" label="Test warnings" />
      {result.eventErrors.length > 0 ? (
        <ul className="rules-problems error" aria-label="Event errors">
          {result.eventErrors.map((problem) => (
            <li key={`${problem.index}:${problem.code}`} className="rules-problem">
              <strong className="rules-problem-code">{problem.code}</strong> <span className="muted">item {problem.index}</span>
              <p className="rules-problem-message">{problem.message}</p>
            </li>
          ))}
        </ul>
      ) : null}
      {Object.keys(result.evaluationErrors ?? {}).length > 0 ? (
        <ul className="rules-problems warning" aria-label="Rules not evaluated">
          {Object.keys(result.evaluationErrors ?? {}).map((rule) => (
            <li key={rule} className="rules-problem">
              <strong className="rules-problem-code">{rule}</strong>
              <p className="rules-problem-message">could not be evaluated on this event (a regex or glob past its step limit, or a scalar operator on a list field), so it did not match</p>
            </li>
          ))}
        </ul>
      ) : null}
      {result.ok && !evaluated ? <p className="rules-verdict ok">The rules load without errors. Give an event to see what they match.</p> : null}
      {result.ok && evaluated && result.alerts.length === 0 && result.eventErrors.length === 0 ? <p className="rules-verdict">No rule matched this event.</p> : null}
      {result.alerts.length > 0 ? (
        <>
          <p className="rules-verdict ok">{plural(result.alerts.length, 'alert')}</p>
          {withStockRules && testedNames.size > 0 && yours.length === 0 ? (
            <p className="muted">
              None of these alerts is from your text. With <code>rule_matching: first</code> (the default) a rule in force that matches first hides yours: untick “Load after the rules in force” to try yours alone.
            </p>
          ) : null}
          <div className="rules-scroll">
            <table aria-label="Test alerts">
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Priority</th>
                  <th scope="col">From</th>
                  <th scope="col">Output</th>
                </tr>
              </thead>
              <tbody>
                {result.alerts.map((alert, index) => (
                  <tr key={`${alert.rule}:${index}`}>
                    <td>{alert.rule}</td>
                    <td>
                      <PriorityBadge priority={alert.priority} />
                    </td>
                    <td>{testedNames.has(alert.rule) ? 'this text' : 'rules in force'}</td>
                    <td className="output">{alert.output}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}
