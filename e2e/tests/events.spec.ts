import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { keepScreenshot, marker, newestUuid, postAlert } from './support/dashboard';

test('alerts posted while Events is open appear without a reload, newest first, in order', async ({ page, request }, testInfo) => {
  const tag = marker('live');
  await page.goto(`events?q=${tag}`);
  await expect(page.getByRole('status', { name: 'Live updates' })).toHaveText('● live');
  let navigations = 0;
  page.on('framenavigated', () => navigations++);

  const rows = page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: tag });
  const latencies: number[] = [];
  for (const n of [1, 2, 3]) {
    const posted = Date.now();
    await postAlert(request, { rule: `Live ${n} ${tag}`, priority: 'Error' });
    await expect(rows.first()).toContainText(`Live ${n} ${tag}`);
    latencies.push(Date.now() - posted);
  }
  await expect(rows).toHaveCount(3);
  expect(await rows.locator('.c-rule').allTextContents()).toEqual([`Live 3 ${tag}`, `Live 2 ${tag}`, `Live 1 ${tag}`]);
  await expect(page.getByTestId('alert-total')).toHaveText('3 alerts');
  expect(navigations).toBe(0);
  // The latency target (under a second) is a measurement, not an assertion: kept with the results.
  testInfo.annotations.push({ type: 'live latency (ms, post → row visible)', description: latencies.join(', ') });
  await keepScreenshot(page, testInfo, 'events-live');
});

test('a late alert (older event time) takes its place by time, live and after a reload', async ({ page, request }) => {
  const tag = marker('late');
  await page.goto(`events?q=${tag}`);
  await expect(page.getByRole('status', { name: 'Live updates' })).toHaveText('● live');
  const rows = page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: tag });
  await postAlert(request, { rule: `Earlier ${tag}`, time: new Date(Date.now() - 60_000).toISOString() });
  await postAlert(request, { rule: `Latest ${tag}` });
  await expect(rows).toHaveCount(2);
  // Arrives last, happened an hour ago: below both.
  await postAlert(request, { rule: `Late ${tag}`, time: new Date(Date.now() - 3_600_000).toISOString() });
  await expect(rows).toHaveCount(3);
  const expected = [`Latest ${tag}`, `Earlier ${tag}`, `Late ${tag}`];
  expect(await rows.locator('.c-rule').allTextContents()).toEqual(expected);
  await page.reload();
  await expect(rows).toHaveCount(3);
  expect(await rows.locator('.c-rule').allTextContents()).toEqual(expected);
});

test('a paused view does not move; new alerts wait behind "N new" until shown', async ({ page, request }) => {
  const tag = marker('paused');
  await postAlert(request, { rule: `First ${tag}` });
  await page.goto(`events?q=${tag}`);
  await expect(page.getByRole('status', { name: 'Live updates' })).toHaveText('● live');
  const rows = page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: tag });
  await expect(rows).toHaveCount(1);
  const firstBox = await rows.first().boundingBox();

  await page.getByRole('button', { name: 'Pause live' }).click();
  await expect(page.getByRole('button', { name: 'Resume live' })).toHaveAttribute('aria-pressed', 'true');
  await postAlert(request, { rule: `Held ${tag}` });
  await postAlert(request, { rule: `Held again ${tag}` });
  await expect(page.getByRole('button', { name: '2 new' })).toBeVisible();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`First ${tag}`);
  expect(await rows.first().boundingBox()).toEqual(firstBox);

  await page.getByRole('button', { name: '2 new' }).click();
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText(`Held again ${tag}`);
  await expect(page.getByRole('button', { name: 'Pause live' })).toBeVisible();
});

