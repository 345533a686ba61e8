import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { markedAlert, type Product, sleep, startPeregrine, stopChild } from '../testing/product';

/*
 * Issue #16, rows 4 and 12, against the BUILT product (`peregrine serve`, a child process, so the
 * test's own clients do not share its event loop): a storm of wrong sign-ins from ten client
 * addresses while a Falco sender posts alerts, and the admin signing in from an address someone
 * else just exhausted. Client sockets are bound to 127.0.0.x (all of 127/8 is loopback on
 * Linux), so the server sees ten different addresses. Build first (`npm run build`).
 */

const PASSWORD = 'the-admin-password-of-this-test';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection from `localAddress`. */
function send(url: string, options: { method: string; localAddress: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method, localAddress: options.localAddress, agent: false, headers: { ...options.headers, ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

function signIn(product: Product, from: string, password: string, cookie?: string): Promise<Reply> {
  return send(`${product.mainUrl}/api/v1/auth/login`, {
    method: 'POST',
    localAddress: from,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ username: 'admin', password }),
  });
}

/** The `name=value` of a Set-Cookie for `name`. */
function cookieOf(reply: Reply, name: string): string | undefined {
  const setCookie = reply.headers['set-cookie'] ?? [];
  return (Array.isArray(setCookie) ? setCookie : [setCookie]).map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith(`${name}=`));
}

/**
 * One Falco node's http_output: posts alerts one at a time (keep-alive) until `stop()`,
 * recording each answer's latency.
 */
