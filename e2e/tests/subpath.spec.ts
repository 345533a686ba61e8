import { expect, test } from '@playwright/test';

const main = `http://127.0.0.1:${Number(process.env.E2E_MAIN_PORT ?? 32802) + 10}`;
const compat = `http://127.0.0.1:${Number(process.env.E2E_COMPAT_PORT ?? 32801) + 10}`;

test('under PEREGRINE_BASE_PATH the dashboard, its API and the live push all work from the sub-path', async ({ page, request }) => {
  const apiCalls: string[] = [];
  page.on('request', (r) => apiCalls.push(new URL(r.url()).pathname));
  await page.goto(`${main}/peregrine`);
  await expect(page).toHaveURL(`${main}/peregrine/`);
  await expect(page.getByRole('heading', { name: 'Latest alerts' })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText('● live');

  const rule = `Sub-path alert ${Date.now()}`;
  const posted = await request.post(`${compat}/`, {
    headers: { 'content-type': 'application/json' },
    data: { time: new Date().toISOString(), rule, priority: 'Warning', output: `${rule} output`, output_fields: { 'proc.name': 'sh' } },
  });
  expect(posted.status()).toBe(200);
  await expect(page.getByRole('row').filter({ hasText: rule })).toBeVisible();

  expect(apiCalls.filter((path) => path !== '/peregrine' && !path.startsWith('/peregrine/'))).toEqual([]);
  expect((await request.get(`${main}/peregrine/api/v1/alerts?limit=1`)).status()).toBe(200);
  expect((await request.get(`${main}/api/v1/alerts?limit=1`)).status()).toBe(404);
  expect(await (await request.get(`${main}/healthz`)).text()).toBe('{"status": "ok"}');
});
