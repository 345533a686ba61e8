import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable, freePort, startProcess } from '../testing/processes';
import { startTestServer, type TestServer } from '../testing/test-server';

const root = join(__dirname, '../../../..');
const file = (path: string): string => readFileSync(join(root, path), 'utf8');
const need = (names: string[], pkg: string): string => {
  const found = findExecutable(names);
  if (!found) throw new Error(`${names[0]} is missing: apt-get install ${pkg} (.ci/run and npm test install it)`);
  return found;
};
const run = (command: string, args: string[]): string => execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Metric names a PromQL expression reads (histogram series map to their family). */
function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b((?:falcosecurity|peregrine)_[a-z0-9_]+)/g)].map((m) => (m[1] ?? '').replace(/_(bucket|sum|count)$/, '')))];
}

describe('deployment files are valid for the tools that will read them', () => {
  it('docker-compose accepts the file alone and with every profile', () => {
    const compose = need(['/usr/bin/docker-compose'], 'docker-compose');
    run(compose, ['config', '-q']);
    run(compose, ['--profile', 'sinks', '--profile', 'falco', '--profile', 'ha', 'config', '-q']);
    const services = Object.keys((parseYaml(run(compose, ['--profile', 'sinks', '--profile', 'falco', '--profile', 'ha', 'config'])) as { services: Record<string, unknown> }).services);
    expect(services.sort()).toEqual(['alertmanager', 'elasticsearch', 'falco', 'grafana', 'lb', 'loki', 'peregrine', 'peregrine-a', 'peregrine-b', 'postgres', 'prometheus']);
    // The ha profile: two replicas on the same PostgreSQL, behind the load balancer's config.
    const ha = (parseYaml(run(compose, ['--profile', 'ha', 'config'])) as { services: Record<string, { environment?: Record<string, string>; volumes?: Array<{ source?: string } | string> }> }).services;
    for (const replica of ['peregrine-a', 'peregrine-b']) {
      expect(ha[replica]?.environment?.['PEREGRINE_DB_DRIVER']).toBe('postgres');
      expect(ha[replica]?.environment?.['PEREGRINE_DB_URL']).toMatch(/^postgres:\/\/peregrine:[^@]+@postgres:5432\/peregrine$/);
    }
    expect(JSON.stringify(ha['lb']?.volumes)).toContain('deploy/haproxy/haproxy.cfg');
    // `docker compose up` alone starts Peregrine only: every other service sits in a profile.
    // Merge keys (`<<: *replica`) applied, as compose reads the file.
    const declared = (parseYaml(file('docker-compose.yml'), { merge: true }) as { services: Record<string, { profiles?: string[] }> }).services;
    expect(Object.entries(declared).filter(([, service]) => !service.profiles).map(([name]) => name)).toEqual(['peregrine']);
  });

  it('the Dockerfile builds in stages and runs non-root with a health check, ports 2801/2802 and /data', () => {
    const dockerfile = file('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm prune --omit=dev/m);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toMatch(/^EXPOSE 2801 2802$/m);
    expect(runtime).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(runtime).not.toMatch(/COPY .*\/src\/apps\/server\/src/);
  });

  it('promtool accepts the scrape config and the alerting rules; amtool the Alertmanager config', () => {
    const promtool = need(['/usr/bin/promtool'], 'prometheus');
    const amtool = need(['/usr/bin/amtool'], 'prometheus-alertmanager');
    expect(run(promtool, ['check', 'config', 'deploy/prometheus/prometheus.yml'])).toContain('SUCCESS');
    expect(run(promtool, ['check', 'rules', 'deploy/prometheus/peregrine-rules.yml'])).toContain('SUCCESS: 5 rules found');
    expect(run(amtool, ['check-config', 'deploy/alertmanager/alertmanager.yml'])).toContain('SUCCESS');
  });

  it('HAProxy accepts the ha profile’s load balancer config, which balances both ports over both replicas', () => {
    const haproxy = need(['/usr/sbin/haproxy'], 'haproxy');
    const config = file('deploy/haproxy/haproxy.cfg');
    // -c resolves nothing it cannot (init-addr none): the replicas' names exist only in compose.
    expect(run(haproxy, ['-c', '-f', 'deploy/haproxy/haproxy.cfg'])).toContain('Configuration file is valid');
    for (const port of [2801, 2802]) for (const replica of ['peregrine-a', 'peregrine-b']) expect(config).toContain(`server ${replica} ${replica}:${port}`);
  });

  it('kustomize renders the base and the two-replica PostgreSQL overlay', () => {
    const kubectl = need(['/usr/bin/kubectl'], 'kubernetes-client');
    const kinds = (text: string): string[] => parseAllDocuments(text).map((doc) => (doc.toJS() as { kind?: string } | null)?.kind ?? '').sort();
    expect(kinds(run(kubectl, ['kustomize', 'deploy/kubernetes']))).toContain('PersistentVolumeClaim');
    // (Debian's kubectl 1.20 embeds kustomize 2.0, which leaves an empty document where the overlay deletes the volume claim.)
    const rendered = parseAllDocuments(run(kubectl, ['kustomize', 'deploy/kubernetes-postgres-ha']))
      .map((doc) => doc.toJS() as { kind?: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> } | null)
      .filter((doc): doc is { kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> } => doc !== null && doc.kind !== undefined);
    expect(rendered.map((doc) => doc.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Secret', 'Secret', 'Service', 'ServiceMonitor']);
    expect(rendered.every((doc) => doc.metadata.namespace === 'falco')).toBe(true);
    const deployment = rendered.find((doc) => doc.kind === 'Deployment') as unknown as {
      spec: { replicas: number; strategy: { type: string }; template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }> }>; volumes: Array<{ name: string; emptyDir?: object; persistentVolumeClaim?: object }> } } };
    };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy.type).toBe('RollingUpdate');
    const env = deployment.spec.template.spec.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'PEREGRINE_DB_DRIVER')?.value).toBe('postgres');
    expect(env.find((e) => e.name === 'PEREGRINE_DB_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'peregrine-db', key: 'url' });
    const data = deployment.spec.template.spec.volumes.find((v) => v.name === 'data');
    expect(data?.emptyDir).toEqual({});
    expect(data?.persistentVolumeClaim).toBeUndefined();
  });

  it('the Kubernetes manifests parse and carry what matters', () => {
    const docs = readdirSync(join(root, 'deploy/kubernetes'))
      .filter((name) => name.endsWith('.yaml'))
      .flatMap((name) => parseAllDocuments(file(`deploy/kubernetes/${name}`)).map((doc) => {
        expect(doc.errors, name).toEqual([]);
        return doc.toJS() as { kind?: string; spec?: Record<string, unknown> };
      }));
    const kinds = docs.map((d) => d.kind).filter(Boolean).sort();
    expect(kinds).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'Kustomization', 'PersistentVolumeClaim', 'Secret', 'Service', 'ServiceMonitor']);
    const deployment = docs.find((d) => d.kind === 'Deployment') as { spec: { template: { spec: { securityContext: { runAsNonRoot: boolean }; containers: Array<{ ports: Array<{ containerPort: number }>; readinessProbe: { httpGet: { path: string } }; volumeMounts: Array<{ mountPath: string }> }> } } } };
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers[0]?.ports.map((p) => p.containerPort)).toEqual([2801, 2802]);
    expect(pod.containers[0]?.readinessProbe.httpGet.path).toBe('/healthz');
    expect(pod.containers[0]?.volumeMounts.map((m) => m.mountPath)).toEqual(expect.arrayContaining(['/data', '/etc/peregrine/config.yaml', '/etc/peregrine/rules.d']));
    const service = docs.find((d) => d.kind === 'Service') as { spec: { ports: Array<{ port: number }> } };
    expect(service.spec.ports.map((p) => p.port)).toEqual([2801, 2802]);
    const values = parseYaml(file('deploy/kubernetes/falco-values.yaml')) as { falco: { http_output: { url: string } } };
    expect(values.falco.http_output.url).toBe('http://peregrine.falco.svc:2801/');
  });

  it('the sinks config of the compose profile is a valid Peregrine configuration', () => {
    const out = run(process.execPath, [join(root, 'apps/server/bin/peregrine.js'), 'config', '-c', 'deploy/peregrine/config.sinks.yaml']);
    const config = JSON.parse(out) as { outputs: Record<string, { type: string }> };
    expect(Object.values(config.outputs).map((o) => o.type).sort()).toEqual(['alertmanager', 'elasticsearch', 'loki']);
  });
});

