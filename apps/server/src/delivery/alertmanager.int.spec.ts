import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable, freePort, startProcess } from '../testing/processes';
import { startTestServer } from '../testing/test-server';

const ALERTMANAGER = findExecutable(['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager']);

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
}

// Debian's prometheus-alertmanager, started on loopback by this test. `.ci/run` installs it;
// without it the suite fails loudly rather than skipping.
describe('AlertManager output against a real Alertmanager', () => {
  let dir: string;
  let amUrl: string;
  let am: Awaited<ReturnType<typeof startProcess>>;

  beforeAll(async () => {
    if (!ALERTMANAGER) throw new Error('prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager); .ci/run installs it');
    dir = mkdtempSync(join(tmpdir(), 'peregrine-am-'));
    writeFileSync(join(dir, 'alertmanager.yml'), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = await startProcess(
      ALERTMANAGER,
      [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
      `${amUrl}/-/ready`,
    );
  }, 30_000);

  afterAll(async () => {
    await am?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('makes a stored Falco alert visible in Alertmanager with the labels falcosidekick sets', async () => {
    const server = await startTestServer({ ALERTMANAGER_HOSTPORT: amUrl, PEREGRINE_DELIVERY_INITIAL_BACKOFF: '100ms' });
    try {
      const body = JSON.stringify({
        time: new Date().toISOString(),
        rule: 'Create Privileged Pod',
        priority: 'Warning',
        source: 'k8s_audit',
        hostname: 'prod-eu',
        output: 'Pod started with privileged container (user=admin pod=nginx ns=default)',
        output_fields: { 'ka.user.name': 'admin', 'ka.target.namespace': 'default', 'k8s.ns.name': 'default' },
        tags: ['k8s', 'NIST_800-53_AC-6'],
      });
      const posted = await fetch(`${server.compatUrl}/`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(posted.status).toBe(200);

      let alerts: AmAlert[] = [];
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        alerts = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];
        if (alerts.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(alerts).toHaveLength(1);
      const [alert] = alerts;
      expect(alert?.labels).toMatchObject({ alertname: 'Create Privileged Pod', rule: 'Create Privileged Pod', source: 'falco', eventsource: 'k8s_audit', priority: 'Warning', hostname: 'prod-eu' });
      expect(alert?.labels['severity']).toBeDefined();
      expect(alert?.status.state).toBe('active');
      expect(JSON.stringify(alert?.annotations)).toContain('privileged');
    } finally {
      await server.stop();
    }
  });
});
