import { describe, expect, it } from 'vitest';
import { judgeRss, metricValue, type MinuteRow, minuteRows, parsePrometheus, percentile, renderTable, type SoakSample } from './soak-report';

const MB = 1024 * 1024;

/** A sample every 5 s for `seconds`, RSS from `rssMbAt(seconds)`, 200 alerts/s acknowledged. */
function samples(seconds: number, rssMbAt: (s: number) => number, lagAt: (s: number) => number = () => 1): SoakSample[] {
  const result: SoakSample[] = [];
  for (let s = 5; s <= seconds; s += 5) {
    result.push({
      elapsedMs: s * 1000,
      rssBytes: rssMbAt(s) * MB,
      heapUsedBytes: 50 * MB,
      lagP99Ms: lagAt(s),
      lagMaxMs: lagAt(s) * 2,
      cpuSeconds: s * 0.5,
      openFds: 40,
      acknowledged: s * 200,
      stored: s * 200,
      delivered: s * 200 - 10,
      duplicates: 0,
      queues: { webhook: { pending: 10, dead: 0 }, slack: { pending: s * 200, dead: s > 120 ? 7 : 0 } },
      apiMs: [s, s + 1],
      liveAlerts: s * 200,
    });
  }
  return result;
}

const row = (minute: number, rssMb: number): MinuteRow => ({ minute, rssMb, rssMinMb: rssMb, alertsPerSecond: 0, heapMb: 0, heapMinMb: 0, cpuPercent: 0, lagP99Ms: 0, lagMaxMs: 0, openFds: 0, acknowledged: 0, stored: 0, delivered: 0, duplicates: 0, queues: {}, apiP99Ms: 0, liveAlerts: 0 });

describe('parsePrometheus', () => {
  const text = [
    '# HELP peregrine_output_queue_depth Deliveries waiting.',
    '# TYPE peregrine_output_queue_depth gauge',
    'peregrine_output_queue_depth{destination="slack",output="slack",state="pending"} 1234',
    'peregrine_output_queue_depth{destination="slack",output="slack",state="dead"} 5',
    'odd_label{value="say \\"hi\\", then,\\nleave"} 1',
    'nodejs_eventloop_lag_p99_seconds 0.012345',
    '',
  ].join('\n');

  it('reads every sample with its labels, skipping comments', () => {
    const parsed = parsePrometheus(text);
    expect(parsed).toHaveLength(4);
    expect(metricValue(parsed, 'peregrine_output_queue_depth', { state: 'dead' })).toBe(5);
    expect(metricValue(parsed, 'peregrine_output_queue_depth', { output: 'slack', state: 'pending' })).toBe(1234);
    expect(metricValue(parsed, 'nodejs_eventloop_lag_p99_seconds')).toBe(0.012345);
    expect(metricValue(parsed, 'absent_metric')).toBeUndefined();
  });

  it('unescapes quotes, commas and newlines in label values', () => {
    expect(parsePrometheus(text).find((s) => s.name === 'odd_label')?.labels['value']).toBe('say "hi", then,\nleave');
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBe(0);
  });
});

describe('minuteRows', () => {
  it('makes one row per minute, the state at its end, the worst lag of its windows', () => {
    const rows = minuteRows(samples(180, () => 300, (s) => (s === 95 ? 40 : 2)));
    expect(rows.map((r) => r.minute)).toEqual([1, 2, 3]);
    expect(rows[1]).toMatchObject({ minute: 2, acknowledged: 24_000, stored: 24_000, delivered: 23_990, lagP99Ms: 40, lagMaxMs: 80, alertsPerSecond: 200, rssMb: 300, rssMinMb: 300, cpuPercent: 50 });
    expect(rows[0]?.lagP99Ms).toBe(2);
    expect(rows[2]?.queues['slack']).toEqual({ pending: 36_000, dead: 7 });
  });

  it('gives the lowest and highest RSS and heap of each minute (they rise and fall with garbage collection)', () => {
    const rows = minuteRows(samples(120, (s) => (s % 20 === 0 ? 450 : 320)));
    expect(rows[1]).toMatchObject({ rssMinMb: 320, rssMb: 450, heapMinMb: 50, heapMb: 50 });
  });

  it('labels a last minute that ends early by when it ended', () => {
    const rows = minuteRows(samples(150, () => 300));
    expect(rows.map((r) => r.minute)).toEqual([1, 2, 2.5]);
    expect(rows[2]?.alertsPerSecond).toBe(200);
  });

  it('takes the p99 of the dashboard reads of each minute', () => {
    const rows = minuteRows(samples(60, () => 300));
    expect(rows[0]?.apiP99Ms).toBe(61);
  });
});

describe('judgeRss', () => {
  it('passes RSS that levels off after start-up', () => {
    const judgement = judgeRss(minuteRows(samples(600, (s) => (s < 60 ? 200 : 320 + (s % 30)))), 1.5);
    expect(judgement).toMatchObject({ judged: true, ok: true, baselineMinute: 2, lastMinute: 10 });
    expect(judgement.ratio).toBeLessThan(1.1);
  });

  it('fails RSS that keeps growing past the factor', () => {
    const judgement = judgeRss(minuteRows(samples(600, (s) => 200 + s)), 1.5);
    expect(judgement.ok).toBe(false);
    expect(judgement.ratio).toBeCloseTo(800 / 320, 2);
    expect(judgement.slopeMbPerMinute).toBe(60);
    expect(judgement.reason).toContain('from minute 2 to minute 10');
  });

  it('compares peaks, so a minute that ends just after a collection does not hide growth', () => {
    // Peaks climb 100 MB a minute; each minute ends on a trough at 300 MB.
    const judgement = judgeRss(minuteRows(samples(600, (s) => (s % 60 === 0 ? 300 : 300 + Math.ceil(s / 60) * 100))), 1.5);
    expect(judgement).toMatchObject({ ok: false, baselineMb: 500, lastMb: 1300 });
  });

  it('judges the last full minute, not a partial one', () => {
    expect(judgeRss([row(1, 100), row(2, 100), row(3, 140), row(3.4, 400)], 1.5)).toMatchObject({ ok: true, lastMinute: 3, ratio: 1.4 });
  });

  it('does not judge a run shorter than three minutes', () => {
    expect(judgeRss([row(1, 100), row(2, 400)], 1.5)).toMatchObject({ judged: false, ok: true });
  });
});

describe('renderTable', () => {
  it('shows each output queue as pending / dead under its role', () => {
    const table = renderTable(minuteRows(samples(180, () => 300)), { healthy: 'webhook', hung: 'alertmanager', failing: 'slack' });
    const lines = table.split('\n');
    expect(lines[0]).toContain('| alertmanager (hung) queue / dead | slack (500) queue / dead |');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toContain('| 3 | 200 | 300–300 | 50–50 |');
    expect(lines[4]).toContain('| 36000 | 35990 (0) | 10 | 0 / 0 | 36000 / 7 |');
  });
});
