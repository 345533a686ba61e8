import { expect, test } from '@playwright/test';
import { keepScreenshot } from './support/dashboard';

const main = `http://127.0.0.1:${Number(process.env.E2E_MAIN_PORT ?? 22802) + 10}`;
const compat = `http://127.0.0.1:${Number(process.env.E2E_COMPAT_PORT ?? 22801) + 10}`;

test('under PEREGRINE_BASE_PATH the pages, deep links, API and live push all work from the sub-path', async ({ page, request }, testInfo) => {
  const requested: string[] = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(`${main}/peregrine`);
  await expect(page).toHaveURL(`${main}/peregrine/`);
  await expect(page.getByRole('heading', { name: 'Overview', level: 2 })).toBeVisible();
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Events' }).click();
  await expect(page).toHaveURL(`${main}/peregrine/events`);
  await expect(page.getByRole('status', { name: 'Live updates' })).toHaveText('● live');

  const rule = `Sub-path alert ${Date.now()} ünïcode`;
  const posted = await request.post(`${compat}/`, {
    headers: { 'content-type': 'application/json' },
    data: { time: new Date().toISOString(), rule, priority: 'Warning', output: `${rule} output`, output_fields: { 'proc.name': 'sh' } },
  });
  expect(posted.status()).toBe(200);
  const row = page.getByRole('row').filter({ hasText: rule });
  await expect(row).toBeVisible();

  // A deep link (the alert's permalink) and a reload of it, below the sub-path.
  await row.getByRole('cell').first().click();
  await expect(page).toHaveURL(new RegExp(`^${main}/peregrine/events/[0-9a-f-]{36}$`));
  await page.reload();
  await expect(page.getByRole('dialog', { name: rule })).toBeVisible();
  await expect(page.getByTestId('raw-json')).toContainText(rule);
  await keepScreenshot(page, testInfo, 'subpath-event-detail');
  for (const path of ['rules', 'outputs', 'about', 'events?priority=Warning']) {
    await page.goto(`${main}/peregrine/${path}`);
    await expect(page.getByRole('navigation', { name: 'Pages' })).toBeVisible();
  }
  await page.goto(`${main}/peregrine/events?priority=Warning`);
  await expect(page.getByRole('row').filter({ hasText: rule })).toBeVisible();

  expect(requested.filter((path) => path !== '/peregrine' && !path.startsWith('/peregrine/'))).toEqual([]);
  expect((await request.get(`${main}/peregrine/api/v1/alerts?limit=1`)).status()).toBe(200);
  expect((await request.get(`${main}/api/v1/alerts?limit=1`)).status()).toBe(404);
  expect(await (await request.get(`${main}/healthz`)).text()).toBe('{"status": "ok"}');
});
