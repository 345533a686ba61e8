/**
 * Falco's priorities, lowest first. The numeric values are falcosidekick's (used in its
 * `priority` metric label and for `minimumpriority`), not Falco's syslog scale.
 */
export const PRIORITIES = ['Debug', 'Informational', 'Notice', 'Warning', 'Error', 'Critical', 'Alert', 'Emergency'] as const;

export type Priority = (typeof PRIORITIES)[number];

const byLowerName: ReadonlyMap<string, Priority> = new Map<string, Priority>([
  ...PRIORITIES.map((p) => [p.toLowerCase(), p] as const),
  // Falco's short spelling, accepted in alerts and rules files.
  ['info', 'Informational'],
]);

/** Case-insensitive, accepts `info`; undefined when the text names no priority. */
export function parsePriority(text: string): Priority | undefined {
  return byLowerName.get(text.trim().toLowerCase());
}

/** 1 (Debug) … 8 (Emergency), as falcosidekick numbers them. */
export function priorityValue(priority: Priority): number {
  return PRIORITIES.indexOf(priority) + 1;
}

export function isAtLeast(priority: Priority, minimum: Priority | undefined): boolean {
  return minimum === undefined || priorityValue(priority) >= priorityValue(minimum);
}
