import { expect, test } from '@playwright/test';
import { compatUrl, marker, postAlert } from './support/dashboard';

test('the Events page shows an alert that Falco posted to the falcosidekick-compatible port, non-ASCII intact', async ({ page, request }) => {
  const rule = `Terminal shell in container — e2e ${Date.now()} 日本語`;
  const posted = await request.post(`${compatUrl}/`, {
    headers: { 'content-type': 'application/json' },
    // Raw text: Falco's int64 nanosecond evt.time is beyond what a JS number holds.
    data: `{"time":"2026-11-23T10:11:12.123456789Z","rule":${JSON.stringify(rule)},"priority":"Warning","source":"syscall","hostname":"node-1",
      "output":"10:11:12.123456789: Warning A shell was spawned (user=root file=/tmp/résumé-ünïcode-файл)",
      "output_fields":{"evt.time":1795435872123456789,"proc.name":"bash","k8s.ns.name":"prod"},"tags":["shell","container"]}`,
  });
  expect(posted.status()).toBe(200);

  await page.goto('events');
  await expect(page.getByRole('heading', { name: 'Peregrine', exact: true })).toBeVisible();
  const row = page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: rule });
  await expect(row).toBeVisible();
  await expect(row).toContainText('Warning');
  await expect(row).toContainText('node-1');
  await expect(row).toContainText('prod');
  await expect(row).toContainText('file=/tmp/résumé-ünïcode-файл');
  // The int64 field value, digit for digit, in its chip.
  await expect(row).toContainText('evt.time=1795435872123456789');
});

test('Refresh picks up the built-in test alert; the count follows the filter', async ({ page, request }) => {
  await page.goto('events?rule=Test%20rule');
  const total = page.getByTestId('alert-total');
  await expect(total).toHaveText(/^\d[\d,]* alerts?$/);
  const before = Number((await total.textContent())?.replace(/\D/g, ''));
  await page.getByRole('button', { name: 'Pause live' }).click();
  expect((await request.post(`${compatUrl}/test`)).status()).toBe(200);
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(total).toHaveText(`${before + 1} alert${before + 1 === 1 ? '' : 's'}`);
  await expect(page.getByRole('row').filter({ hasText: 'This is a test from falcosidekick' }).first()).toBeVisible();
});

test('the nav reaches every page, and each deep link survives a reload', async ({ page, request }) => {
  await postAlert(request, { rule: marker('Nav alert') });
  await page.goto('./');
  const pages = page.getByRole('navigation', { name: 'Pages' });
  for (const [name, path, heading] of [
    ['Events', '/events', 'Events'],
    ['Rules', '/rules', 'Rules'],
    ['Outputs', '/outputs', 'Outputs'],
    ['About', '/about', 'About'],
    ['Overview', '/', 'Overview'],
  ] as const) {
    await pages.getByRole('link', { name }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await expect(page.getByRole('heading', { name: heading, exact: true, level: 2 }).first()).toBeVisible();
    await expect(pages.getByRole('link', { name })).toHaveClass(/active/);
    await page.reload();
    await expect(page.getByRole('heading', { name: heading, exact: true, level: 2 }).first()).toBeVisible();
  }
});

test('health and metrics answer on both ports', async ({ request }) => {
  for (const base of ['', compatUrl]) {
    const health = await request.get(`${base}/healthz`);
    expect(await health.text()).toBe('{"status": "ok"}');
    const metrics = await request.get(`${base}/metrics`);
    expect(await metrics.text()).toContain('falcosecurity_falcosidekick_inputs_total{source="requests",status="accepted"}');
  }
});
