/**
 * Kubernetes audit ingest end to end: EventLists of 500 events posted back to back to
 * `POST /k8s-audit` on 8 connections (as kube-apiserver batch webhooks do), and one apiserver
 * alone (one connection, EventLists of 400, the webhook's default batch size), evaluated with the shipped
 * rules, every alert stored before the 200; and the realistic mix on 50 connections. Beside it, in
 * the same run: a raw node:http server that only JSON-parses the same bodies under the same load
 * (the ceiling of any Node receiver here), the engine alone on the same events, and JSON.parse of
 * the same bodies, so the figures read as ratios on any machine.
 *
 *   npx tsx apps/server/bench/audit.bench.ts
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { batchBodies, startPeregrine, stop, waitForLine } from './processes';
import { extractEvents, loadRules } from '@peregrine/engine';

const root = resolve(__dirname, '../../..');
const durationSeconds = Number(process.env['BENCH_DURATION'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 8);
const EVENTS_PER_BATCH = 500;
const TARGET_EVENTS_PER_SECOND = 30_000;

/**
 * A realistic batch: an apiserver's audit traffic is mostly reads (get/list/watch by
 * controllers and kubelets) that no rule matches. One event in `writeEvery` is a conformance
 * trace event as recorded (creates, deletes, execs, role changes: the ones rules alert on); the
 * rest are the same events as reads. `writeEvery=5` gives an alert-heavy batch.
 */
function batchTemplate(writeEvery: number, eventsPerBatch = EVENTS_PER_BATCH): string {
  const tracesDir = join(root, 'fixtures/conformance/traces');
  const events: Array<Record<string, unknown>> = [];
  for (const name of readdirSync(tracesDir).sort()) {
    for (const line of readFileSync(join(tracesDir, name), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const value = JSON.parse(line) as unknown;
      if (!Array.isArray(value) && extractEvents(value).events.length === 1) events.push(value as Record<string, unknown>);
    }
  }
  const items = Array.from({ length: eventsPerBatch }, (_, i) => {
    const event = structuredClone(events[i % events.length] as Record<string, unknown>);
    if (i % writeEvery !== 0) {
      event['verb'] = ['get', 'list', 'watch', 'update'][i % 4];
      delete event['requestObject'];
    }
    event['auditID'] = `@BATCH@-${i}`;
    return event;
  });
  return JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });
}

/** Engine only, in this process: parse each body, evaluate every event with the shipped rules. */
function engineOnly(template: string): { eventsPerSecond: number; jsonParseEventsPerSecond: number; alertsPerEvent: number } {
  const rulesText = readFileSync(join(root, 'rules/k8s_audit_rules.yaml'), 'utf8');
  const { ruleset, errors } = loadRules([{ name: 'k8s_audit_rules.yaml', text: rulesText }]);
  if (errors.length > 0) throw new Error('shipped rules did not load');
  const bodies = Array.from({ length: 20 }, (_, n) => template.replaceAll('@BATCH@', `engine-${n}`));
  let events = 0;
  let alerts = 0;
  const started = performance.now();
  while (performance.now() - started < 3000) {
    for (const body of bodies) {
      const list = JSON.parse(body) as { items: unknown[] };
      for (const item of list.items) alerts += ruleset.evaluate(item, { hostname: 'bench' }).length;
      events += list.items.length;
    }
  }
  const engineSeconds = (performance.now() - started) / 1000;
  let parsed = 0;
  const parseStarted = performance.now();
  while (performance.now() - parseStarted < 1000) {
    for (const body of bodies) parsed += (JSON.parse(body) as { items: unknown[] }).items.length;
  }
  const parseSeconds = (performance.now() - parseStarted) / 1000;
  return { eventsPerSecond: events / engineSeconds, jsonParseEventsPerSecond: parsed / parseSeconds, alertsPerEvent: alerts / events };
}

interface EndToEnd {
  eventsPerSecond: number;
  batchP50Ms: number;
  batchP99Ms: number;
  non2xx: number;
  acknowledgedBatches: number;
  alertsStored: number;
}

/** Posts batches made from `template` back to back on `connections` connections to `url`. */
function postBatches(url: string, template: string, connections: number, seconds: number): Promise<autocannon.Result> {
  const nextBody = batchBodies(template);
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections,
    duration: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, body: nextBody() }) }],
  });
}

