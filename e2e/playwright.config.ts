import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineConfig } from '@playwright/test';

// The product is started exactly as users start it (the built CLI, SQLite, stock settings) on
// ports of its own, with a throw-away database, and driven in Debian's Chromium.
// Fixed ports below Linux's ephemeral range (32768-60999): there, an outgoing connection can
// hold the port as its local end and a listener fails with EADDRINUSE now and then.
const mainPort = Number(process.env.E2E_MAIN_PORT ?? 22802);
const compatPort = Number(process.env.E2E_COMPAT_PORT ?? 22801);
const dataDir = mkdtempSync(join(tmpdir(), 'peregrine-e2e-'));
const chromium = process.env.PEREGRINE_CHROMIUM ?? '/usr/bin/chromium';

export const urls = { main: `http://127.0.0.1:${mainPort}`, compat: `http://127.0.0.1:${compatPort}` };
export const subPathUrls = { main: `http://127.0.0.1:${mainPort + 10}`, compat: `http://127.0.0.1:${compatPort + 10}` };
/**
 * The Rules test breaks and mends a rules folder: a temp copy of fixtures/rules, loaded after the
 * shipped rules. Kept in the env so the workers (which evaluate this file again) use the same one.
 */
export const rulesDir = (process.env.E2E_RULES_DIR ??= copyToTemp(resolve(__dirname, 'fixtures/rules'), 'peregrine-e2e-rules-'));
/** The Outputs test starts a webhook receiver here; the product's webhook output points at it. */
export const webhookPort = Number(process.env.E2E_WEBHOOK_PORT ?? 22850);
/** Both servers get this admin password; global-setup signs in with it and saves the cookies here for every test. */
export const adminPassword = process.env.E2E_ADMIN_PASSWORD ?? 'e2e-admin-Pa55word';
// A fixed path (not in dataDir): the config is evaluated again in each worker, with a new dataDir.
export const storageStatePath = join(tmpdir(), `peregrine-e2e-storage-state-${mainPort}.json`);

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  timeout: 30_000,
  globalSetup: './global-setup.ts',
  use: {
    baseURL: urls.main,
    storageState: storageStatePath,
    launchOptions: {
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
    command: 'node apps/server/bin/peregrine.js serve',
    cwd: resolve(__dirname, '..'),
    url: `${urls.main}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PEREGRINE_PORT: String(mainPort),
      LISTENPORT: String(compatPort),
      LISTENADDRESS: '127.0.0.1',
      PEREGRINE_ADDRESS: '127.0.0.1',
      PEREGRINE_DB_PATH: join(dataDir, 'peregrine.db'),
      PEREGRINE_ADMIN_PASSWORD: adminPassword,
      E2E_COMPAT_URL: urls.compat,
      PEREGRINE_RULES_FILES: `${resolve(__dirname, '../rules/k8s_audit_rules.yaml')},${rulesDir}`,
      WEBHOOK_ADDRESS: `http://127.0.0.1:${webhookPort}/e2e-webhook`,
      // Only the Outputs test's alerts (and falcosidekick's /test alert, which goes everywhere).
      WEBHOOK_WHEN: 'rule startswith "E2E outputs"',
    },
    },
    {
      // The same product behind an ingress sub-path (PEREGRINE_BASE_PATH).
      command: 'node apps/server/bin/peregrine.js serve',
      cwd: resolve(__dirname, '..'),
      url: `${subPathUrls.main}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        PEREGRINE_PORT: String(mainPort + 10),
        LISTENPORT: String(compatPort + 10),
        LISTENADDRESS: '127.0.0.1',
        PEREGRINE_ADDRESS: '127.0.0.1',
        PEREGRINE_BASE_PATH: '/peregrine',
        PEREGRINE_DB_PATH: join(dataDir, 'subpath.db'),
        PEREGRINE_ADMIN_PASSWORD: adminPassword,
      },
    },
  ],
});

function copyToTemp(folder: string, prefix: string): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  cpSync(folder, copy, { recursive: true });
  return copy;
}
