import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { rulesDir } from '../playwright.config';

// The product loads rules/k8s_audit_rules.yaml, then a temp copy of e2e/fixtures/rules (rulesDir,
// see playwright.config.ts); the first test adds a broken file there and takes it away again.

const BROKEN_FILE = join(rulesDir, 'zz_broken.yaml');
const BROKEN_RULE = `- rule: E2E broken rule
  desc: a misspelt field name
  condition: kevt and ka.verbb = create
  output: never shown
  priority: WARNING
  source: k8s_audit
`;
const FIXTURE_RULE = 'E2E ConfigMap read in peregrine-e2e';

/** A kube-apiserver audit event (audit.k8s.io/v1, stage ResponseComplete) as the webhook sends it. */
function auditEvent(fields: { auditID: string; verb: string; resource: string; subresource?: string; namespace: string; name: string; user: string }): object {
  const now = new Date().toISOString().replace('Z', '000Z');
  const path = `/namespaces/${fields.namespace}/${fields.resource}/${fields.name}${fields.subresource ? `/${fields.subresource}` : ''}`;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: fields.auditID,
    stage: 'ResponseComplete',
    requestURI: fields.resource === 'deployments' ? `/apis/apps/v1${path}` : `/api/v1${path}`,
    verb: fields.verb,
    user: { username: fields.user, groups: ['system:serviceaccounts', 'system:authenticated'] },
    sourceIPs: ['10.0.0.7'],
    objectRef: { resource: fields.resource, ...(fields.subresource ? { subresource: fields.subresource } : {}), namespace: fields.namespace, name: fields.name, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: now,
    stageTimestamp: now,
  };
}

/** A full-page screenshot kept in the test's output folder (a CI artefact) and attached to the report. */
async function attachScreenshot(page: Page, name: string): Promise<void> {
  const path = test.info().outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

test.afterAll(async ({ request }) => {
  // Leave the folder loadable for whatever runs next, whatever happened above.
  rmSync(BROKEN_FILE, { force: true });
  await request.post('api/v1/rules/reload');
});

test('the Rules page lists the rules in force; a broken rules file shows its error underlined, and the old rules keep running', async ({ page }) => {
  await page.goto('rules');
  await expect(page.getByRole('heading', { name: 'Rules', exact: true })).toBeVisible();
  const table = page.getByRole('table', { name: 'Rules' });
  const fixtureRow = table.getByRole('row').filter({ hasText: FIXTURE_RULE });
  await expect(fixtureRow).toBeVisible();
  await expect(fixtureRow).toContainText('k8s_audit');
  await expect(fixtureRow).toContainText('Notice');
  await expect(fixtureRow).toContainText('e2e');
  // The file's base name and line; the full path is the tooltip (it is the same folder on every row).
  await expect(fixtureRow.getByTitle(`${join(rulesDir, 'e2e_rules.yaml')}:4`, { exact: true })).toHaveText('e2e_rules.yaml:4');
  await expect(table.getByRole('row').filter({ hasText: 'Create Privileged Pod' })).toBeVisible();
  await expect(page.getByTestId('rules-load-state')).toHaveText('OK');

  await page.getByRole('searchbox', { name: 'Filter rules' }).fill('peregrine-e2e');
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(page.getByTestId('rules-count')).toHaveText(/^1 of \d+ rules$/);
  await page.getByRole('searchbox', { name: 'Filter rules' }).fill('');

  writeFileSync(BROKEN_FILE, BROKEN_RULE);
  await page.getByRole('button', { name: 'Reload rules' }).click();
  await expect(page.getByTestId('rules-reload-outcome')).toHaveText('Reload failed with 1 error; the previous rules keep running.');
  await expect(page.getByTestId('rules-load-state')).toHaveText('1 error');

  const problem = page.getByRole('list', { name: 'Load errors' }).getByRole('listitem');
  await expect(problem).toHaveCount(1);
  await expect(problem).toContainText('UNKNOWN_FIELD');
  await expect(problem).toContainText(`${BROKEN_FILE}:3:23`);
  await expect(problem).toContainText('nonexistent field ka.verbb');
  await expect(problem).toContainText('condition: kevt and ka.verbb = create');
  const underlined = problem.getByTestId('problem-span');
  await expect(underlined).toHaveText('ka.verbb');
  await expect(problem.locator('mark[data-testid="problem-span"]')).toHaveCount(1);
  await expect(underlined).toHaveCSS('text-decoration-line', 'underline');

  // The ruleset in force is still the one that loaded: the broken rule is not in it.
  await expect(fixtureRow).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: 'E2E broken rule' })).toHaveCount(0);
  await attachScreenshot(page, 'rules-page-broken-rule');

  rmSync(BROKEN_FILE);
  await page.getByRole('button', { name: 'Reload rules' }).click();
  await expect(page.getByTestId('rules-reload-outcome')).toHaveText(/^Reloaded: generation \d+, \d+ rules\.$/);
  await expect(page.getByTestId('rules-load-state')).toHaveText('OK');
  await expect(page.getByRole('list', { name: 'Load errors' })).toHaveCount(0);
});

