import { expect, type Locator, type Page, test } from '@playwright/test';
import { subPathUrls } from '../playwright.config';
import { keepScreenshot, type FalcoAlertBody, postAlert } from './support/dashboard';

/**
 * A picture of every page of the dashboard, in both themes, on a laptop and on a phone, kept in
 * e2e/test-results/screenshots/<page>-<theme>-<width>.png for a look after the run. Each one is
 * taken once the page shows its content (not a spinner) and checked: its heading is there, the
 * theme applied, no error is shown, and on the phone nothing makes the page scroll sideways.
 */

interface PageShot {
  /** File name part. */
  readonly name: string;
  /** Its link in the navigation (the route registry, apps/ui/src/app/routes.tsx, builds it). */
  readonly nav: string;
  readonly path: string;
  readonly heading: string;
  /** Something only the loaded page shows. */
  readonly ready: (page: Page) => Locator;
  /** What a reader would do before looking (unfold a rule). */
  readonly prepare?: (page: Page) => Promise<void>;
}

/** Long names and values, as real clusters have, so the pictures show how the pages cope with them. */
const LONG_HOST = 'ip-10-42-183-201.eu-west-1.compute.internal';
const SEEDED: readonly FalcoAlertBody[] = [
  {
    rule: 'Terminal shell in container',
    priority: 'Notice',
    hostname: LONG_HOST,
    tags: ['container', 'shell', 'mitre_execution', 'T1059'],
    output:
      'A shell was spawned in a container with an attached terminal (user=root k8s.ns=payments-production-eu-west-1 k8s.pod=checkout-api-7f9c8b6d5-x2k4q shell=bash parent=runc cmdline=bash -c "curl -sSL https://internal-artifacts.example.com/tools/debug-toolkit-v2.14.3.tar.gz | tar xz -C /tmp/debug" image=registry.example.com/platform/payments/checkout-api:2024.11.07-rc3)',
    output_fields: {
      'k8s.ns.name': 'payments-production-eu-west-1',
      'k8s.pod.name': 'checkout-api-7f9c8b6d5-x2k4q',
      'proc.cmdline': 'bash -c "curl -sSL https://internal-artifacts.example.com/tools/debug-toolkit-v2.14.3.tar.gz | tar xz -C /tmp/debug"',
      'container.image.repository': 'registry.example.com/platform/payments/checkout-api',
      'user.name': 'root',
    },
  },
  {
    rule: 'Read sensitive file untrusted',
    priority: 'Critical',
    hostname: 'gke-observability-pool-highmem-8-3f9a7c21-wq7z',
    tags: ['filesystem', 'mitre_credential_access'],
    output: 'Sensitive file opened for reading by non-trusted program (file=/etc/shadow program=python3 cmdline=python3 /opt/app/scripts/export_all_customer_records_to_partner_sftp.py --since=2024-01-01)',
    output_fields: { 'fd.name': '/etc/shadow', 'proc.name': 'python3', 'k8s.ns.name': 'data-platform-batch-jobs', 'k8s.pod.name': 'nightly-export-28745310-5hq9d' },
  },
  {
    rule: 'Write below etc',
    priority: 'Error',
    hostname: 'aks-systempool-41872653-vmss00000b',
    tags: ['filesystem', 'mitre_persistence'],
    output: 'File below /etc opened for writing (user=root command=sed -i s/PermitRootLogin no/PermitRootLogin yes/ /etc/ssh/sshd_config file=/etc/ssh/sshd_config)',
    output_fields: { 'fd.name': '/etc/ssh/sshd_config', 'proc.name': 'sed', 'k8s.ns.name': 'kube-system' },
  },
  {
    rule: 'Create Privileged Pod',
    priority: 'Warning',
    source: 'k8s_audit',
    hostname: 'k8s-audit-production-eu-west-1',
    tags: ['k8s', 'mitre_privilege_escalation'],
    output: 'Pod started with privileged container (user=system:serviceaccount:ci-runners:gitlab-runner-privileged-builds pod=buildkitd-rootful-6c9f8d7b54-qz8lm ns=ci-runners images=moby/buildkit:v0.16.0-rootful)',
    output_fields: { 'ka.user.name': 'system:serviceaccount:ci-runners:gitlab-runner-privileged-builds', 'ka.target.namespace': 'ci-runners', 'k8s.ns.name': 'ci-runners' },
  },
  {
    rule: 'Outbound connection to C2 server',
    priority: 'Alert',
    hostname: LONG_HOST,
    tags: ['network', 'mitre_command_and_control'],
    output: 'Outbound connection to a known command-and-control address (connection=10.42.183.201:51744->203.0.113.77:4444 proc=kworkerd container=payments-worker-5d8f6c9b7-7xkq2)',
    output_fields: { 'fd.name': '10.42.183.201:51744->203.0.113.77:4444', 'proc.name': 'kworkerd', 'k8s.ns.name': 'payments-production-eu-west-1' },
  },
  {
    rule: 'Launch Package Management Process in Container',
    priority: 'Informational',
    hostname: 'worker-node-07.bare-metal.dc2.example.com',
    tags: ['process', 'software_mgmt'],
    output: 'Package management process launched in container (user=root command=apt-get install -y netcat-openbsd nmap tcpdump container_id=9c1e7b4d3f2a)',
    output_fields: { 'proc.name': 'apt-get', 'k8s.ns.name': 'default' },
  },
];

