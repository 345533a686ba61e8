import { createServer, type IncomingMessage, type Server } from 'node:http';
import { expect, type Page, test } from '@playwright/test';
import { subPathUrls, urls, webhookPort } from '../playwright.config';

/**
 * The receiver the product's webhook output points at (WEBHOOK_ADDRESS in playwright.config.ts):
 * a real HTTP server on a fixed loopback port, answering whatever status the test sets.
 */
class WebhookReceiver {
  status = 400;
  readonly received: Array<{ status: number; body: string }> = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      void readBody(request).then((body) => {
        this.received.push({ status: this.status, body });
        response.writeHead(this.status, { 'content-type': 'text/plain' }).end(this.status < 300 ? 'ok' : 'rejected by the e2e receiver');
      });
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Statuses the receiver gave to the deliveries of one rule, in order. */
  answersFor(rule: string): number[] {
    return this.received.filter((r) => r.body.includes(JSON.stringify(rule))).map((r) => r.status);
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A full-page screenshot kept in the test's output folder (a CI artefact) and attached to the report. */
async function attachScreenshot(page: Page, name: string): Promise<void> {
  const path = test.info().outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

let receiver: WebhookReceiver;

test.beforeAll(async () => {
  receiver = new WebhookReceiver();
  await receiver.listen(webhookPort);
});

test.afterAll(async () => {
  await receiver.close();
});

test('the Outputs page shows a failing webhook with its dead letter, and replaying it delivers', async ({ page, request }) => {
  // A 400 is fatal: no retry, the delivery becomes a dead letter at once.
  receiver.status = 400;
  const rule = `E2E outputs ${Date.now()}`;
  const posted = await request.post(`${urls.compat}/`, {
    headers: { 'content-type': 'application/json' },
    data: { time: new Date().toISOString(), rule, priority: 'Warning', source: 'syscall', hostname: 'node-out', output: `${rule} happened`, output_fields: { 'proc.name': 'curl' } },
  });
  expect(posted.status()).toBe(200);
  await expect.poll(() => receiver.answersFor(rule)).toEqual([400]);

  await page.goto('outputs');
  await expect(page.getByRole('heading', { name: 'Outputs', exact: true })).toBeVisible();
  const card = page.getByRole('article', { name: 'webhook' });
  await expect(card).toHaveAttribute('data-health', 'failing');
  await expect(card.getByTestId('output-health')).toHaveText('Failing');
  await expect(card.getByTestId('output-last-error')).toContainText('HTTP 400');
  await expect(figure(page, 'Dead letters')).not.toHaveText('0');
  await expect(card).toContainText('when: rule startswith "E2E outputs"');
  // The receiver's URL path is a secret as far as the server knows: masked before it leaves.
  await card.getByText('Settings (secrets masked)').click();
  await expect(card).toContainText(`http://127.0.0.1:${webhookPort}/[REDACTED]`);
  await expect(card).not.toContainText('e2e-webhook');
  await attachScreenshot(page, 'outputs-page-failing');

  receiver.status = 200;
  await card.getByRole('button', { name: 'Replay dead letters' }).click();
  await expect(card.getByTestId('output-replay-outcome')).toHaveText(/^Requeued [1-9]\d* dead letters?\.$/);
  await expect.poll(() => receiver.answersFor(rule)).toEqual([400, 200]);

  // The page refreshes by itself: healthy, nothing dead, the delivery counted.
  await expect(card).toHaveAttribute('data-health', 'healthy', { timeout: 15_000 });
  await expect(figure(page, 'Dead letters')).toHaveText('0');
  await expect(figure(page, 'Delivered')).not.toHaveText('0');
  await expect(card.getByTestId('output-last-success')).not.toHaveText('never');
  await expect(card.getByRole('button', { name: 'Replay dead letters' })).toBeDisabled();
  await attachScreenshot(page, 'outputs-page-replayed');
});

test.describe('adding an output', () => {
  test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

  test('with no output configured, the Outputs page shows a minimal example of each type, to copy as env variables or YAML', async ({ page }) => {
    // The sub-path server (playwright.config.ts) has no output.
    await page.goto(`${subPathUrls.main}/peregrine/outputs`);
    await expect(page.getByRole('heading', { name: 'Outputs', exact: true })).toBeVisible();
    await expect(page.getByTestId('outputs-summary')).toHaveText('0 outputs');
    await expect(page.getByRole('heading', { name: 'Add an output' })).toBeVisible();
    const types = page.getByRole('group', { name: 'Output types' });
    await expect(types.getByRole('button', { name: 'Slack', exact: true })).toHaveAttribute('aria-pressed', 'true');
    const env = page.getByRole('figure', { name: 'Environment variables' });
    const yaml = page.getByRole('figure', { name: 'YAML (config file)' });
    await expect(env.locator('pre')).toHaveText('SLACK_WEBHOOKURL=https://hooks.slack.com/services/XXX');
    await expect(yaml.locator('pre')).toHaveText('slack:\n  webhookurl: https://hooks.slack.com/services/XXX\n');
    await expect(page.getByText('SLACK_WEBHOOKURL is a secret')).toBeVisible();

    await types.getByRole('button', { name: 'AWS SQS', exact: true }).click();
    await expect(types.getByRole('button', { name: 'AWS SQS', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(env.locator('pre')).toHaveText('AWS_SQS_URL=https://sqs.us-east-1.amazonaws.com/123456789012/falco-alerts');
    await expect(yaml.locator('pre')).toHaveText('aws:\n  sqs:\n    url: https://sqs.us-east-1.amazonaws.com/123456789012/falco-alerts\n');
    await expect(page.getByText('packages/outputs/README.md#aws-sqs')).toBeVisible();

    await types.getByRole('button', { name: 'SMTP (e-mail)', exact: true }).click();
    await yaml.getByRole('button', { name: 'Copy YAML (config file)' }).click();
    await expect(yaml.getByRole('status')).toHaveText('Copied');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe('smtp:\n  hostport: smtp.example.com:587\n  from: falco@example.com\n  to: security@example.com\n');
    await env.getByRole('button', { name: 'Copy Environment variables' }).click();
    await expect(env.getByRole('status')).toHaveText('Copied');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe('SMTP_HOSTPORT=smtp.example.com:587\nSMTP_FROM=falco@example.com\nSMTP_TO=security@example.com');
    await attachScreenshot(page, 'outputs-page-none-configured');
  });

  test('with outputs configured, the same examples are folded under the cards', async ({ page }) => {
    await page.goto('outputs');
    await expect(page.getByRole('article', { name: 'webhook' })).toBeVisible();
    const fold = page.getByText('Add an output', { exact: true });
    await expect(page.getByRole('group', { name: 'Output types' })).toHaveCount(0);
    await fold.click();
    await page.getByRole('group', { name: 'Output types' }).getByRole('button', { name: 'Grafana Loki', exact: true }).click();
    await expect(page.getByRole('figure', { name: 'Environment variables' }).locator('pre')).toHaveText('LOKI_HOSTPORT=http://loki:3100');
  });
});

/** The value of one of the webhook card's figures (queue depth, delivered, dead letters, ...). */
function figure(page: Page, label: string) {
  return page.getByRole('article', { name: 'webhook' }).locator('.output-figure').filter({ has: page.getByText(label, { exact: true }) }).locator('dd');
}

test.describe('on a phone, in the dark theme', () => {
  test.use({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });

  test('the Outputs page fits the screen', async ({ page }) => {
    await page.goto('outputs');
    await expect(page.getByRole('article', { name: 'webhook' })).toBeVisible();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await attachScreenshot(page, 'outputs-page-phone-dark');
  });
});
