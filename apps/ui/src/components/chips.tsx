import type { MouseEvent, ReactNode } from 'react';

const PRIORITY_CLASS: Readonly<Record<string, string>> = {
  emergency: 'p-emergency',
  alert: 'p-alert',
  critical: 'p-critical',
  error: 'p-error',
  warning: 'p-warning',
  notice: 'p-notice',
  informational: 'p-info',
  info: 'p-info',
  debug: 'p-debug',
};

export function priorityClass(priority: string): string {
  return PRIORITY_CLASS[priority.toLowerCase()] ?? 'p-debug';
}

export function PriorityBadge({ priority, onClick }: { priority: string; onClick?: () => void }) {
  const className = `priority ${priorityClass(priority)}`;
  if (!onClick) return <span className={className}>{priority}</span>;
  return (
    <button type="button" className={`${className} chip-button`} title={`Filter on priority ${priority}`} onClick={stop(onClick)}>
      {priority}
    </button>
  );
}

/**
 * A value that adds itself to the filters when clicked. Its text ellipsizes within the chip's
 * max width (the border stays); `title` must name the full value, which the chip may not show.
 */
export function FilterChip({ label, title, onClick, className, children }: { label: string; title: string; onClick: () => void; className?: string; children?: ReactNode }) {
  return (
    <button type="button" className={className ? `chip ${className}` : 'chip'} title={title} onClick={stop(onClick)}>
      {children ?? <span className="chip-text">{label}</span>}
    </button>
  );
}

/** Chips live inside clickable rows: a chip click filters, it does not open the row. */
function stop(action: () => void): (event: MouseEvent) => void {
  return (event) => {
    event.stopPropagation();
    action();
  };
}

/** How an output field value reads in a chip: strings as they are, anything else as JSON. */
export function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? 'null';
}
