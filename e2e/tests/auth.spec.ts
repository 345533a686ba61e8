import { expect, test } from '@playwright/test';
import { adminPassword } from '../playwright.config';

// Signed out: these tests start without the cookies global-setup saved for the others.
test.use({ storageState: { cookies: [], origins: [] } });

test('the dashboard asks for sign-in, and a wrong password says so', async ({ page }) => {
  await page.goto('/');
  const form = page.getByRole('form', { name: 'Sign in to Peregrine' });
  await expect(form).toBeVisible();
  await form.getByLabel('Username').fill('admin');
  await form.getByLabel('Password').fill('not-the-password');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(form).toBeVisible();
  expect((await page.request.get('api/v1/alerts')).status()).toBe(401);
});

test('the right password opens the dashboard; signing out closes it again', async ({ page }) => {
  await page.goto('/');
  const form = page.getByRole('form', { name: 'Sign in to Peregrine' });
  await form.getByLabel('Password').fill(adminPassword);
  await form.getByRole('button', { name: 'Sign in' }).click();

  await expect(page.getByRole('heading', { name: 'Peregrine', exact: true })).toBeVisible();
  await expect(form).toHaveCount(0);
  expect((await page.request.get('api/v1/alerts?limit=1')).status()).toBe(200);
  const cookie = (await page.context().cookies()).find((c) => c.name === 'peregrine_session');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Lax');

  // Still signed in after a reload: the session is the cookie, not page state.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('form', { name: 'Sign in to Peregrine' })).toBeVisible();
  expect((await page.request.get('api/v1/alerts?limit=1')).status()).toBe(401);
});
