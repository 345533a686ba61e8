import { expect, type Page, test } from '@playwright/test';
import { adminPassword, subPathUrls, urls } from '../playwright.config';

/** A full-page screenshot kept in the test's output folder (a CI artefact) and attached to the report. */
async function attachScreenshot(page: Page, name: string): Promise<void> {
  const path = test.info().outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

test('the About page shows version, runtime and the effective config with its secrets masked', async ({ page }) => {
  await page.goto('about');
  await expect(page.getByRole('heading', { name: 'About', exact: true })).toBeVisible();
  await expect(page.getByTestId('about-version')).toHaveText(/^Peregrine \d+\.\d+\.\d+/);
  await expect(page.getByText(/^v\d+\.\d+\.\d+$/)).toBeVisible();
  await expect(page.getByRole('link', { name: 'Prometheus metrics' })).toHaveAttribute('href', 'metrics');
  await expect(page.getByRole('link', { name: 'API documentation' })).toHaveAttribute('href', 'api/docs');

  // The config tree: a plain setting as set by playwright.config.ts, and the admin password masked.
  const port = page.locator('[data-path="peregrine.port"]');
  await expect(port).toContainText(new URL(urls.main).port);
  await page.getByRole('searchbox', { name: 'Find a setting' }).fill('admin_password');
  const password = page.locator('[data-path="peregrine.auth.admin_password"]');
  await expect(password).toBeVisible();
  await expect(password.locator('.config-value.masked')).toHaveText(/^\*+$/);
  await expect(page.locator('[data-path="peregrine.port"]')).toHaveCount(0);
  expect(await page.content()).not.toContain(adminPassword);
  await page.getByRole('searchbox', { name: 'Find a setting' }).fill('');
  await attachScreenshot(page, 'about-page');

  await page.getByRole('link', { name: 'Prometheus metrics' }).click();
  await expect(page).toHaveURL(`${urls.main}/metrics`);
  await expect(page.locator('body')).toContainText('falcosecurity_falcosidekick_inputs_total');
});

test('under PEREGRINE_BASE_PATH the About page links stay under the sub-path', async ({ page }) => {
  await page.goto(`${subPathUrls.main}/peregrine/about`);
  await expect(page.getByTestId('about-version')).toHaveText(/^Peregrine /);
  await page.getByRole('link', { name: 'API documentation' }).click();
  await expect(page).toHaveURL(new RegExp(`^${subPathUrls.main}/peregrine/api/docs`));
  await page.goBack();
  await page.getByRole('link', { name: 'Prometheus metrics' }).click();
  await expect(page).toHaveURL(`${subPathUrls.main}/peregrine/metrics`);
  await expect(page.locator('body')).toContainText('falcosecurity_falcosidekick_inputs_total');
});

test.describe('on a phone, in the dark theme', () => {
  test.use({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });

  test('the About page and its config tree fit the screen', async ({ page }) => {
    await page.goto('about');
    await expect(page.locator('[data-path="peregrine.port"]')).toBeVisible();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await attachScreenshot(page, 'about-page-phone-dark');
  });
});
