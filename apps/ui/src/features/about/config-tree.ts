/** The effective configuration as a tree to read: sections hold settings, settings hold text. */
export type ConfigNode =
  | { kind: 'section'; key: string; path: string; children: ConfigNode[] }
  | { kind: 'setting'; key: string; path: string; text: string; masked: boolean; empty: boolean };

/** How the server shows a secret that is set (`********`, or `[REDACTED]` inside an output's URL). */
const MASK_PATTERN = /^\*{3,}$|\[REDACTED\]/;

/**
 * Objects become sections; scalars and lists of scalars become one-line settings; lists of
 * objects become sections numbered from 0. Masked values stay exactly as the server sent them.
 */
export function configTree(value: Record<string, unknown>, parentPath = ''): ConfigNode[] {
  return Object.entries(value).map(([key, child]) => toNode(key, parentPath === '' ? key : `${parentPath}.${key}`, child));
}

function toNode(key: string, path: string, value: unknown): ConfigNode {
  if (Array.isArray(value) && value.some(isPlainObject)) {
    return { kind: 'section', key, path, children: value.map((item, index) => toNode(String(index), `${path}.${index}`, item)) };
  }
  if (isPlainObject(value) && Object.keys(value).length > 0) return { kind: 'section', key, path, children: configTree(value, path) };
  const text = settingText(value);
  return { kind: 'setting', key, path, text, masked: MASK_PATTERN.test(text), empty: text === '' };
}

function settingText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((item) => settingText(item)).join(', ');
  if (isPlainObject(value) && Object.keys(value).length === 0) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // Objects inside lists (rare) and anything else JSON knows how to write.
  return JSON.stringify(value) ?? '';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The tree cut down to settings whose path or value contains `query` (case-insensitive),
 * keeping the sections that lead to them; a section whose own path matches keeps everything.
 */
export function filterConfigTree(nodes: readonly ConfigNode[], query: string): ConfigNode[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') return [...nodes];
  const out: ConfigNode[] = [];
  for (const node of nodes) {
    if (node.path.toLowerCase().includes(needle)) {
      out.push(node);
    } else if (node.kind === 'section') {
      const children = filterConfigTree(node.children, needle);
      if (children.length > 0) out.push({ ...node, children });
    } else if (node.text.toLowerCase().includes(needle)) {
      out.push(node);
    }
  }
  return out;
}
