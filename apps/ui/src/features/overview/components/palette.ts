/** Chart colours for priorities: the same hues as the `.p-<priority>` badges in app.css. */
export const PRIORITY_COLORS: Readonly<Record<string, string>> = {
  Emergency: '#7f1d1d',
  Alert: '#9f1d2b',
  Critical: '#b3261e',
  Error: '#e5533d',
  Warning: '#f2a93b',
  Notice: '#3b8ad9',
  Informational: '#6aa84f',
  Debug: '#8a94a3',
};

export type ThemeName = 'light' | 'dark';

/**
 * Categorical colours for other series (sources, …): eight hues far apart (no two closer than
 * ΔE 25, blue and orange first, a pair colour-blind readers tell apart), each at least 3:1
 * against the panel surface (`--surface` in app.css) of its theme, so a dark panel gets the
 * lighter set.
 */
export const SERIES_PALETTES: Readonly<Record<ThemeName, readonly string[]>> = {
  light: ['#2563eb', '#d9640b', '#8b3fd9', '#0f8a7e', '#d63384', '#8a6d0b', '#5b6b80', '#b5462b'],
  dark: ['#6ea8fe', '#f59e42', '#c08cf5', '#3cc9b4', '#f27ab8', '#d9b84a', '#a3b1c2', '#ef7d62'],
};

/**
 * Falco's usual sources keep their colour whatever else is counted: `syscall` and `k8s_audit`,
 * the pair nearly every cluster has, are blue and orange.
 */
const FIXED_SLOTS: Readonly<Record<string, number>> = { syscall: 0, k8s_audit: 1, k8saudit: 1, aws_cloudtrail: 2, okta: 3, github: 4, gcp_auditlog: 5 };

/**
 * Colours for the values of one field, for every chart of a page that shows them (the pie and
 * the timeline agree): known sources take their slot, the others take a free colour by name
 * (a hashed preference, then the next free one), so values differ while there are no more of
 * them than colours. A value not in the list still gets a colour (its hashed one).
 */
export function seriesColors(values: Iterable<string>, theme: ThemeName): (value: string) => string {
  const palette = SERIES_PALETTES[theme];
  const assigned = new Map<string, string>();
  const taken = new Set<number>();
  const take = (value: string, slot: number): void => {
    assigned.set(value, palette[slot] ?? palette[0] ?? '#2563eb');
    taken.add(slot);
  };
  const sorted = [...new Set(values)].sort();
  for (const value of sorted) {
    const slot = Object.hasOwn(FIXED_SLOTS, value) ? FIXED_SLOTS[value] : undefined;
    if (slot !== undefined && !taken.has(slot)) take(value, slot);
  }
  for (const value of sorted) {
    if (assigned.has(value)) continue;
    const preferred = hashOf(value) % palette.length;
    let slot = preferred;
    for (let step = 0; step < palette.length && taken.has(slot); step++) slot = (preferred + step + 1) % palette.length;
    // More values than colours: reuse the preferred one.
    take(value, taken.has(slot) ? preferred : slot);
  }
  return (value) => assigned.get(value) ?? palette[hashOf(value) % palette.length] ?? '#2563eb';
}

function hashOf(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (hash * 31 + value.charCodeAt(i)) >>> 0;
  return hash;
}

export function priorityColor(priority: string): string {
  return PRIORITY_COLORS[priority] ?? '#8a94a3';
}
