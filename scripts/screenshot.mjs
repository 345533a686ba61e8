#!/usr/bin/env node
// Regenerates the README's pictures of the dashboard (docs/dashboard*.png): starts the built
// product on spare ports with a throw-away store, posts realistic Falco alerts spread over the
// last hours plus a Kubernetes audit event, signs in, and photographs each page in Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'peregrine-shot-'));
// Spare ports (SCREENSHOT_PORT and the one below it), refused if something already answers there.
const port = Number(process.env.SCREENSHOT_PORT ?? 43802);
const main = `http://127.0.0.1:${port}`;
const compat = `http://127.0.0.1:${port - 1}`;
if (await fetch(`${main}/healthz`).then(() => true, () => false)) throw new Error(`port ${port} is taken; set SCREENSHOT_PORT`);
const env = { ...process.env, PEREGRINE_PORT: String(port), LISTENPORT: String(port - 1), PEREGRINE_ADDRESS: '127.0.0.1', LISTENADDRESS: '127.0.0.1', PEREGRINE_DB_PATH: join(dir, 'p.db'), PEREGRINE_ADMIN_PASSWORD: 'screenshot-password' };
const server = spawn(process.execPath, [join(root, 'apps/server/bin/peregrine.js'), 'serve'], { env, stdio: 'ignore' });

const SAMPLES = [
  { rule: 'Terminal shell in container', priority: 'Notice', source: 'syscall', weight: 9 },
  { rule: 'Read sensitive file untrusted', priority: 'Critical', source: 'syscall', weight: 3 },
  { rule: 'Contact K8S API Server From Container', priority: 'Error', source: 'syscall', weight: 4 },
  { rule: 'Drop and execute new binary in container', priority: 'Critical', source: 'syscall', weight: 2 },
  { rule: 'Redirect STDOUT/STDIN to Network Connection in Container', priority: 'Warning', source: 'syscall', weight: 5 },
  { rule: 'Attach/Exec Pod', priority: 'Notice', source: 'k8s_audit', weight: 6 },
  { rule: 'Create Privileged Pod', priority: 'Warning', source: 'k8s_audit', weight: 3 },
  { rule: 'Clear Log Activities', priority: 'Warning', source: 'syscall', weight: 2 },
  { rule: 'Packet socket created in container', priority: 'Informational', source: 'syscall', weight: 4 },
];
const NAMESPACES = ['production', 'payments', 'kube-system', 'staging', 'monitoring'];
const HOSTS = ['worker-1.eu-west-1.compute.internal', 'worker-2.eu-west-1.compute.internal', 'worker-3.eu-west-1.compute.internal', 'gke-us-pool-a-7f3c'];

// Deterministic, so the pictures only change when the dashboard does.
let seed = 7;
const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
const pick = (list) => list[Math.floor(random() * list.length)];

try {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${main}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = JSON.parse(readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8'));
  const weighted = SAMPLES.flatMap((sample) => Array.from({ length: sample.weight }, () => sample));
  const now = Date.now();
  const alerts = [];
  for (let i = 0; i < 180; i++) {
    const sample = pick(weighted);
    const namespace = pick(NAMESPACES);
    const hostname = pick(HOSTS);
    const cluster = hostname.startsWith('gke') ? 'us-central' : 'eu-west';
    // Busier lately, as a real incident looks.
    const time = new Date(now - Math.floor(Math.pow(random(), 1.6) * 6 * 3600_000)).toISOString();
    const output = `${sample.priority} ${sample.rule} (user=root process=${pick(['bash', 'sh', 'nc', 'curl', 'python3'])} container_name=${pick(['web', 'api', 'worker', 'redis'])} k8s_ns=${namespace})`;
    alerts.push({ cluster, alert: { ...base, rule: sample.rule, priority: sample.priority, source: sample.source, hostname, time, output, output_fields: { ...base.output_fields, 'k8s.ns.name': namespace } } });
  }
  // Posted in time order, one after the other, as Falco sends them: the Events page lists by arrival.
  alerts.sort((a, b) => a.alert.time.localeCompare(b.alert.time));
  const traceTime = new Date(now - 600_000).toISOString();
  const post = ({ cluster, alert }) => fetch(`${compat}/?cluster=${cluster}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alert) });
  for (const entry of alerts.filter((a) => a.alert.time < traceTime)) await post(entry);
  // Falco's recorded trace, moved to ten minutes ago (its own timestamps are from 2018).
  const trace = readFileSync(join(root, 'fixtures/conformance/traces/create_nginx_pod_privileged.json'), 'utf8').replace(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"/g, JSON.stringify(traceTime));
  await fetch(`${main}/k8s-audit/eu-west`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: trace });
  for (const entry of alerts.filter((a) => a.alert.time >= traceTime)) await post(entry);
  await fetch(`${compat}/test`, { method: 'POST' });

  const browser = await chromium.launch({ executablePath: process.env.PEREGRINE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  const shoot = async (name, path, { colorScheme = 'light', height = 720, ready }) => {
    const context = await browser.newContext({ viewport: { width: 1280, height }, colorScheme });
    // Signed in through the API: the cookie lands in the page's context.
    const login = await context.request.post(`${main}/api/v1/auth/login`, { data: { username: 'admin', password: 'screenshot-password' } });
    if (login.status() !== 204) throw new Error(`sign-in: ${login.status()} ${await login.text()}`);
    const page = await context.newPage();
    await page.goto(`${main}/${path}`);
    await ready(page);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(root, 'docs', name) });
    await context.close();
  };
  await shoot('dashboard.png', 'events', { ready: (page) => page.getByRole('table', { name: 'Alerts' }).getByRole('row').nth(5).waitFor() });
  await shoot('dashboard-overview.png', '', { height: 1000, ready: (page) => page.getByRole('img', { name: 'Timeline by priority' }).waitFor() });
  const audit = (await (await fetch(`${main}/api/v1/alerts?limit=1&source=k8s_audit&rule=Create%20Privileged%20Pod`, { headers: { cookie: await cookie() } })).json()).results[0];
  await shoot('dashboard-detail.png', `events/${audit.uuid}`, { colorScheme: 'dark', ready: (page) => page.getByRole('region', { name: 'Rule that fired' }).scrollIntoViewIfNeeded() });
  await browser.close();
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

async function cookie() {
  const response = await fetch(`${main}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'screenshot-password' }) });
  return (response.headers.get('set-cookie') ?? '').split(';')[0];
}