/** The same load against a raw node:http server that only JSON-parses each body: events/s. */
async function rawHttp(template: string, connections: number, eventsPerBatch: number): Promise<number> {
  const raw = spawn(process.execPath, [join(__dirname, 'raw-baseline.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const { port } = JSON.parse(await waitForLine(raw, (line) => line.startsWith('{'))) as { port: number };
    await postBatches(`http://127.0.0.1:${port}/`, template, connections, 2);
    const result = await postBatches(`http://127.0.0.1:${port}/`, template, connections, durationSeconds);
    return result.requests.average * eventsPerBatch;
  } finally {
    await stop(raw);
  }
}

async function endToEnd(template: string, connections: number, eventsPerBatch: number): Promise<EndToEnd> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peregrine-audit-bench-'));
  const { child: peregrine, mainUrl } = await startPeregrine({ PEREGRINE_DB_PATH: join(dataDir, 'bench.db'), PEREGRINE_RULES_FILES: join(root, 'rules/k8s_audit_rules.yaml') });
  const run = (seconds: number) => postBatches(`${mainUrl}/k8s-audit/bench`, template, connections, seconds);
  try {
    await run(2);
    const result = await run(durationSeconds);
    const page = (await (await fetch(`${mainUrl}/api/v1/alerts?limit=1`)).json()) as { total: number };
    return {
      eventsPerSecond: result.requests.average * eventsPerBatch,
      batchP50Ms: result.latency.p50,
      batchP99Ms: result.latency.p99,
      non2xx: result.non2xx,
      acknowledgedBatches: result['2xx'],
      alertsStored: page.total,
    };
  } finally {
    await stop(peregrine);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const scenarios = [
    { name: 'realistic', writeEvery: 20, connections, eventsPerBatch: EVENTS_PER_BATCH },
    { name: 'alert-heavy', writeEvery: 5, connections, eventsPerBatch: EVENTS_PER_BATCH },
    // One apiserver: its webhook sends one batch at a time (default --audit-webhook-batch-max-size 400).
    { name: 'one-apiserver', writeEvery: 20, connections: 1, eventsPerBatch: 400 },
    { name: 'realistic-50', writeEvery: 20, connections: 50, eventsPerBatch: EVENTS_PER_BATCH },
  ];
  const results: Record<string, unknown> = {};
  let realistic: EndToEnd | undefined;
  for (const scenario of scenarios) {
    const template = batchTemplate(scenario.writeEvery, scenario.eventsPerBatch);
    const engine = engineOnly(template);
    const raw = await rawHttp(template, scenario.connections, scenario.eventsPerBatch);
    const ours = await endToEnd(template, scenario.connections, scenario.eventsPerBatch);
    if (scenario.name === 'realistic') realistic = ours;
    process.stderr.write(
      `${scenario.name.padEnd(12)} end to end ${ours.eventsPerSecond.toFixed(0)} events/s (batch p50 ${ours.batchP50Ms} ms, p99 ${ours.batchP99Ms} ms, non-2xx ${ours.non2xx}) · raw node:http ${raw.toFixed(0)} events/s · engine only ${engine.eventsPerSecond.toFixed(0)} events/s · JSON.parse only ${engine.jsonParseEventsPerSecond.toFixed(0)} events/s · ${engine.alertsPerEvent.toFixed(3)} alerts/event\n`,
    );
    results[scenario.name] = {
      connections: scenario.connections,
      eventsPerBatch: scenario.eventsPerBatch,
      eventsPerSecond: Math.round(ours.eventsPerSecond),
      rawHttpEventsPerSecond: Math.round(raw),
      ratioToRawHttp: Number((ours.eventsPerSecond / raw).toFixed(3)),
      engineOnlyEventsPerSecond: Math.round(engine.eventsPerSecond),
      jsonParseEventsPerSecond: Math.round(engine.jsonParseEventsPerSecond),
      ratioToEngineOnly: Number((ours.eventsPerSecond / engine.eventsPerSecond).toFixed(3)),
      alertsPerEvent: Number(engine.alertsPerEvent.toFixed(3)),
      batchP50Ms: ours.batchP50Ms,
      batchP99Ms: ours.batchP99Ms,
      non2xx: ours.non2xx,
      alertsStored: ours.alertsStored,
    };
  }
  const summary = {
    name: 'audit',
    connections,
    durationSeconds,
    eventsPerBatch: EVENTS_PER_BATCH,
    ...results,
    target: { realisticEventsPerSecond: `>= ${TARGET_EVENTS_PER_SECOND}` },
    met: realistic !== undefined && realistic.eventsPerSecond >= TARGET_EVENTS_PER_SECOND && realistic.non2xx === 0,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