test('scrolled down the list, new alerts wait instead of pushing the rows', async ({ page, request }) => {
  const tag = marker('scroll');
  for (let i = 0; i < 40; i++) await postAlert(request, { rule: `Old ${i} ${tag}` });
  await page.goto(`events?q=${tag}`);
  await expect(page.getByRole('status', { name: 'Live updates' })).toHaveText('● live');
  await expect(page.getByTestId('alert-total')).toHaveText('40 alerts');
  // Strings, not functions: this project's types have no DOM.
  const scrollTop = (): Promise<number> => page.evaluate<number>("document.querySelector('[data-testid=alert-scroll]').scrollTop");
  await page.evaluate("document.querySelector('[data-testid=alert-scroll]').scrollTo({ top: 600 })");
  await expect.poll(scrollTop).toBe(600);

  await postAlert(request, { rule: `Arrived ${tag}` });
  await expect(page.getByRole('button', { name: '1 new' })).toBeVisible();
  expect(await scrollTop()).toBe(600);
  await page.getByRole('button', { name: '1 new' }).click();
  await expect(page.getByRole('row').filter({ hasText: `Arrived ${tag}` })).toBeVisible();
  expect(await scrollTop()).toBe(0);
});

test('filters narrow the table, live in the URL, survive a reload, and chips add filters', async ({ page, request }, testInfo) => {
  const tag = marker('filters');
  await postAlert(request, { rule: `Shell ${tag}`, priority: 'Critical', hostname: 'node-a' }, 'eu-e2e');
  await postAlert(request, { rule: `Shell ${tag}`, priority: 'Critical', hostname: 'node-b' }, 'eu-e2e');
  await postAlert(request, { rule: `Noise ${tag}`, priority: 'Notice', hostname: 'node-a' }, 'eu-e2e');

  await page.goto('events');
  await page.getByRole('searchbox', { name: 'Search' }).fill(tag);
  await expect(page).toHaveURL(new RegExp(`q=${tag}`));
  const rows = page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: tag });
  await expect(rows).toHaveCount(3);

  await page.getByRole('group', { name: 'Priority' }).getByRole('button', { name: 'Critical' }).click();
  await expect(page).toHaveURL(/priority=Critical/);
  await expect(rows).toHaveCount(2);

  // A chip in a row adds its value as a filter.
  await rows.filter({ hasText: 'node-b' }).getByRole('button', { name: 'node-b' }).click();
  await expect(page).toHaveURL(/hostname=node-b/);
  await expect(rows).toHaveCount(1);

  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(page.getByRole('searchbox', { name: 'Search' })).toHaveValue(tag);
  await expect(page.getByRole('group', { name: 'Priority' }).getByRole('button', { name: 'Critical' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('list', { name: 'Active filters' })).toContainText('Hostname: node-b');
  await keepScreenshot(page, testInfo, 'events-filtered');

  await page.getByRole('button', { name: 'Remove filter Hostname: node-b' }).click();
  await expect(rows).toHaveCount(2);

  // Field and value from the filter bar; a relative window; an absolute one.
  await page.getByLabel('Filter field').selectOption('rule');
  await page.getByLabel('Filter value').fill(`Noise ${tag}`);
  await page.getByRole('button', { name: 'Add filter' }).click();
  await expect(rows).toHaveCount(0);
  await page.getByRole('button', { name: 'Remove filter Priority: Critical' }).click();
  await expect(rows).toHaveCount(1);
  await page.getByLabel('Time range').selectOption('15m');
  await expect(page).toHaveURL(/since=15m/);
  await expect(rows).toHaveCount(1);
  await page.getByLabel('Time range').selectOption('custom');
  await page.getByLabel('To', { exact: true }).fill('2020-01-01T00:00');
  await expect(page).toHaveURL(/until=2020-01-01/);
  await expect(rows).toHaveCount(0);

  // Export carries the filter; the server streams every match.
  await page.getByRole('button', { name: 'Clear all' }).click();
  await page.getByRole('searchbox', { name: 'Search' }).fill(tag);
  await expect(page).toHaveURL(new RegExp(`q=${tag}`));
  await expect(rows).toHaveCount(3);
  const csvHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  expect(csvHref).toContain(`q=${tag}`);
  const csv = await (await request.get(csvHref ?? '')).text();
  expect(csv.trimEnd().split('\r\n')).toHaveLength(4);
  const jsonHref = await page.getByRole('link', { name: 'Export JSON' }).getAttribute('href');
  expect(((await (await request.get(jsonHref ?? '')).json()) as unknown[]).length).toBe(3);
});

