import { request } from '@playwright/test';
import { adminPassword, storageStatePath, subPathUrls, urls } from './playwright.config';

/**
 * Signs in once on each started Peregrine (root and sub-path) and saves the cookies, so every
 * test starts signed in; `tests/auth.spec.ts` starts from an empty state instead.
 */
export default async function globalSetup(): Promise<void> {
  const context = await request.newContext();
  try {
    for (const base of [urls.main, `${subPathUrls.main}/peregrine`]) {
      const response = await context.post(`${base}/api/v1/auth/login`, { data: { username: 'admin', password: adminPassword } });
      if (response.status() !== 204) throw new Error(`e2e sign-in at ${base} failed: ${response.status()} ${await response.text()}`);
    }
    await context.storageState({ path: storageStatePath });
  } finally {
    await context.dispose();
  }
}
