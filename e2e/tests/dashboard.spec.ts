import { expect, test } from '@playwright/test';

const compatUrl = `http://127.0.0.1:${process.env.E2E_COMPAT_PORT ?? 32801}`;

test('the dashboard shows an alert that Falco posted to the falcosidekick-compatible port', async ({ page, request }) => {
  const rule = `Terminal shell in container — e2e ${Date.now()} 日本語`;
  const posted = await request.post(`${compatUrl}/`, {
    headers: { 'content-type': 'application/json' },
    // Raw text: Falco's int64 nanosecond evt.time is beyond what a JS number holds.
    data: `{"time":"2026-11-23T10:11:12.123456789Z","rule":${JSON.stringify(rule)},"priority":"Warning","source":"syscall","hostname":"node-1",
      "output":"10:11:12.123456789: Warning A shell was spawned (user=root)",
      "output_fields":{"evt.time":1795435872123456789,"proc.name":"bash","k8s.ns.name":"prod"},"tags":["shell","container"]}`,
  });
  expect(posted.status()).toBe(200);

  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Peregrine' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Latest alerts' });
  const row = table.getByRole('row').filter({ hasText: rule });
  await expect(row).toBeVisible();
  await expect(row).toContainText('Warning');
  await expect(row).toContainText('node-1');
});

test('refresh picks up the built-in test alert posted after the page loaded', async ({ page, request }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Latest alerts' })).toBeVisible();
  const before = await page.getByRole('row').filter({ hasText: 'This is a test from falcosidekick' }).count();
  expect((await request.post(`${compatUrl}/test`)).status()).toBe(200);
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'This is a test from falcosidekick' })).toHaveCount(before + 1);
});

test('new alerts appear live, without reloading; paused, they wait behind an "N new" marker', async ({ page, request }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Latest alerts' })).toBeVisible();
  const post = (rule: string): Promise<unknown> =>
    request.post(`${compatUrl}/`, {
      headers: { 'content-type': 'application/json' },
      data: { time: new Date().toISOString(), rule, priority: 'Error', source: 'syscall', hostname: 'node-live', output: `${rule} happened`, output_fields: { 'proc.name': 'nc' } },
    });
  // The first push is only seen once the socket is connected.
  await expect(page.getByRole('status')).toHaveText('● live');
  const live = `Live alert ${Date.now()}`;
  await post(live);
  await expect(page.getByRole('row').filter({ hasText: live })).toBeVisible();

  await page.getByRole('button', { name: 'Pause live' }).click();
  const held = `Held alert ${Date.now()}`;
  await post(held);
  await expect(page.getByRole('button', { name: '1 new' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: held })).toHaveCount(0);
  await page.getByRole('button', { name: '1 new' }).click();
  await expect(page.getByRole('row').filter({ hasText: held })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Pause live' })).toBeVisible();
});

test('health and metrics answer on both ports', async ({ request }) => {
  for (const base of ['', compatUrl]) {
    const health = await request.get(`${base}/healthz`);
    expect(await health.text()).toBe('{"status": "ok"}');
    const metrics = await request.get(`${base}/metrics`);
    expect(await metrics.text()).toContain('falcosecurity_falcosidekick_inputs_total{source="requests",status="accepted"}');
  }
});
