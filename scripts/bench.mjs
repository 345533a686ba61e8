#!/usr/bin/env node
// `npm run bench`: every benchmark of the repository, each printing one JSON summary as its last
// stdout line; results are collected in .bench/results.json. Benchmarks compare against a
// baseline measured in the same run, so the ratios hold on any machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const only = process.argv.slice(2);
const benches = [
  { name: 'ingest', file: 'apps/server/bench/ingest.bench.ts' },
  { name: 'engine', file: 'packages/engine/bench/engine.bench.ts' },
  { name: 'audit', file: 'apps/server/bench/audit.bench.ts' },
  { name: 'auth', file: 'apps/server/bench/auth.bench.ts' },
  { name: 'alerts-query', file: 'apps/server/bench/alerts-query.bench.ts' },
  { name: 'sqlite-drivers', file: 'apps/server/bench/sqlite-drivers.bench.ts' },
  { name: 'replicas', file: 'apps/server/bench/replicas.bench.ts' },
].filter((b) => (only.length === 0 || only.includes(b.name)) && existsSync(join(root, b.file)));

const results = [];
let failed = false;
for (const bench of benches) {
  console.error(`\n▶ bench ${bench.name} (${bench.file})`);
  const run = spawnSync(join(root, 'node_modules/.bin/tsx'), [bench.file], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = (run.stdout ?? '').trim().split('\n');
  if (run.status !== 0) {
    console.error(`✗ ${bench.name} failed (exit ${run.status})`);
    failed = true;
    continue;
  }
  const summary = JSON.parse(lines[lines.length - 1]);
  results.push(summary);
  console.log(JSON.stringify(summary));
}
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench/results.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
process.exit(failed ? 1 : 0);
