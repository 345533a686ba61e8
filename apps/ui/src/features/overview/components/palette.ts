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

/** Distinct hues for other series (sources, …), readable on light and dark backgrounds. */
const SERIES_COLORS = ['#2f6fde', '#e07b39', '#2e9d55', '#a35bd6', '#d6455d', '#1f9fb4', '#b59a1c', '#6b7a8f', '#d65db1', '#4a8c6f'];

/** The same value always gets the same colour, whatever else is on the chart. */
export function seriesColor(value: string): string {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (hash * 31 + value.charCodeAt(i)) >>> 0;
  return SERIES_COLORS[hash % SERIES_COLORS.length] ?? '#2f6fde';
}

export function priorityColor(priority: string): string {
  return PRIORITY_COLORS[priority] ?? seriesColor(priority);
}
