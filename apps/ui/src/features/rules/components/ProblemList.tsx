import type { ProblemExcerpt, RulesProblem } from '../api/rules';
import { splitExcerpt } from '../excerpt';

/** Load errors or warnings, each with its code, place, message and the bad span underlined. */
export function ProblemList({ problems, severity, label }: { problems: readonly RulesProblem[]; severity: 'error' | 'warning'; label: string }) {
  if (problems.length === 0) return null;
  return (
    <ul className={`rules-problems ${severity}`} aria-label={label}>
      {problems.map((problem, index) => (
        <li key={`${problem.file}:${problem.position?.offset ?? index}:${problem.code}:${index}`} className="rules-problem" data-code={problem.code}>
          <div className="rules-problem-head">
            <strong className="rules-problem-code">{problem.code}</strong>
            <span className="rules-problem-where">{where(problem)}</span>
            {problem.item ? (
              <span className="muted">
                {problem.item.type}
                {problem.item.name !== undefined ? ` “${problem.item.name}”` : ''}
              </span>
            ) : null}
          </div>
          <p className="rules-problem-message">{problem.message}</p>
          {problem.excerpt ? <Excerpt excerpt={problem.excerpt} line={problem.position?.line} message={problem.message} /> : null}
        </li>
      ))}
    </ul>
  );
}

function Excerpt({ excerpt, line, message }: { excerpt: ProblemExcerpt; line: number | undefined; message: string }) {
  const { before, marked, after, isPoint } = splitExcerpt(excerpt);
  return (
    <pre className="rules-excerpt">
      {line !== undefined ? <span className="rules-excerpt-line" aria-hidden="true">{line}</span> : null}
      <code>
        {before}
        {/* A point problem ("ends here") still gets a visible, testable mark: one underlined space. */}
        <mark className={isPoint ? 'rules-problem-span point' : 'rules-problem-span'} data-testid="problem-span" title={message}>
          {isPoint ? ' ' : marked}
        </mark>
        {after}
      </code>
    </pre>
  );
}

function where(problem: RulesProblem): string {
  if (!problem.position) return problem.file;
  return `${problem.file}:${problem.position.line}:${problem.position.column}`;
}
