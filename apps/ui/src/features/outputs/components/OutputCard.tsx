import { describeError } from '../../../lib/errors';
import { type OutputStatus, useReplayDeadLetters } from '../api/outputs';
import { settingText, timeAgo } from '../format';
import { outputHealth } from '../health';

const HEALTH_TEXT = { failing: 'Failing', healthy: 'Healthy', idle: 'Idle' } as const;

/** One output: health, queue, counters, last success and error, routing, and the replay button. */
export function OutputCard({ output, nowMs }: { output: OutputStatus; nowMs: number }) {
  const health = outputHealth(output);
  const replay = useReplayDeadLetters();
  const replaying = replay.isPending;
  const outcome = replay.isSuccess ? `Requeued ${replay.data.replayed} dead letter${replay.data.replayed === 1 ? '' : 's'}.` : replay.isError ? `Replay failed: ${describeError(replay.error)}` : undefined;
  const headingId = `output-${output.name}-heading`;

  return (
    <article className={`output-card ${health.state}`} aria-labelledby={headingId} data-output={output.name} data-health={health.state}>
      <div className="output-card-head">
        <h3 id={headingId}>{output.name}</h3>
        <span className="output-type">{output.type}</span>
        <span className={`output-health ${health.state}`} data-testid="output-health">
          {HEALTH_TEXT[health.state]}
        </span>
        <span className="output-enabled">{output.enabled ? 'enabled' : 'disabled'}</span>
      </div>
      {health.reasons.length > 0 ? <p className={`output-reasons ${health.state}`}>{health.reasons.join(' · ')}</p> : null}

      <dl className="output-figures">
        <Figure label="Queue depth" value={output.queueDepth} />
        <Figure label="In flight" value={output.inFlight} />
        <Figure label="Delivered" value={output.delivered} />
        <Figure label="Failed" value={output.failed} />
        <Figure label="Dead letters" value={output.deadLetters} warn={output.deadLetters > 0} />
      </dl>
      <p className="muted output-since">
        Counters since start; {output.deadLettered} dead-lettered in all. Up to {output.maxConcurrentRequests} request{output.maxConcurrentRequests === 1 ? '' : 's'} at a time, {output.timeoutMs / 1000} s timeout.
      </p>

      <dl className="output-facts">
        <dt>Last success</dt>
        <dd data-testid="output-last-success">{output.lastSuccessAt ? <time dateTime={output.lastSuccessAt} title={output.lastSuccessAt}>{timeAgo(output.lastSuccessAt, nowMs)}</time> : 'never'}</dd>
        <dt>Last error</dt>
        <dd data-testid="output-last-error">
          {output.lastError ? (
            <>
              <time dateTime={output.lastError.at} title={output.lastError.at}>
                {timeAgo(output.lastError.at, nowMs)}
              </time>
              : <span className="output-error-reason">{output.lastError.reason}</span>
            </>
          ) : (
            'none'
          )}
        </dd>
        <dt>Minimum priority</dt>
        <dd>{output.minimumPriority ?? 'any'}</dd>
        <dt>Routing</dt>
        <dd>{output.routing ? <code className="output-routing">when: {output.routing}</code> : 'every alert at or above the minimum priority'}</dd>
      </dl>

      <div className="output-actions">
        <button type="button" onClick={() => replay.mutate(output.name)} disabled={replaying || output.deadLetters === 0}>
          {replaying ? 'Replaying…' : 'Replay dead letters'}
        </button>
        <span aria-live="polite" data-testid="output-replay-outcome">
          {outcome ?? ''}
        </span>
      </div>

      <details className="output-config">
        <summary>Settings (secrets masked)</summary>
        <dl>
          {Object.entries(output.config).map(([key, value]) => (
            <div key={key} className="output-config-row">
              <dt>{key}</dt>
              <dd>{settingText(value)}</dd>
            </div>
          ))}
        </dl>
      </details>
    </article>
  );
}

function Figure({ label, value, warn = false }: { label: string; value: number; warn?: boolean }) {
  return (
    <div className={warn ? 'output-figure warn' : 'output-figure'}>
      <dt>{label}</dt>
      <dd>{value.toLocaleString()}</dd>
    </div>
  );
}