describe('against a running Peregrine', () => {
  let server: TestServer;
  let metricsText: string;

  beforeAll(async () => {
    server = await startTestServer();
    await fetch(`${server.compatUrl}/test`, { method: 'POST' });
    metricsText = await (await fetch(`${server.mainUrl}/metrics`)).text();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('every Grafana panel and every alerting rule queries metrics Peregrine really exports', () => {
    const dashboard = JSON.parse(file('deploy/grafana/dashboards/peregrine.json')) as { panels: Array<{ title: string; datasource: { type: string }; targets: Array<{ expr: string }> }> };
    const rules = parseYaml(file('deploy/prometheus/peregrine-rules.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const queries = [
      ...dashboard.panels.filter((p) => p.datasource.type === 'prometheus').flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
      ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert}`, expr: r.expr }))),
    ];
    expect(queries.length).toBeGreaterThan(10);
    for (const { where, expr } of queries) {
      const names = metricNames(expr);
      expect(names.length, where).toBeGreaterThan(0);
      for (const name of names) expect(metricsText, `${where} reads ${name}`).toContain(`# TYPE ${name} `);
    }
  });

  it('a real Prometheus with the shipped scrape config scrapes it: target up, inputs counted', async () => {
    const prometheus = need(['/usr/bin/prometheus'], 'prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-prometheus-'));
    const config = parseYaml(file('deploy/prometheus/prometheus.yml')) as { global: Record<string, string>; scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>; rule_files: string[] };
    config.global['scrape_interval'] = '1s';
    const target = config.scrape_configs[0]?.static_configs[0];
    if (!target) throw new Error('no scrape target in the shipped config');
    target.targets = [server.mainUrl.replace('http://', '')];
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
    writeFileSync(join(dir, 'peregrine-rules.yml'), file('deploy/prometheus/peregrine-rules.yml'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const running = await startProcess(prometheus, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], `${url}/-/ready`, 30_000);
    try {
      for (let i = 0; i < 5; i++) {
        await fetch(`${server.compatUrl}/test`, { method: 'POST' });
      }
      let value = 0;
      let health = '';
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && (health !== 'up' || value < 6)) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const targets = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
        health = targets.data.activeTargets[0]?.health ?? '';
        const query = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent('falcosecurity_falcosidekick_inputs_total{status="accepted"}')}`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
        value = Number(query.data.result[0]?.value[1] ?? 0);
      }
      expect(health).toBe('up');
      expect(value).toBeGreaterThanOrEqual(6);
      const rules = (await (await fetch(`${url}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: unknown[] }> } };
      expect(rules.data.groups[0]?.rules).toHaveLength(5);
    } finally {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