function serialSender(product: Product): { stop: () => Promise<{ latenciesMs: number[]; notOk: number }> } {
  const latenciesMs: number[] = [];
  let notOk = 0;
  let running = true;
  const loop = (async () => {
    for (let n = 0; running; n++) {
      const started = performance.now();
      const response = await fetch(`${product.compatUrl}/`, { method: 'POST', body: markedAlert(`storm${n}`), headers: { 'content-type': 'application/json' } });
      await response.arrayBuffer();
      latenciesMs.push(performance.now() - started);
      if (response.status !== 200) notOk++;
      // A real node sends as its events come; a short pause keeps the sample even over time.
      await sleep(2);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { latenciesMs, notOk };
    },
  };
}

/** Why each sign-in was refused, by its code and message. */
function tallyReasons(replies: readonly Reply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const reply of replies) {
    const { code, message } = JSON.parse(reply.body) as { code: string; message: string };
    const reason = code === 'INVALID_CREDENTIALS' ? 'wrong password' : code === 'TOO_MANY_ATTEMPTS' ? (message.includes('in progress') ? 'hashing queue full' : 'address over its budget') : code;
    counts[reason] = (counts[reason] ?? 0) + 1;
  }
  return counts;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** The figures measured; written as JSON to $PEREGRINE_SIGNIN_STORM_REPORT if set. */
const reports: Record<string, unknown> = {};
afterAll(() => {
  const file = process.env['PEREGRINE_SIGNIN_STORM_REPORT'];
  if (file) writeFileSync(file, JSON.stringify(reports, null, 2));
});

describe('sign-in under attack (built product)', () => {
  let product: Product | undefined;
  let dataDir: string | undefined;

  /** A fresh product on a store of its own (failed sign-ins are kept in the store). */
  const start = async (): Promise<Product> => {
    dataDir = mkdtempSync(join(tmpdir(), 'peregrine-signin-'));
    product = await startPeregrine({ PEREGRINE_DB_PATH: join(dataDir, 'peregrine.db'), PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: PASSWORD });
    return product;
  };

  afterEach(async () => {
    if (product) await stopChild(product.child);
    product = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it('60 simultaneous wrong sign-ins from 10 addresses: 429s from the per-address budget and the hashing cap, while ingest on 2801 does not stall', async () => {
    const running = await start();
    const addresses = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 2}`);

    // The sender's latency before the storm: what this machine gives anyway.
    const calm = serialSender(running);
    await sleep(1_000);
    const baseline = await calm.stop();

    const sender = serialSender(running);
    await sleep(200);
    const stormStarted = performance.now();
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(running, addresses[i % addresses.length] as string, `wrong-guess-${i}`).then((reply) => ({ reply, from: addresses[i % addresses.length] as string }))));
    const stormMs = performance.now() - stormStarted;
    // And a little after the last answer (the hashing thread may still be finishing).
    await sleep(300);
    const during = await sender.stop();

    const byStatus: Record<number, number> = {};
    for (const { reply } of replies) byStatus[reply.status] = (byStatus[reply.status] ?? 0) + 1;
    const byReason = tallyReasons(replies.map(({ reply }) => reply));
    // Nobody got in; every refusal is coded; 429s carry Retry-After.
    expect(Object.keys(byStatus).map(Number).sort(), JSON.stringify(byReason) + replies.slice(0, 3).map((r) => r.reply.body).join()).toEqual([401, 429]);
    for (const { reply } of replies) {
      const code = (JSON.parse(reply.body) as { code: string }).code;
      expect(code).toBe(reply.status === 401 ? 'INVALID_CREDENTIALS' : 'TOO_MANY_ATTEMPTS');
      if (reply.status === 429) expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // No address had more than its budget (5 failures a minute) of passwords actually checked.
    const checkedPerAddress = new Map<string, number>();
    for (const { reply, from } of replies) if (reply.status === 401) checkedPerAddress.set(from, (checkedPerAddress.get(from) ?? 0) + 1);
    for (const [from, checked] of checkedPerAddress) expect(checked, `passwords checked for ${from}`).toBeLessThanOrEqual(5);
    // The hashing thread takes one at a time and 32 waiting: the rest are refused at once.
    expect(byReason['hashing queue full'] ?? 0).toBeGreaterThan(0);
    // Every attempt counted from its start: each address is now over its budget.
    const after = await Promise.all(addresses.map((from) => signIn(running, from, PASSWORD)));
    expect(after.map((reply) => reply.status)).toEqual(addresses.map(() => 429));
    expect(tallyReasons(after)).toEqual({ 'address over its budget': addresses.length });

    // Simultaneous guesses from one address: no more than its budget are checked.
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn(running, '127.0.0.13', `burst-${i}`)));
    const burstReasons = tallyReasons(burst);
    expect(burstReasons['wrong password'] ?? 0).toBeLessThanOrEqual(5);
    expect(burstReasons['address over its budget'] ?? 0).toBeGreaterThanOrEqual(7);

    // Ingest kept answering: every alert acknowledged, none waiting on the hashing.
    expect(during.notOk).toBe(0);
    expect(during.latenciesMs.length).toBeGreaterThan(20);
    const worstMs = Math.max(...during.latenciesMs);
    reports['row4'] = {
      signIns: 60,
      addresses: addresses.length,
      answers: byStatus,
      reasons: byReason,
      burstFromOneAddress: burstReasons,
      checkedPerAddress: Object.fromEntries(checkedPerAddress),
      stormMs: Math.round(stormMs),
      alertsDuringStorm: during.latenciesMs.length,
      ingestWorstMs: Math.round(worstMs * 10) / 10,
      ingestP99Ms: Math.round(percentile(during.latenciesMs, 99) * 10) / 10,
      ingestMedianMs: Math.round(percentile(during.latenciesMs, 50) * 10) / 10,
      baselineWorstMs: Math.round(Math.max(...baseline.latenciesMs) * 10) / 10,
    };
    // The issue saw 0.8–14 s; a generous bound for a loaded 2-core machine, not a benchmark.
    expect(worstMs, JSON.stringify(reports['row4'])).toBeLessThan(500);
  }, 60_000);

  it('five wrong passwords from one address do not lock out the admin signing in from that address in a browser that signed in before', async () => {
    const running = await start();
    const office = '127.0.0.12';

    // The admin's browser signed in before (from this office address): it holds the device cookie.
    const earlier = await signIn(running, office, PASSWORD);
    expect(earlier.status).toBe(204);
    const device = cookieOf(earlier, 'peregrine_device');
    expect(device).toBeDefined();

    // Someone else behind the same address guesses five times, then is refused.
    for (let i = 0; i < 5; i++) expect((await signIn(running, office, `guess-${i}`)).status).toBe(401);
    const refused = await signIn(running, office, PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // The admin, same address, their browser: signed in.
    const admin = await signIn(running, office, PASSWORD, device);
    expect(admin.status, admin.body).toBe(204);
    const session = cookieOf(admin, 'peregrine_session');
    expect(session).toBeDefined();
    const me = await send(`${running.mainUrl}/api/v1/auth/me`, { method: 'GET', localAddress: office, headers: { cookie: session as string } });
    expect(JSON.parse(me.body)).toEqual({ username: 'admin', authEnabled: true });
    // Without the cookie the address stays refused.
    expect((await signIn(running, office, PASSWORD)).status).toBe(429);
  }, 60_000);
});
