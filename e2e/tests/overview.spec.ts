import { expect, test } from '@playwright/test';
import { keepScreenshot, marker, postAlert } from './support/dashboard';

test('Overview counts per priority, draws the timelines, and every chart narrows the filter', async ({ page, request }, testInfo) => {
  const cluster = marker('overview');
  const alerts = [
    { rule: 'Read sensitive file untrusted', priority: 'Critical', source: 'syscall', ns: 'prod', hostname: 'node-1' },
    { rule: 'Read sensitive file untrusted', priority: 'Critical', source: 'syscall', ns: 'prod', hostname: 'node-2' },
    { rule: 'Create Privileged Pod', priority: 'Warning', source: 'k8s_audit', ns: 'kube-system', hostname: cluster },
    { rule: 'Terminal shell in container', priority: 'Notice', source: 'syscall', ns: 'dev', hostname: 'node-1' },
  ];
  for (const [i, a] of alerts.entries()) {
    await postAlert(
      request,
      { rule: a.rule, priority: a.priority, source: a.source, hostname: a.hostname, time: new Date(Date.now() - i * 60_000).toISOString(), output_fields: { 'k8s.ns.name': a.ns } },
      cluster,
    );
  }

  await page.goto(`./?cluster=${cluster}`);
  await expect(page.getByRole('heading', { name: 'Overview', level: 2 })).toBeVisible();
  await expect(page.getByTestId('overview-total')).toHaveText('4 alerts');
  const tiles = page.getByRole('list', { name: 'Alerts per priority' });
  await expect(tiles.getByRole('button', { name: 'Critical: 2' })).toBeVisible();
  await expect(tiles.getByRole('button', { name: 'Warning: 1' })).toBeVisible();
  await expect(tiles.getByRole('button', { name: 'Emergency: 0' })).toBeVisible();
  for (const chart of ['Timeline by priority', 'Timeline by source', 'Top rules', 'Sources', 'Top namespaces', 'Top hostnames', 'Top clusters']) {
    await expect(page.getByRole('img', { name: chart })).toBeVisible();
  }
  await expect(page.getByRole('img', { name: 'Top rules' })).toContainText('Create Privileged Pod');
  await expect(page.getByRole('img', { name: 'Top namespaces' })).toContainText('kube-system');
  await keepScreenshot(page, testInfo, 'overview', { fullPage: true });

  // A bar of the top rules adds that rule.
  await page.getByRole('img', { name: 'Top rules' }).locator('.recharts-bar-rectangle').first().click();
  await expect(page).toHaveURL(/rule=Read\+sensitive\+file\+untrusted/);
  await expect(page.getByTestId('overview-total')).toHaveText('2 alerts');
  await expect(page.getByRole('img', { name: 'Top hostnames' })).toContainText('node-2');

  // A priority tile adds that priority; "Show these events" opens them with the same filter.
  await tiles.getByRole('button', { name: 'Critical: 2' }).click();
  await expect(page).toHaveURL(/priority=Critical/);
  await page.getByRole('link', { name: 'Show these events' }).click();
  await expect(page).toHaveURL(/\/events\?.*priority=Critical/);
  await expect(page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: 'Read sensitive file untrusted' })).toHaveCount(2);

  // A segment of a timeline narrows to its series and its bucket.
  await page.goto(`./?cluster=${cluster}`);
  await page.getByRole('img', { name: 'Timeline by source' }).locator('.recharts-bar-rectangle').first().click();
  await expect(page).toHaveURL(/source=.*from=.*until=/);
  await expect(page.getByLabel('Time range')).toHaveValue('custom');
});

test('themes follow the system, and the toggle is remembered', async ({ page }, testInfo) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('./');
  const background = (): Promise<string> => page.evaluate<string>('getComputedStyle(document.body).backgroundColor || getComputedStyle(document.documentElement).backgroundColor');
  const html = page.locator('html');
  await expect(html).not.toHaveAttribute('data-theme');
  const toggle = page.getByRole('button', { name: /^Theme: / });
  await expect(toggle).toHaveAccessibleName('Theme: system');
  const rootBackground = (): Promise<string> => page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
  expect(await rootBackground()).toBe('rgb(17, 20, 24)');

  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  expect(await rootBackground()).toBe('rgb(247, 248, 250)');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(page.getByRole('button', { name: 'Theme: light' })).toBeVisible();

  await page.getByRole('button', { name: 'Theme: light' }).click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  expect(await rootBackground()).toBe('rgb(17, 20, 24)');
  await page.goto('events');
  await expect(page.getByRole('table', { name: 'Alerts' })).toBeVisible();
  await keepScreenshot(page, testInfo, 'events-dark');
  expect(await background()).not.toBe('');

  await page.getByRole('button', { name: 'Theme: dark' }).click();
  await expect(html).not.toHaveAttribute('data-theme');
});

test('on a phone the pages fit the screen', async ({ browser }, testInfo) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: testInfo.project.use.storageState });
  const page = await context.newPage();
  try {
    for (const [path, name] of [
      ['events', 'phone-events'],
      ['./', 'phone-overview'],
    ] as const) {
      await page.goto(new URL(path, `${testInfo.project.use.baseURL}/`).toString());
      await expect(page.getByRole('navigation', { name: 'Pages' })).toBeVisible();
      await page.waitForLoadState('networkidle');
      // Nothing wider than the screen: no sideways scrolling of the page itself.
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await keepScreenshot(page, testInfo, name);
    }
  } finally {
    await context.close();
  }
});
