import { expect, test } from '@playwright/test';
import { startPostgres, type TestPostgres } from '../../apps/server/src/testing/postgres';
import { type Product, startPeregrine, stopChild } from '../../apps/server/src/testing/product';
import { keepScreenshot, marker } from './support/dashboard';

// Two replicas of the built product on one real PostgreSQL (Debian's, started here), each with
// its own ports; the browser signs in on one of them itself.
test.use({ storageState: { cookies: [], origins: [] } });

const password = 'e2e-replicas-Pa55word';
let postgres: TestPostgres | undefined;
const replicas: Product[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  postgres = await startPostgres();
  const env = { PEREGRINE_DB_DRIVER: 'postgres', PEREGRINE_DB_URL: postgres.url, PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: password };
  // One after the other: the first one migrates the schema.
  replicas.push(await startPeregrine(env, 60_000));
  replicas.push(await startPeregrine(env, 60_000));
});

test.afterAll(async () => {
  for (const replica of replicas) await stopChild(replica.child);
  await postgres?.stop();
});

test('a dashboard signed in on replica B shows, without a reload, an alert posted to replica A', async ({ page, request }, testInfo) => {
  const [replicaA, replicaB] = replicas;
  if (!replicaA || !replicaB) throw new Error('the replicas did not start');
  await page.goto(`${replicaB.mainUrl}/`);
  const form = page.getByRole('form', { name: 'Sign in to Peregrine' });
  await form.getByLabel('Username').fill('admin');
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Peregrine', exact: true })).toBeVisible();

  const tag = marker('replicas');
  await page.goto(`${replicaB.mainUrl}/events?q=${tag}`);
  await expect(page.getByRole('status', { name: 'Live updates' })).toHaveText('● live');
  let navigations = 0;
  page.on('framenavigated', () => navigations++);
  // B announces its dashboard to the other replicas when it connects (a NOTIFY, milliseconds).
  await page.waitForTimeout(300);

  const posted = Date.now();
  const response = await request.post(`${replicaA.compatUrl}/`, {
    headers: { 'content-type': 'application/json' },
    data: { time: new Date().toISOString(), priority: 'Critical', rule: `Posted to replica A ${tag}`, output: `posted to A ${tag}`, source: 'syscall', hostname: 'node-a', output_fields: { 'proc.name': 'bash' } },
  });
  expect(response.status()).toBe(200);
  const rows = page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: tag });
  await expect(rows.first()).toContainText(`Posted to replica A ${tag}`);
  testInfo.annotations.push({ type: 'live across replicas (ms, post to A → row visible on B)', description: String(Date.now() - posted) });
  expect(navigations).toBe(0);
  await keepScreenshot(page, testInfo, 'replicas-live-on-b');

  // The Rules page says which rules each replica runs.
  await page.goto(`${replicaB.mainUrl}/rules`);
  const replicasLine = page.getByTestId('rules-replicas');
  await expect(replicasLine).toContainText('2 replicas, all running the same rules.');
  await expect(replicasLine.getByRole('listitem')).toHaveCount(2);
  await expect(replicasLine.getByRole('listitem').filter({ hasText: '(this one)' })).toHaveCount(1);
  await keepScreenshot(page, testInfo, 'replicas-rules-page');
});
