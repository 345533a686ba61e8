import { useDeferredValue, useId, useState } from 'react';
import { useRules } from './api/rules';
import { RuleEditor } from './components/RuleEditor';
import { RulesStatusPanel } from './components/RulesStatusPanel';
import { RulesTable } from './components/RulesTable';
import { filterRules } from './rule-filter';
import './rules.css';

/** Rules in force, their load status with errors underlined, and an editor to try a rule on an event. */
export function RulesPage() {
  const { list, status, error, loading, reload } = useRules();
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const [editorOpen, setEditorOpen] = useState(false);
  // Mounted on first open and kept, so closing the editor does not throw away what was typed.
  const [editorMounted, setEditorMounted] = useState(false);
  const filterId = useId();
  const rules = list ? filterRules(list.rules, deferredQuery) : [];

  return (
    <div className="rules-page">
      <div className="section-head">
        <h2 className="page-title">Rules</h2>
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
        <button type="button" onClick={() => {
            setEditorOpen(!editorOpen);
            setEditorMounted(true);
          }} aria-expanded={editorOpen} aria-controls="rules-editor-panel">
          {editorOpen ? 'Close the editor' : 'Open the rule editor'}
        </button>
      </div>
      {error ? <p role="alert">Could not load the rules: {error}</p> : null}
      {status ? <RulesStatusPanel status={status} /> : loading ? <p>Loading…</p> : null}
      <div id="rules-editor-panel" hidden={!editorOpen}>
        {editorMounted ? <RuleEditor /> : null}
      </div>
      {list ? (
        <section aria-labelledby="rules-list-heading">
          <div className="section-head">
            <h3 id="rules-list-heading">Rules in force</h3>
            <span className="muted" data-testid="rules-count">
              {rules.length === list.rules.length ? `${list.rules.length} rules` : `${rules.length} of ${list.rules.length} rules`}
            </span>
            <label htmlFor={filterId} className="rules-sr-only">
              Filter rules
            </label>
            <input id={filterId} type="search" placeholder="Filter: name, tag, priority, file…" value={query} onChange={(e) => setQuery(e.target.value)} className="rules-filter" />
          </div>
          <RulesTable rules={rules} />
        </section>
      ) : null}
    </div>
  );
}
