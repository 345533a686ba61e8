import { describe, expect, it } from 'vitest';
import { COLUMN_LIMITS } from '../store/alert-row';
import { startTestServer } from '../testing/test-server';

const EVENTS = 'falcosecurity_falcosidekick_falco_events_total{';

/** The label values of one exposition line, by name. */
function labelsOf(line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, name, value] of line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name as string] = value as string;
  return labels;
}

describe('metrics fed from the unauthenticated ports', () => {
  it('cannot be grown without bound by forged alerts', async () => {
    const server = await startTestServer({ PEREGRINE_METRICS_MAX_SERIES: '5', PEREGRINE_METRICS_MAX_LABEL_LENGTH: '64' });
    try {
      const post = (hostname: string, rule: string, namespace: string): Promise<Response> =>
        fetch(`${server.compatUrl}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ time: new Date().toISOString(), rule, priority: 'Warning', hostname, output: 'x', output_fields: { 'k8s.ns.name': namespace } }),
        });
      // Ingest refuses a hostname or rule the store cannot index, so the forgeries are the longest
      // it accepts (still beyond the 64-character label bound), and the namespace, an output field
      // nothing indexes, is as long as a body allows.
      const longestHostname = (i: number): string => `${String(i).padStart(2, '0')}-${'h'.repeat(COLUMN_LIMITS.hostname.bytes - 3)}`;
      const longestRule = 'R'.repeat(COLUMN_LIMITS.rule.characters);
      const namespace = 'n'.repeat(500_000);
      expect(longestHostname(0)).toHaveLength(255);
      for (let i = 0; i < 20; i++) expect((await post(longestHostname(i), longestRule, namespace)).status).toBe(200);

      const metrics = await (await fetch(`${server.compatUrl}/metrics`)).text();
      const events = metrics.split('\n').filter((line) => line.startsWith(EVENTS));
      // Cardinality: 20 distinct host names make the 5 series allowed plus the one overflow series.
      expect(events).toHaveLength(6);
      expect(events.filter((line) => line.includes('hostname="_other_"'))).toHaveLength(1);
      expect(events.find((line) => line.includes('hostname="_other_"'))).toMatch(/ 15$/);
      // Length: every value is cut to 63 characters and an ellipsis, the host names still told apart by their start.
      const kept = events.filter((line) => !line.includes('hostname="_other_"')).map(labelsOf);
      expect(kept.map((labels) => labels['hostname']).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${longestHostname(i).slice(0, 63)}…`));
      for (const labels of kept) {
        expect(labels['rule']).toBe(`${'R'.repeat(63)}…`);
        expect(labels['k8s_ns_name']).toBe(`${'n'.repeat(63)}…`);
        for (const value of Object.values(labels)) expect([...value].length).toBeLessThanOrEqual(64);
      }
      expect(Math.max(...events.map((line) => line.length))).toBeLessThan(1000);
      expect(metrics.length).toBeLessThan(200_000);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