test('a permalink opens the alert detail: every field, tags, the exact raw JSON and its copy', async ({ page, request, context }, testInfo) => {
  const tag = marker('detail');
  const rule = `Écriture sous /etc — ${tag} 日本語`;
  const posted = await request.post(`http://127.0.0.1:${process.env.E2E_COMPAT_PORT ?? 22801}/`, {
    headers: { 'content-type': 'application/json' },
    data: `{"time":"2026-11-23T08:00:00.987654321Z","rule":${JSON.stringify(rule)},"priority":"Error","source":"syscall","hostname":"nœud-1",
      "output":"Fichier ouvert en écriture (fichier=/etc/shadow utilisateur=root) ✓","output_fields":{"evt.time":1795435872123456789,"fd.name":"/etc/shadow","user.name":"root"},"tags":["filesystem","mitre_persistence"]}`,
  });
  expect(posted.status()).toBe(200);
  const uuid = await newestUuid(request, `rule=${encodeURIComponent(rule)}`);

  await page.goto(`events/${uuid}`);
  const drawer = page.getByRole('dialog', { name: rule });
  await expect(drawer).toBeVisible();
  await expect(drawer).toContainText('Fichier ouvert en écriture (fichier=/etc/shadow utilisateur=root) ✓');
  await expect(drawer).toContainText('nœud-1');
  const fields = drawer.getByRole('table', { name: 'Output fields' });
  await expect(fields.getByRole('row').filter({ hasText: 'fd.name' })).toContainText('/etc/shadow');
  await expect(fields.getByRole('row').filter({ hasText: 'evt.time' })).toContainText('1795435872123456789');
  await expect(drawer.getByRole('list', { name: 'Tags' })).toContainText('#mitre_persistence');
  const raw = drawer.getByTestId('raw-json');
  await expect(raw).toContainText('"evt.time": 1795435872123456789');
  await expect(raw).toContainText(`"uuid": "${uuid}"`);
  await keepScreenshot(page, testInfo, 'event-detail');

  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await drawer.getByRole('button', { name: 'Copy JSON' }).click();
  await expect(drawer.getByText('Copied')).toBeVisible();
  const copied = await page.evaluate<string>('navigator.clipboard.readText()');
  expect(JSON.parse(copied.replace('1795435872123456789', '0')) as { rule: string }).toMatchObject({ rule });
  expect(copied).toContain('1795435872123456789');

  // A reload of the permalink opens the same alert; closing goes back to the list.
  await page.reload();
  await expect(page.getByRole('dialog', { name: rule })).toBeVisible();
  await page.getByRole('button', { name: 'Close details' }).click();
  await expect(page).toHaveURL(/\/events$/);
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // Clicking a row opens the drawer and puts the alert in the URL, keeping the filter.
  await page.goto(`events?q=${tag}`);
  // On the time cell: the chips elsewhere in the row add filters instead.
  await page.getByRole('row').filter({ hasText: rule }).getByRole('cell').first().click();
  await expect(page).toHaveURL(new RegExp(`/events/${uuid}\\?q=`));
  await expect(page.getByRole('dialog', { name: rule })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('an audit alert shows the rule that fired', async ({ page, request }) => {
  const cluster = marker('audit');
  const event = readFileSync(join(__dirname, '../../fixtures/conformance/traces/create_nginx_pod_privileged.json'), 'utf8');
  const response = await request.post(`k8s-audit/${cluster}`, { headers: { 'content-type': 'application/json' }, data: event });
  expect(response.status()).toBe(200);
  const uuid = await newestUuid(request, `cluster=${cluster}&rule=${encodeURIComponent('Create Privileged Pod')}`);

  await page.goto(`events/${uuid}`);
  const drawer = page.getByRole('dialog', { name: 'Create Privileged Pod' });
  const fired = drawer.getByRole('region', { name: 'Rule that fired' });
  await expect(fired).toContainText('kevt and pod and kcreate');
  await expect(fired).toContainText('k8s_audit_rules.yaml');
});
