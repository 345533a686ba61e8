/**
 * The editor's starting text: a complete rule on plain `ka.*` fields, so it loads with or
 * without the rules in force, about something Falco's shipped rules do not already catch.
 */
export const EXAMPLE_RULES = `# An example rule: edit it, pick or paste an audit event, press Test.
- rule: Deployment scaled by hand
  desc: Someone changed the replica count of a deployment through its scale subresource
  condition: ka.verb in (patch, update) and ka.target.resource = deployments and ka.target.subresource = scale
  output: Deployment scaled (user=%ka.user.name deployment=%ka.target.name ns=%ka.target.namespace)
  priority: NOTICE
  source: k8s_audit
  tags: [k8s, example]
`;

/**
 * Names of the rules a rules text defines, read from its `- rule: NAME` lines. Enough to tell
 * the editor's own alerts from those of the rules in force; the server does the real parsing.
 */
export function ruleNamesIn(rulesText: string): Set<string> {
  const names = new Set<string>();
  for (const match of rulesText.matchAll(/^\s*-\s*rule\s*:\s*(.+?)\s*$/gm)) {
    const name = unquote(stripComment(match[1] ?? ''));
    if (name !== '') names.add(name);
  }
  return names;
}

function stripComment(value: string): string {
  if (value.startsWith('"') || value.startsWith("'")) return value;
  return value.replace(/\s+#.*$/, '');
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
    const inner = value.slice(1, -1);
    return quote === "'" ? inner.replace(/''/g, "'") : inner.replace(/\\"/g, '"');
  }
  return value.trim();
}