const PAGES: readonly PageShot[] = [
  { name: 'overview', nav: 'Overview', path: './', heading: 'Overview', ready: (page) => page.getByRole('img', { name: 'Timeline by priority' }) },
  {
    name: 'events',
    nav: 'Events',
    path: 'events',
    heading: 'Events',
    // The newest seeded alert: the top row. (The table renders only the rows on screen, and
    // earlier specs' alerts may sit between the seeded ones.)
    ready: (page) => page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: 'Terminal shell in container' }).filter({ hasText: LONG_HOST }),
  },
  {
    name: 'rules',
    nav: 'Rules',
    path: 'rules',
    heading: 'Rules',
    ready: (page) => page.getByRole('table', { name: 'Rules' }).getByRole('row').filter({ hasText: 'Create Privileged Pod' }),
    prepare: async (page) => {
      // One rule unfolded: its description, condition and output across the table.
      await page.getByRole('table', { name: 'Rules' }).getByRole('button', { name: 'Create Privileged Pod', exact: true }).click();
      await expect(page.getByRole('table', { name: 'Rules' }).getByText('Condition', { exact: true })).toBeVisible();
    },
  },
  { name: 'outputs', nav: 'Outputs', path: 'outputs', heading: 'Outputs', ready: (page) => page.getByRole('article', { name: 'webhook' }) },
  { name: 'about', nav: 'About', path: 'about', heading: 'About', ready: (page) => page.locator('[data-path="peregrine.port"]') },
];

const THEMES = [
  { theme: 'light', background: 'rgb(247, 248, 250)' },
  { theme: 'dark', background: 'rgb(17, 20, 24)' },
] as const;
const VIEWPORTS = [
  { width: 1280, height: 720 },
  { width: 390, height: 844 },
] as const;

/** Elements reaching past the right edge that nothing clips, described for the failure message. */
const OVERFLOWING = `(() => {
  const width = window.innerWidth;
  const clipped = (el) => { for (let p = el.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o !== 'visible') return true; } return false; };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1 || clipped(el)) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    out.push(name + ' right=' + Math.round(box.right) + ' "' + (el.textContent || '').trim().slice(0, 40) + '"');
  }
  return out.slice(0, 8);
})()`;

/** Boxes whose content is wider than they are (they scroll or clip sideways), described. */
const SCROLLED_SIDEWAYS = `(() => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const overflow = getComputedStyle(el).overflowX;
    if ((overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
      out.push(el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
    }
  }
  return out;
})()`;

/** What every picture must show: its heading, the theme asked for, no error; on a phone, no sideways scrolling. */
async function checkPage(page: Page, heading: Locator, background: string, width: number): Promise<void> {
  await expect(heading).toBeVisible();
  await expect(page.getByText(/^Loading/)).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor')).toBe(background);
  const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
  const innerWidth = await page.evaluate<number>('window.innerWidth');
  expect(innerWidth).toBe(width);
  if (scrollWidth > innerWidth) {
    const culprits = await page.evaluate<string[]>(OVERFLOWING);
    expect(scrollWidth, `the page scrolls sideways (${scrollWidth} px > ${innerWidth} px); past the edge: ${culprits.join(' | ')}`).toBeLessThanOrEqual(innerWidth);
  }
  // Nor does any box inside it: what a scrolling frame hides past its edge is cut all the same.
  const scrolledFrames = await page.evaluate<string[]>(SCROLLED_SIDEWAYS);
  expect(scrolledFrames, 'boxes that scroll sideways').toEqual([]);
}

test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext();
  try {
    // Seconds apart, so that they are the newest alerts of the run (earlier specs post many
    // stamped "now") and all sit on the Events page's first screen.
    const seededAt = Date.now();
    for (const [i, alert] of SEEDED.entries()) await postAlert(request, { ...alert, time: new Date(seededAt - i * 20_000).toISOString() });
  } finally {
    await request.dispose();
  }
});

test('the pictures cover every page of the navigation', async ({ page }) => {
  await page.goto('./');
  const links = page.getByRole('navigation', { name: 'Pages' }).getByRole('link');
  await expect(links.first()).toBeVisible();
  expect(await links.allTextContents()).toEqual(PAGES.map((shot) => shot.nav));
});

for (const { theme, background } of THEMES) {
  for (const viewport of VIEWPORTS) {
    test.describe(`${theme} theme, ${viewport.width}×${viewport.height}`, () => {
      test.use({ colorScheme: theme, viewport });

      for (const shot of PAGES) {
        test(`${shot.name}`, async ({ page }, testInfo) => {
          await page.goto(shot.path);
          await expect(shot.ready(page).first()).toBeVisible();
          await shot.prepare?.(page);
          await checkPage(page, page.getByRole('heading', { name: shot.heading, exact: true, level: 2 }), background, viewport.width);
          await keepScreenshot(page, testInfo, `${shot.name}-${theme}-${viewport.width}`, { fullPage: true });
        });
      }

      test('outputs, none configured', async ({ page }, testInfo) => {
        // The sub-path server has no output: the page shows how to add one.
        await page.goto(`${subPathUrls.main}/peregrine/outputs`);
        await expect(page.getByRole('figure', { name: 'Environment variables' })).toContainText('SLACK_WEBHOOKURL=https://hooks.slack.com/services/XXX');
        await checkPage(page, page.getByRole('heading', { name: 'Outputs', exact: true, level: 2 }), background, viewport.width);
        await keepScreenshot(page, testInfo, `outputs-empty-${theme}-${viewport.width}`, { fullPage: true });
      });

      test.describe('signed out', () => {
        test.use({ storageState: { cookies: [], origins: [] } });

        test('sign-in', async ({ page }, testInfo) => {
          await page.goto('./');
          await expect(page.getByRole('form', { name: 'Sign in to Peregrine' })).toBeVisible();
          await checkPage(page, page.getByRole('heading', { name: 'Sign in to Peregrine', level: 1 }), background, viewport.width);
          await keepScreenshot(page, testInfo, `signin-${theme}-${viewport.width}`, { fullPage: true });
        });
      });
    });
  }
}
