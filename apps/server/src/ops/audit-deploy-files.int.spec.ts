/**
 * The files a cluster admin copies to point a kube-apiserver at Peregrine
 * (deploy/kubernetes/audit): the audit policy must be a valid audit.k8s.io/v1 Policy that keeps
 * what the stock rules read, and the rendered webhook kubeconfig must reach a running Peregrine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractEvents, loadRules, type EngineAlert } from '@peregrine/engine';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const root = join(__dirname, '../../../..');
const AUDIT_DIR = join(root, 'deploy/kubernetes/audit');
const RENDER = join(AUDIT_DIR, 'render-webhook-config.sh');
const CONFORMANCE = join(root, 'fixtures/conformance');

type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
const LEVELS: readonly Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'proxy'];

interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}
interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: string[];
}
interface Policy {
  apiVersion: string;
  kind: string;
  omitStages?: string[];
  rules: PolicyRule[];
}
interface AuditEvent {
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string; groups?: string[] };
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
  requestObject?: unknown;
  responseObject?: unknown;
}

const policy = parseYaml(readFileSync(join(AUDIT_DIR, 'audit-policy.yaml'), 'utf8')) as Policy;

/** kube-apiserver's policy matching (k8s.io/apiserver/pkg/audit/policy/checker.go), first match wins. */
function levelOf(event: AuditEvent): Level | undefined {
  const ref = event.objectRef;
  for (const rule of policy.rules) {
    if (rule.users && !rule.users.includes(event.user?.username ?? '')) continue;
    if (rule.userGroups && !(event.user?.groups ?? []).some((g) => rule.userGroups?.includes(g))) continue;
    if (rule.verbs && !rule.verbs.includes(event.verb ?? '')) continue;
    if (rule.nonResourceURLs || rule.resources || rule.namespaces) {
      if (ref === undefined) {
        const path = (event.requestURI ?? '').split('?')[0] ?? '';
        const urls = rule.nonResourceURLs ?? [];
        if (!urls.some((url) => (url.endsWith('*') ? path.startsWith(url.slice(0, -1)) : path === url))) continue;
      } else {
        if (rule.namespaces && !rule.namespaces.includes(ref.namespace ?? '')) continue;
        if (rule.resources && !rule.resources.some((gr) => resourceMatches(gr, ref))) continue;
        if (!rule.resources && !rule.namespaces) continue; // a nonResourceURLs-only rule
      }
    }
    return rule.level;
  }
  return undefined;
}

function resourceMatches(gr: GroupResources, ref: NonNullable<AuditEvent['objectRef']>): boolean {
  if ((gr.group ?? '') !== (ref.apiGroup ?? '')) return false;
  if (gr.resources && gr.resources.length > 0) {
    const full = ref.subresource ? `${ref.resource ?? ''}/${ref.subresource}` : (ref.resource ?? '');
    const ok = gr.resources.some((r) => r === full || r === '*' || (r.startsWith('*/') && ref.subresource === r.slice(2)) || (r.endsWith('/*') && ref.subresource !== undefined && ref.resource === r.slice(0, -2)));
    if (!ok) return false;
  }
  return !gr.resourceNames || gr.resourceNames.length === 0 || gr.resourceNames.includes(ref.name ?? '');
}

/** What the apiserver would send under the policy: nothing, or the event cut to its level. */
function underPolicy(event: AuditEvent): AuditEvent | undefined {
  const level = levelOf(event) ?? 'None';
  if (level === 'None' || (policy.omitStages ?? []).includes(event.stage ?? '')) return undefined;
  const kept: AuditEvent = { ...event };
  if (level === 'Metadata' || level === 'Request') delete kept.responseObject;
  if (level === 'Metadata') delete kept.requestObject;
  return kept;
}

const pod = (verb: string, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  stage: 'ResponseComplete',
  verb,
  user: { username: 'alice', groups: ['system:authenticated'] },
  objectRef: { apiGroup: '', resource: 'pods', namespace: 'default', name: 'web' },
  ...extra,
});

