import type { RuleView } from './api/rules';

/**
 * Rules whose name, source, priority, tags, file or condition contain every word of the query
 * (case-insensitive), in their load order.
 */
export function filterRules(rules: readonly RuleView[], query: string): RuleView[] {
  const words = query.toLowerCase().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return [...rules];
  return rules.filter((rule) => {
    const haystack = [rule.name, rule.source, rule.priority, rule.file, rule.condition, ...rule.tags].join('\n').toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}