test('the rule editor finds a match on a recent audit event, and underlines the errors of the text it tries', async ({ page }) => {
  const namespace = `shop-${Date.now()}`;
  const matchesBefore = await fixtureRuleMatches(page);
  const posted = await page.request.post('k8s-audit/e2e-cluster', {
    headers: { 'content-type': 'application/json' },
    data: {
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      items: [
        auditEvent({ auditID: `${namespace}-read`, verb: 'get', resource: 'configmaps', namespace: 'peregrine-e2e', name: 'settings', user: 'system:serviceaccount:peregrine-e2e:reader' }),
        auditEvent({ auditID: `${namespace}-scale`, verb: 'patch', resource: 'deployments', subresource: 'scale', namespace, name: 'web', user: 'system:serviceaccount:ci:deployer' }),
      ],
    },
  });
  expect(posted.status()).toBe(200);
  expect(await posted.json()).toEqual({ cluster: 'e2e-cluster', received: 2, alerts: 1 });

  await page.goto('rules');
  const fixtureRow = page.getByRole('table', { name: 'Rules' }).getByRole('row').filter({ hasText: FIXTURE_RULE });
  await expect(fixtureRow.getByRole('cell').last()).toHaveText(String(matchesBefore + 1));

  await page.getByRole('button', { name: 'Open the rule editor' }).click();
  const editor = page.getByRole('region', { name: 'Try a rule' });
  await expect(editor.getByLabel('Rules (YAML)')).toHaveValue(/- rule: Deployment scaled by hand/);
  const recent = editor.getByRole('table', { name: 'Recent audit events' }).getByRole('row').filter({ hasText: namespace });
  await expect(recent).toContainText('patch');
  await expect(recent).toContainText('deployments/scale');
  await expect(recent).toContainText(`${namespace}/web`);
  await expect(recent).toContainText('system:serviceaccount:ci:deployer');
  await expect(recent).toContainText('e2e-cluster');
  await recent.getByRole('button', { name: 'Use' }).click();
  await expect(editor.getByLabel('Audit event (JSON)')).toHaveValue(new RegExp(`"auditID": "${namespace}-scale"`));

  await editor.getByRole('button', { name: 'Test', exact: true }).click();
  const result = editor.getByRole('region', { name: 'Test result' });
  await expect(result).toContainText('1 alert');
  const alertRow = result.getByRole('table', { name: 'Test alerts' }).getByRole('row').filter({ hasText: 'Deployment scaled by hand' });
  await expect(alertRow).toContainText('Notice');
  await expect(alertRow).toContainText('this text');
  await expect(alertRow).toContainText(`Deployment scaled (user=system:serviceaccount:ci:deployer deployment=web ns=${namespace})`);
  await attachScreenshot(page, 'rules-editor-match');

  // A typo in the tried text comes back as a coded error with the bad span underlined.
  const rulesText = await editor.getByLabel('Rules (YAML)').inputValue();
  await editor.getByLabel('Rules (YAML)').fill(rulesText.replace('ka.target.subresource = scale', 'ka.target.subresourcee = scale'));
  await editor.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(result).toContainText('The rules do not load (1 error); the event was not evaluated.');
  await expect(result.getByRole('list', { name: 'Test errors' })).toContainText('UNKNOWN_FIELD');
  await expect(result.getByTestId('problem-span')).toHaveText('ka.target.subresourcee');
});

test('a rule unfolds across the whole table; the editor’s Test button is on screen with its text boxes at 1280×720', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('rules');
  const table = page.getByRole('table', { name: 'Rules' });
  const toggle = table.getByRole('button', { name: FIXTURE_RULE, exact: true });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const detail = page.locator(`[id="${await toggle.getAttribute('aria-controls')}"]`);
  await expect(detail).toContainText('Description');
  await expect(detail).toContainText('Condition');
  await expect(detail).toContainText('Output');
  await expect(detail).toContainText(`${join(rulesDir, 'e2e_rules.yaml')}:4`);
  // One cell over all the columns, as wide as the table, not squeezed into the Name column.
  await expect(detail.getByRole('cell')).toHaveAttribute('colspan', String(await table.getByRole('columnheader').count()));
  const tableBox = await table.boundingBox();
  const detailBox = await detail.getByRole('cell').boundingBox();
  expect(detailBox?.width).toBeGreaterThan((tableBox?.width ?? 0) * 0.95);
  await expect(detail.locator('pre').first()).toHaveCSS('white-space', 'pre-wrap');
  await toggle.click();
  await expect(detail).toHaveCount(0);

  await page.getByRole('button', { name: 'Open the rule editor' }).click();
  const editor = page.getByRole('region', { name: 'Try a rule' });
  await expect(editor.getByLabel('Rules (YAML)')).toBeInViewport();
  await expect(editor.getByLabel('Audit event (JSON)')).toBeInViewport();
  await expect(editor.getByRole('button', { name: 'Test', exact: true })).toBeInViewport();
  await attachScreenshot(page, 'rules-editor-1280x720');
});

async function fixtureRuleMatches(page: Page): Promise<number> {
  const response = await page.request.get('api/v1/rules');
  expect(response.status()).toBe(200);
  const { rules } = (await response.json()) as { rules: Array<{ name: string; matches: number }> };
  const rule = rules.find((candidate) => candidate.name === FIXTURE_RULE);
  if (!rule) throw new Error(`${FIXTURE_RULE} is not loaded: is PEREGRINE_RULES_FILES set by playwright.config.ts?`);
  return rule.matches;
}

test.describe('on a phone, in the dark theme', () => {
  test.use({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });

  test('the Rules page and its editor fit the screen; the rules table scrolls inside its frame', async ({ page }) => {
    await page.goto('rules');
    await expect(page.getByRole('table', { name: 'Rules' })).toBeVisible();
    await page.getByRole('button', { name: 'Open the rule editor' }).click();
    await expect(page.getByLabel('Rules (YAML)')).toBeVisible();
    // Nothing wider than the screen: no sideways scrolling of the page itself.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await attachScreenshot(page, 'rules-page-phone-dark');
  });
});
