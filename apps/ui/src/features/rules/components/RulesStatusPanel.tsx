import { describeError } from '../../../lib/errors';
import { type ReplicaView, type RulesStatus, useReloadRules } from '../api/rules';
import { formatTime, plural } from '../format';
import { ProblemList } from './ProblemList';

/** The last load result, and a button to reload the rules files now. */
export function RulesStatusPanel({ status }: { status: RulesStatus }) {
  const reload = useReloadRules();
  const reloading = reload.isPending;
  const outcome = reload.isSuccess ? reloadOutcome(reload.data) : reload.isError ? `Reload failed: ${describeError(reload.error)}` : undefined;

  return (
    <section aria-labelledby="rules-status-heading" className={`rules-status ${status.ok ? 'ok' : 'failed'}`}>
      <div className="section-head">
        <h3 id="rules-status-heading">Load status</h3>
        <span className={status.ok ? 'rules-badge ok' : 'rules-badge failed'} data-testid="rules-load-state">
          {status.ok ? 'OK' : `${plural(status.errors.length, 'error')}`}
        </span>
        <button type="button" onClick={() => reload.mutate()} disabled={reloading}>
          {reloading ? 'Reloading…' : 'Reload rules'}
        </button>
        <span className="muted" aria-live="polite" data-testid="rules-reload-outcome">
          {outcome ?? ''}
        </span>
      </div>
      <p className="muted">
        {status.generation > 0 ? `Generation ${status.generation}, loaded ${formatTime(status.loadedAt)}` : 'No rules loaded yet'}
        {!status.ok && status.lastAttemptAt ? ` — last attempt ${formatTime(status.lastAttemptAt)} failed, the rules in force keep running` : ''}
      </p>
      {status.replicas && status.replicas.length > 1 ? <ReplicasLine replicas={status.replicas} /> : null}
      <ul className="rules-files" aria-label="Rules files">
        {status.files.map((file) => (
          <li key={file.path}>
            <code>{file.path}</code> <span className="muted">{plural(file.rules, 'rule')}</span>
          </li>
        ))}
      </ul>
      <ProblemList problems={status.errors} severity="error" label="Load errors" />
      <ProblemList problems={status.warnings} severity="warning" label="Load warnings" />
    </section>
  );
}

function reloadOutcome(result: RulesStatus): string {
  return result.ok ? `Reloaded: generation ${result.generation}, ${countRules(result)} rules.` : `Reload failed with ${plural(result.errors.length, 'error')}; the previous rules keep running.`;
}

function countRules(status: RulesStatus): number {
  return status.files.reduce((sum, file) => sum + file.rules, 0);
}

/** Several replicas share the store: which rules each runs, and whether they agree. */
function ReplicasLine({ replicas }: { replicas: readonly ReplicaView[] }) {
  const fingerprints = new Set(replicas.map((replica) => replica.fingerprint));
  return (
    <div className="rules-replicas" data-testid="rules-replicas">
      <p className={fingerprints.size === 1 ? 'muted' : 'rules-replicas-differ'}>
        {fingerprints.size === 1 ? `${replicas.length} replicas, all running the same rules.` : `${replicas.length} replicas, not all running the same rules (a rules update has not reached every replica yet, or their files differ).`}
      </p>
      <ul aria-label="Replicas">
        {replicas.map((replica) => (
          <li key={replica.id}>
            <code>{replica.hostname}</code>
            {replica.self ? ' (this one)' : ''} <span className="muted">generation {replica.generation}, rules {replica.fingerprint ?? 'none loaded'}, loaded {formatTime(replica.loadedAt)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
