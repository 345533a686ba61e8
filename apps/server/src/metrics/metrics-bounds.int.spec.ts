import { describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/test-server';

describe('metrics fed from the unauthenticated ports', () => {
  it('cannot be grown without bound by forged alerts or audit paths', async () => {
    const server = await startTestServer({ PEREGRINE_METRICS_MAX_SERIES: '5', PEREGRINE_METRICS_MAX_LABEL_LENGTH: '64' });
    try {
      const post = (hostname: string, namespace: string): Promise<Response> =>
        fetch(`${server.compatUrl}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ time: new Date().toISOString(), rule: 'Forged', priority: 'Warning', hostname, output: 'x', output_fields: { 'k8s.ns.name': namespace } }),
        });
      for (let i = 0; i < 20; i++) expect((await post(`${String(i).padStart(2, '0')}-${'h'.repeat(1_000_000)}`, 'n'.repeat(500_000))).status).toBe(200);
      const metrics = await (await fetch(`${server.compatUrl}/metrics`)).text();
      const events = metrics.split('\n').filter((line) => line.startsWith('falcosecurity_falcosidekick_falco_events_total{'));
      expect(events).toHaveLength(6);
      expect(events.filter((line) => line.includes('hostname="_other_"'))).toHaveLength(1);
      expect(events.find((line) => line.includes('hostname="_other_"'))).toMatch(/ 15$/);
      expect(Math.max(...events.map((line) => line.length))).toBeLessThan(1000);
      expect(metrics.length).toBeLessThan(200_000);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
