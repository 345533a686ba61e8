#!/usr/bin/env node
// Regenerates docs/dashboard.png for the README: starts the built product on spare ports with a
// throw-away store, posts a few realistic alerts, and photographs the dashboard in Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'peregrine-shot-'));
const env = { ...process.env, PEREGRINE_PORT: '42802', LISTENPORT: '42801', PEREGRINE_ADDRESS: '127.0.0.1', LISTENADDRESS: '127.0.0.1', PEREGRINE_DB_PATH: join(dir, 'p.db'), PEREGRINE_ADMIN_PASSWORD: 'screenshot-password' };
const server = spawn(process.execPath, [join(root, 'apps/server/bin/peregrine.js'), 'serve'], { env, stdio: 'ignore' });
try {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch('http://127.0.0.1:42802/healthz')).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = JSON.parse(readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8'));
  const samples = [
    ['Terminal shell in container', 'Notice', 'syscall'],
    ['Create Privileged Pod', 'Warning', 'k8s_audit'],
    ['Read sensitive file untrusted', 'Critical', 'syscall'],
    ['Attach/Exec Pod', 'Notice', 'k8s_audit'],
    ['Contact K8S API Server From Container', 'Error', 'syscall'],
  ];
  for (const [rule, priority, source] of samples) {
    await fetch('http://127.0.0.1:42801/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...base, rule, priority, source, output: base.output.replace('Notice A shell was spawned in a container with an attached terminal', `${priority} ${rule}`) }) });
  }
  await fetch('http://127.0.0.1:42801/test', { method: 'POST' });
  const browser = await chromium.launch({ executablePath: process.env.PEREGRINE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  // Signed in through the API: the cookie lands in the page's context.
  await page.request.post('http://127.0.0.1:42802/api/v1/auth/login', { data: { username: 'admin', password: 'screenshot-password' } });
  await page.goto('http://127.0.0.1:42802/');
  await page.getByRole('table', { name: 'Latest alerts' }).waitFor();
  await page.screenshot({ path: join(root, 'docs/dashboard.png') });
  await browser.close();
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
