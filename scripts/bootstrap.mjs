#!/usr/bin/env node
// The README's commands: `npm start`, `npm test`, `npm run bench` and `npm run soak` all come here first, so each
// works on a fresh clone: it installs what is missing (npm ci when node_modules is absent or
// older than package-lock.json, Debian Chromium for e2e), builds, then runs.
// Only Node built-ins are used here: nothing is installed yet when this runs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const lockMarker = join(root, 'node_modules', '.peregrine-lock.sha256');
const CHROMIUM = process.env.PEREGRINE_CHROMIUM ?? '/usr/bin/chromium';

function run(command, args, options = {}) {
  console.error(`\n▶ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...options.env } });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`✗ ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

function lockHash() {
  return createHash('sha256').update(readFileSync(join(root, 'package-lock.json'))).digest('hex');
}

function ensureDependencies() {
  const wanted = lockHash();
  const installed = existsSync(lockMarker) ? readFileSync(lockMarker, 'utf8').trim() : '';
  if (installed === wanted && existsSync(join(root, 'node_modules', '.bin', 'tsc'))) return;
  console.error(installed === '' ? 'node_modules is missing: installing with npm ci' : 'package-lock.json changed: reinstalling with npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(lockMarker, `${wanted}\n`);
}

function canInstallDebianPackages() {
  return process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
}

/** Installs Debian packages that are missing (only as root on Debian; otherwise says what to install). */
export function ensureDebianPackages(packages) {
  const missing = packages.filter(({ binary }) => !existsSync(binary));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name);
  if (!canInstallDebianPackages()) {
    console.error(`Missing: ${missing.map((p) => p.binary).join(', ')}. Install the Debian packages ${names.join(' ')} (or set PEREGRINE_CHROMIUM).`);
    process.exit(1);
  }
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

function build() {
  run('npx', ['tsc', '-b', 'apps/server/tsconfig.build.json', 'packages/outputs/tsconfig.build.json']);
  run('npm', ['run', 'build', '-w', 'apps/ui']);
}

const command = process.argv[2];
switch (command) {
  case 'start': {
    ensureDependencies();
    build();
    run('node', ['apps/server/bin/peregrine.js', 'serve', ...process.argv.slice(3)]);
    break;
  }
  case 'test': {
    ensureDependencies();
    // Integration tests start real servers from Debian on loopback (Alertmanager, Prometheus, PostgreSQL)
    // and check the deployment files with the tools that will read them (compose, kustomize, HAProxy).
    ensureDebianPackages([
      { name: 'chromium', binary: CHROMIUM },
      { name: 'prometheus-alertmanager', binary: '/usr/bin/prometheus-alertmanager' },
      { name: 'prometheus', binary: '/usr/bin/prometheus' },
      { name: 'docker-compose', binary: '/usr/bin/docker-compose' },
      { name: 'postgresql', binary: '/usr/lib/postgresql' },
      { name: 'kubernetes-client', binary: '/usr/bin/kubectl' },
      { name: 'haproxy', binary: '/usr/sbin/haproxy' },
    ]);
    run('npx', ['eslint', '--max-warnings', '0', '.']);
    build();
    for (const project of ['packages/engine', 'packages/outputs', 'apps/server', 'apps/ui', 'e2e']) run('npx', ['tsc', '-p', project, '--noEmit']);
    run('npx', ['vitest', 'run']);
    run('npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts'], { env: { PEREGRINE_CHROMIUM: CHROMIUM } });
    console.error('\n✓ every test passed');
    break;
  }
  case 'bench': {
    ensureDependencies();
    build();
    run('node', ['scripts/bench.mjs', ...process.argv.slice(3)]);
    break;
  }
  case 'soak': {
    // Minutes of steady load against the built product (SOAK_MINUTES, SOAK_RATE, …; see the README).
    ensureDependencies();
    build();
    run(join(root, 'node_modules/.bin/tsx'), ['apps/server/bench/soak.ts', ...process.argv.slice(3)]);
    break;
  }
  default:
    console.error('usage: node scripts/bootstrap.mjs start|test|bench|soak');
    process.exit(2);
}
