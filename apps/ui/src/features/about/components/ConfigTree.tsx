import type { CSSProperties } from 'react';
import type { ConfigNode } from '../config-tree';

/**
 * Sections fold (open at the top level, or all of them while `expanded`, e.g. showing search
 * hits), settings read as `key value`; masked values are marked as such. Every level indents by
 * the same step, and the depth (a CSS variable) narrows the key column by that step, so the
 * values of every level line up in one column.
 */
export function ConfigTree({ nodes, depth = 0, expanded = false }: { nodes: readonly ConfigNode[]; depth?: number; expanded?: boolean }) {
  const style = { '--depth': depth } as CSSProperties;
  return (
    <ul className={depth === 0 ? 'config-tree root' : 'config-tree'} style={style}>
      {nodes.map((node) =>
        node.kind === 'section' ? (
          <li key={node.path} className="config-section">
            <details open={expanded || depth === 0}>
              <summary>{node.key}</summary>
              <ConfigTree nodes={node.children} depth={depth + 1} expanded={expanded} />
            </details>
          </li>
        ) : (
          <li key={node.path} className="config-setting" data-path={node.path}>
            <span className="config-key">{node.key}</span>
            <span className={node.masked ? 'config-value masked' : node.empty ? 'config-value empty' : 'config-value'} title={node.masked ? 'secret, masked by the server' : undefined}>
              {node.empty ? '—' : node.text}
            </span>
          </li>
        ),
      )}
    </ul>
  );
}
