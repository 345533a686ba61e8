import { useId, useState } from 'react';
import { useOutputCatalog } from '../api/outputs';
import { secretNote, shownEntry } from '../catalog';
import { CopyableCode } from './CopyableCode';

/**
 * "Add an output": every output type Peregrine can deliver to, and for the one picked a minimal
 * configuration to copy, as environment variables and as YAML (placeholders from the server's
 * registry, never a real secret).
 */
export function AddOutput() {
  const { entries, error } = useOutputCatalog();
  const [chosenType, setChosenType] = useState<string>();
  const titleId = useId();
  if (error) return <p role="alert">Could not load the output types: {error}</p>;
  if (!entries) return <p className="muted">Loading the output types…</p>;
  const entry = shownEntry(entries, chosenType);
  const note = entry ? secretNote(entry) : undefined;

  return (
    <div className="add-output">
      <div role="group" aria-label="Output types" className="add-output-types">
        {entries.map((candidate) => (
          <button key={candidate.type} type="button" aria-pressed={candidate.type === entry?.type} onClick={() => setChosenType(candidate.type)}>
            {candidate.title}
          </button>
        ))}
      </div>
      {entry ? (
        <section className="add-output-example" aria-labelledby={titleId} data-output-type={entry.type}>
          <h3 id={titleId}>
            {entry.title} <span className="output-type">{entry.type}</span>
          </h3>
          <p className="add-output-description">{entry.description}</p>
          <dl className="add-output-keys">
            {entry.keys.map((key) => (
              <div key={key.env} className="add-output-key">
                <dt>
                  <code>{key.env}</code> <span className="muted">·</span> <code>{key.path}</code>
                  {key.secret ? <span className="add-output-secret">secret</span> : null}
                </dt>
                <dd>{key.description}</dd>
              </div>
            ))}
          </dl>
          <div className="add-output-forms">
            <CopyableCode label="Environment variables" text={entry.env} />
            <CopyableCode label="YAML (config file)" text={entry.yaml} />
          </div>
          {note ? <p className="add-output-note">{note}</p> : null}
          <p className="muted add-output-docs">
            Then restart Peregrine. Every setting of {entry.title} (minimum priority, routing with <code>when:</code>, TLS, …) is described in <code>{entry.docs}</code>.
          </p>
        </section>
      ) : (
        <p className="empty">The server lists no output type.</p>
      )}
    </div>
  );
}
