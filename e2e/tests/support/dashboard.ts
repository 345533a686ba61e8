import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIRequestContext, Page, TestInfo } from '@playwright/test';

export const compatUrl = `http://127.0.0.1:${process.env.E2E_COMPAT_PORT ?? 22801}`;

/** A Falco alert as Falco's http_output posts it; the parts a test cares about override the rest. */
export interface FalcoAlertBody {
  rule: string;
  priority?: string;
  source?: string;
  hostname?: string;
  output?: string;
  time?: string;
  output_fields?: Record<string, unknown>;
  tags?: string[];
}

/** Posts to the falcosidekick-compatible port (as Falco does) and answers once it is stored. */
export async function postAlert(request: APIRequestContext, alert: FalcoAlertBody, cluster?: string): Promise<void> {
  const response = await request.post(`${compatUrl}/${cluster ? `?cluster=${encodeURIComponent(cluster)}` : ''}`, {
    headers: { 'content-type': 'application/json' },
    data: {
      time: new Date().toISOString(),
      priority: 'Warning',
      source: 'syscall',
      hostname: 'node-e2e',
      output: `${alert.rule} happened`,
      output_fields: { 'proc.name': 'bash' },
      ...alert,
    },
  });
  if (response.status() !== 200) throw new Error(`ingest answered ${response.status()}: ${await response.text()}`);
}

/** The uuid of the newest stored alert matching a query string (through the signed-in API). */
export async function newestUuid(request: APIRequestContext, query: string): Promise<string> {
  const response = await request.get(`api/v1/alerts?limit=1&${query}`);
  const body = (await response.json()) as { results: Array<{ uuid: string }> };
  const uuid = body.results[0]?.uuid;
  if (!uuid) throw new Error(`no alert matches ${query}`);
  return uuid;
}

/** A marker no other test's alerts contain, to filter a shared store down to one test's alerts. */
export function marker(name: string): string {
  return `${name}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/**
 * Keeps a screenshot of a page as a test artefact: attached to the test, and written to
 * `e2e/test-results/screenshots/<name>.png` for a look after the run.
 */
export async function keepScreenshot(page: Page, testInfo: TestInfo, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const dir = join(__dirname, '../../test-results/screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}
