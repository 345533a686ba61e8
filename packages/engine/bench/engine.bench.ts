/**
 * Engine throughput: the full stock ruleset (falco_rules.yaml + k8s_audit_rules.latest.yaml)
 * over every conformance trace event, repeated to at least 100 000 events, against JSON.parse
 * of the same event texts in the same run (the ingest cost the engine must not dominate).
 *
 *   npx tsx packages/engine/bench/engine.bench.ts
 *
 * The last stdout line is a JSON summary: {"name":"engine","eventsPerSecond":...,"jsonParsePerSecond":...,"ratio":...}.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { extractEvents, loadRules } from '../src/index';

const ROOT = join(__dirname, '../../../fixtures/conformance');
const TARGET_EVENTS = 100_000;

function main(): void {
  const files = ['rules/falco_rules.yaml', 'rules/k8s_audit_rules.latest.yaml'].map((path) => ({ name: path, text: readFileSync(join(ROOT, path), 'utf8') }));
  const loadStart = performance.now();
  const { ruleset, errors } = loadRules(files);
  const loadMs = performance.now() - loadStart;
  if (errors.length > 0) throw new Error(`the stock ruleset did not load: ${JSON.stringify(errors[0])}`);

  // Every event text of every trace (one JSON value per line; non-events are left out).
  const texts: string[] = [];
  for (const name of readdirSync(join(ROOT, 'traces')).sort()) {
    for (const line of readFileSync(join(ROOT, 'traces', name), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      if (extractEvents(value).events.length === 1 && !Array.isArray(value)) texts.push(line);
    }
  }
  const rounds = Math.ceil(TARGET_EVENTS / texts.length);
  const total = rounds * texts.length;
  const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) * rounds;

  // Warm up both paths so the JIT has settled before measuring.
  for (let i = 0; i < 20; i++) for (const text of texts) ruleset.evaluate(JSON.parse(text));

  let parseMs = 0;
  let evaluateMs = 0;
  let alerts = 0;
  for (let round = 0; round < rounds; round++) {
    const parseStart = performance.now();
    const events = texts.map((text) => JSON.parse(text) as unknown);
    parseMs += performance.now() - parseStart;
    const evaluateStart = performance.now();
    for (const event of events) alerts += ruleset.evaluate(event, { hostname: 'bench' }).length;
    evaluateMs += performance.now() - evaluateStart;
  }

  let allMs = 0;
  for (let round = 0; round < rounds; round++) {
    const events = texts.map((text) => JSON.parse(text) as unknown);
    const start = performance.now();
    for (const event of events) ruleset.evaluate(event, { hostname: 'bench', ruleMatching: 'all' });
    allMs += performance.now() - start;
  }

  const eventsPerSecond = Math.round(total / (evaluateMs / 1000));
  const jsonParsePerSecond = Math.round(total / (parseMs / 1000));
  console.log(`rules: ${ruleset.evaluatedRules.length} k8s_audit rules evaluated (${ruleset.rules.length} loaded) in ${loadMs.toFixed(1)} ms`);
  console.log(`events: ${total} (${texts.length} distinct × ${rounds}), ${(bytes / total).toFixed(0)} bytes on average, ${alerts} alerts`);
  console.log(`JSON.parse: ${jsonParsePerSecond} events/s (${((bytes / 1e6) / (parseMs / 1000)).toFixed(0)} MB/s)`);
  console.log(`evaluate (rule_matching first): ${eventsPerSecond} events/s, ${((evaluateMs * 1e6) / total).toFixed(0)} ns/event`);
  console.log(`evaluate (rule_matching all): ${Math.round(total / (allMs / 1000))} events/s`);
  console.log(JSON.stringify({ name: 'engine', eventsPerSecond, jsonParsePerSecond, ratio: Number((eventsPerSecond / jsonParsePerSecond).toFixed(2)) }));
}

main();
