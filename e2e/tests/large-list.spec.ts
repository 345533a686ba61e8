import { expect, test } from '@playwright/test';
import { keepScreenshot, marker } from './support/dashboard';

// On the sub-path instance (its own store), so 10 000 alerts do not crowd the other tests' views.
const main = `http://127.0.0.1:${Number(process.env.E2E_MAIN_PORT ?? 22802) + 10}/peregrine`;
const compat = `http://127.0.0.1:${Number(process.env.E2E_COMPAT_PORT ?? 22801) + 10}`;
const COUNT = 10_000;
// Concurrent posts: the store commits them in groups (one fsync per group).
const BATCH = 500;

test('10 000 alerts page in as the list scrolls, with only the visible rows in the DOM', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const tag = marker('bulk');
  const started = Date.now();
  for (let batch = 0; batch < COUNT; batch += BATCH) {
    await Promise.all(
      Array.from({ length: BATCH }, (_, i) =>
        // Node's own fetch: Playwright's request client relays each call through its driver.
        fetch(`${compat}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ time: new Date(started - (batch + i) * 1000).toISOString(), rule: `Bulk ${batch + i} ${tag}`, priority: 'Notice', output: `bulk alert ${batch + i}`, output_fields: { 'proc.name': 'sh', n: batch + i } }),
        }).then((response) => expect(response.status).toBe(200)),
      ),
    );
  }
  testInfo.annotations.push({ type: 'ingest of 10 000 alerts (s)', description: ((Date.now() - started) / 1000).toFixed(1) });

  await page.goto(`${main}/events?q=${tag}`);
  await expect(page.getByTestId('alert-total')).toHaveText('10,000 alerts');
  const table = page.getByRole('table', { name: 'Alerts' });
  const end = page.getByText('End of the list.');
  const scrollToEnd = "(() => { const s = document.querySelector('[data-testid=alert-scroll]'); s.scrollTop = s.scrollHeight; })()";
  const loadStarted = Date.now();
  for (let i = 0; i < 100 && !(await end.isVisible()); i++) {
    await page.evaluate(scrollToEnd);
    await page.waitForTimeout(100);
  }
  await expect(end).toBeVisible();
  // The last page made the list longer: to its very end once more.
  await page.evaluate(scrollToEnd);
  testInfo.annotations.push({ type: 'scrolled to the 10 000th row (s)', description: ((Date.now() - loadStarted) / 1000).toFixed(1) });
  await expect(table).toHaveAttribute('aria-rowcount', String(COUNT + 1));
  // The oldest alert is the last row; the newest is long gone from the DOM.
  await expect(table.locator(`[role=row][aria-rowindex="${COUNT + 1}"]`)).toBeVisible();
  await expect(table.locator('[role=row][aria-rowindex="2"]')).toHaveCount(0);
  // Virtualised: a screenful of rows (plus overscan) in the DOM, not 10 000.
  expect(await table.getByRole('row').count()).toBeLessThan(80);

  // Smoothness is measured, not asserted: frame intervals while scrolling through the whole list.
  const frames = await page.evaluate<number[]>(`new Promise((resolve) => {
    const s = document.querySelector('[data-testid=alert-scroll]');
    const times = [];
    let last = performance.now();
    const step = () => {
      const now = performance.now();
      times.push(now - last);
      last = now;
      s.scrollTop -= 1500;
      if (s.scrollTop > 0 && times.length < 600) requestAnimationFrame(step); else resolve(times);
    };
    requestAnimationFrame(step);
  })`);
  const sorted = [...frames].sort((a, b) => a - b);
  const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
  testInfo.annotations.push({ type: 'scroll frames (count, median ms, p95 ms)', description: `${frames.length}, ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1)}, ${p95.toFixed(1)}` });
  await expect(table.locator('[role=row][aria-rowindex="2"]')).toBeVisible();
  await keepScreenshot(page, testInfo, 'events-10000');
});