describe('deploy/kubernetes/audit/audit-policy.yaml', () => {
  it('is an audit.k8s.io/v1 Policy whose rules use only fields and values kube-apiserver accepts', () => {
    expect(policy.apiVersion).toBe('audit.k8s.io/v1');
    expect(policy.kind).toBe('Policy');
    const allowed = new Set(['level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields']);
    for (const stage of policy.omitStages ?? []) expect(STAGES).toContain(stage);
    expect(policy.rules.length).toBeGreaterThan(5);
    for (const [index, rule] of policy.rules.entries()) {
      const where = `rule ${index}`;
      for (const key of Object.keys(rule)) expect(allowed.has(key), `${where}: ${key}`).toBe(true);
      expect(LEVELS, where).toContain(rule.level);
      for (const verb of rule.verbs ?? []) expect(VERBS, where).toContain(verb);
      // kube-apiserver rejects a rule naming both resources and non-resource URLs.
      expect(rule.nonResourceURLs !== undefined && (rule.resources !== undefined || rule.namespaces !== undefined), where).toBe(false);
      for (const url of rule.nonResourceURLs ?? []) expect(url, where).toMatch(/^\/[^*]*\*?$/);
      for (const gr of rule.resources ?? []) {
        // A group is named without its version ("apps", not "apps/v1").
        expect(gr.group ?? '', where).toMatch(/^[a-z0-9.-]*$/);
        for (const r of gr.resources ?? []) expect(r, where).toMatch(/^(\*|[a-z]+)(\/(\*|[a-z]+))?$/);
      }
    }
    expect(policy.rules.at(-1)).toEqual({ level: 'Metadata' });
  });

  it('logs at the level the stock rules need, and drops the noise', () => {
    expect(levelOf(pod('create'))).toBe('RequestResponse');
    expect(levelOf(pod('create', { objectRef: { apiGroup: '', resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web' } }))).toBe('Request');
    expect(levelOf(pod('get', { objectRef: { apiGroup: '', resource: 'pods', subresource: 'log', namespace: 'default', name: 'web' } }))).toBe('Metadata');
    expect(levelOf(pod('create', { objectRef: { apiGroup: 'apps', resource: 'deployments', namespace: 'default' } }))).toBe('RequestResponse');
    expect(levelOf(pod('create', { objectRef: { apiGroup: 'apps', resource: 'daemonsets', namespace: 'kube-system' } }))).toBe('RequestResponse');
    expect(levelOf(pod('create', { objectRef: { apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', name: 'admin' } }))).toBe('RequestResponse');
    expect(levelOf(pod('update', { objectRef: { apiGroup: '', resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth' } }))).toBe('Request');
    expect(levelOf(pod('create', { objectRef: { apiGroup: '', resource: 'configmaps', namespace: 'prod', name: 'app' } }))).toBe('RequestResponse');
    // Secrets: who and what, never their content.
    expect(levelOf(pod('get', { objectRef: { apiGroup: '', resource: 'secrets', namespace: 'prod', name: 'db' } }))).toBe('Metadata');
    expect(levelOf(pod('update', { objectRef: { apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'kube-scheduler' } }))).toBe('None');
    expect(levelOf(pod('watch', { user: { username: 'system:kube-proxy' }, objectRef: { apiGroup: 'discovery.k8s.io', resource: 'endpointslices' } }))).toBe('None');
    expect(levelOf(pod('get', { user: { username: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'] } }))).toBe('None');
    expect(levelOf({ verb: 'get', requestURI: '/readyz?verbose', user: { username: 'system:anonymous' } })).toBe('None');
    expect(levelOf({ verb: 'get', requestURI: '/metrics', user: { username: 'prometheus' } })).toBe('Metadata');
    expect(levelOf(pod('create', { objectRef: { apiGroup: 'storage.k8s.io', resource: 'storageclasses', name: 'fast' } }))).toBe('Metadata');
  });

  it("keeps every alert of Falco's regression traces that the shipped rules raise", () => {
    const rules = loadRules([{ name: 'k8s_audit_rules.yaml', text: readFileSync(join(root, 'rules/k8s_audit_rules.yaml'), 'utf8') }]);
    expect(rules.errors).toEqual([]);
    const key = (alerts: readonly EngineAlert[]): string[] => alerts.map((a) => `${a.rule}: ${a.output}`);
    let checked = 0;
    for (const trace of readdirSync(join(CONFORMANCE, 'traces'))) {
      for (const line of readFileSync(join(CONFORMANCE, 'traces', trace), 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          continue; // the corpus holds deliberately broken lines
        }
        for (const event of extractEvents(value).events as AuditEvent[]) {
          const before = rules.ruleset.evaluate(event, { ruleMatching: 'all' });
          if (before.length === 0) continue;
          const sent = underPolicy(event);
          const after = sent === undefined ? [] : rules.ruleset.evaluate(sent, { ruleMatching: 'all' });
          // Secrets are cut to Metadata on purpose; their rules read names only, so they still fire.
          expect(key(after), `${trace}: ${event.verb ?? ''} ${event.objectRef?.resource ?? event.requestURI ?? ''}`).toEqual(key(before));
          checked += before.length;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

describe('deploy/kubernetes/audit/render-webhook-config.sh', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ PEREGRINE_RULES_WATCH: 'false' });
  }, 60_000);
  afterAll(async () => {
    await server.stop();
  });

  const render = (env: Record<string, string>): ReturnType<typeof spawnSync> =>
    spawnSync('bash', [RENDER], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });

  it('renders a kubeconfig whose server URL is a working /k8s-audit/<cluster> endpoint', async () => {
    const out = execFileSync('bash', [RENDER], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PEREGRINE_URL: `${server.mainUrl}/`, CLUSTER_NAME: 'prod-eu' }, encoding: 'utf8' });
    expect(out).not.toContain('${');
    const kubeconfig = parseYaml(out) as {
      apiVersion: string;
      kind: string;
      clusters: Array<{ name: string; cluster: { server: string } }>;
      contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
      users: Array<{ name: string }>;
      'current-context': string;
    };
    expect(kubeconfig.apiVersion).toBe('v1');
    expect(kubeconfig.kind).toBe('Config');
    expect(kubeconfig.clusters).toHaveLength(1);
    const current = kubeconfig.contexts.find((c) => c.name === kubeconfig['current-context']);
    expect(current).toBeDefined();
    expect(kubeconfig.clusters.map((c) => c.name)).toContain(current?.context.cluster);
    expect(kubeconfig.users.map((u) => u.name)).toContain(current?.context.user);
    const serverUrl = kubeconfig.clusters[0]?.cluster.server ?? '';
    expect(serverUrl).toBe(`${server.mainUrl}/k8s-audit/prod-eu`);

    // Post what the apiserver posts there: a batch with a privileged pod.
    const event = JSON.parse(readFileSync(join(CONFORMANCE, 'traces/create_nginx_pod_privileged.json'), 'utf8').split('\n')[0] ?? '') as unknown;
    const response = await fetch(serverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [event] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ cluster: 'prod-eu', received: 1, alerts: 1 });
  });

  it('refuses a missing URL, a URL without scheme and a cluster name Peregrine would reject', () => {
    const missing = render({ CLUSTER_NAME: 'prod' });
    expect(missing.status).not.toBe(0);
    expect(String(missing.stderr)).toContain('PEREGRINE_URL');
    const noScheme = render({ PEREGRINE_URL: 'peregrine:2802' });
    expect(noScheme.status).toBe(2);
    expect(String(noScheme.stderr)).toContain('http:// or https://');
    const badCluster = render({ PEREGRINE_URL: 'http://10.0.0.1:2802', CLUSTER_NAME: 'prod eu' });
    expect(badCluster.status).toBe(2);
    expect(String(badCluster.stderr)).toContain('CLUSTER_NAME');
    expect(String(render({ PEREGRINE_URL: 'https://peregrine.example.com/peregrine' }).stdout)).toContain('server: https://peregrine.example.com/peregrine/k8s-audit/default');
  });
});
