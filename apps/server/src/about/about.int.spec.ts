import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestServer, type TestServer } from '../testing/test-server';
import type { About } from './about.service';

const SECRETS = {
  slack: 'T0AAAAAAA/B0BBBBBBB/slackS3cretToken',
  admin: 'about-admin-S3cret',
  database: 'dbS3cretPassword',
  webhookHeader: 'Bearer webhookS3cret',
};

describe('GET /api/v1/about', () => {
  let server: TestServer;
  let cookie: string;

  beforeAll(async () => {
    server = await startTestServer({
      PEREGRINE_AUTH_ENABLED: 'true',
      PEREGRINE_ADMIN_PASSWORD: SECRETS.admin,
      SLACK_WEBHOOKURL: `https://hooks.slack.com/services/${SECRETS.slack}`,
      WEBHOOK_ADDRESS: 'http://127.0.0.1:9/hook',
      WEBHOOK_CUSTOMHEADERS: `Authorization:${SECRETS.webhookHeader}`,
      // Not used with SQLite, but set: it must be masked all the same.
      PEREGRINE_DB_URL: `postgres://peregrine:${SECRETS.database}@db.example/peregrine`,
    });
    cookie = await signIn(server.mainUrl, SECRETS.admin);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers the version, Node.js, start time, the configuration and links relative to the base path', async () => {
    const response = await fetch(`${server.mainUrl}/api/v1/about`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const about = (await response.json()) as About;
    expect(about.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(about.node).toBe(process.version);
    expect(Date.parse(about.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(about.links).toEqual({ metrics: 'metrics', apiDocs: 'api/docs' });
    expect(about.config.peregrine.auth.enabled).toBe(true);
    expect(about.config.outputs['slack']?.type).toBe('slack');
  });

  it('shows no secret value: admin password, Slack webhook, webhook headers, database URL are masked', async () => {
    const text = await (await fetch(`${server.mainUrl}/api/v1/about`, { headers: { cookie } })).text();
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain('webhookS3cret');
    const about = JSON.parse(text) as About;
    expect(about.config.peregrine.auth.admin_password).toBe('********');
    expect(about.config.peregrine.db.url).toBe('********');
    expect(about.config.outputs['slack']?.config['webhookurl']).toBe('https://hooks.slack.com/[REDACTED]');
  });

  it('needs a session', async () => {
    expect((await fetch(`${server.mainUrl}/api/v1/about`)).status).toBe(401);
  });

  it('never writes the admin password to the log', () => {
    expect(JSON.stringify(server.logLines())).not.toContain(SECRETS.admin);
  });
});
