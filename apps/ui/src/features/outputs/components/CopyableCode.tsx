import { useId } from 'react';
import { useCopy } from '../../../lib/clipboard';

/** A titled block of text to paste elsewhere (env variables, YAML) with its Copy button. */
export function CopyableCode({ label, text }: { label: string; text: string }) {
  const captionId = useId();
  const { outcome: copied, copy } = useCopy(text);
  return (
    <figure className="copyable-code" aria-labelledby={captionId}>
      <div className="copyable-code-head">
        <figcaption id={captionId}>{label}</figcaption>
        <button type="button" onClick={copy} aria-label={`Copy ${label}`}>
          Copy
        </button>
        <span role="status" className="muted">
          {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Could not copy (clipboard blocked): select the text instead' : ''}
        </span>
      </div>
      <pre className="code">{text}</pre>
    </figure>
  );
}
