import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsMaterial } from './http';
import { createSender } from './output';
import { fixedClock, referenceAlert } from './testing/alerts';
import { instanceFrom } from './testing/instances';

/**
 * checkcert / mutualtls as falcosidekick defines them, against real TLS servers with
 * certificates made by openssl for this run: a CA, a server certificate for 127.0.0.1, a client
 * certificate.
 */

const dir = mkdtempSync(join(tmpdir(), 'peregrine-tls-'));
const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
const pem = (name: string): string => readFileSync(join(dir, name), 'utf8');

let ca = '';
let client: TlsMaterial = {};
const servers: Server[] = [];

async function start(options: { mutual: boolean }): Promise<string> {
  const server = createServer(
    { key: pem('server.key'), cert: pem('server.crt'), ...(options.mutual ? { requestCert: true, rejectUnauthorized: true, ca } : {}) },
    (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    },
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

beforeAll(() => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=peregrine-test-ca', '-days', '1');
  for (const [name, cn, ext] of [
    ['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1'],
    ['client', 'peregrine', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  }
  ca = pem('ca.crt');
  client = { ca, cert: pem('client.crt'), key: pem('client.key') };
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function send(url: string, section: Record<string, unknown>, tls?: TlsMaterial): Promise<unknown> {
  const sender = createSender(instanceFrom('webhook', { address: url, timeout: '3s', ...section }), { clock: fixedClock, ...(tls ? { tls } : {}) });
  try {
    return await sender.send([referenceAlert()]);
  } finally {
    await sender.close();
  }
}

describe('TLS', () => {
  it('checkcert (default true) refuses a certificate it cannot verify: retry, the reason says TLS', async () => {
    const url = await start({ mutual: false });
    expect(await send(url, {})).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/^TLS failure/) as unknown });
  });

  it('verifies with an extra CA (tlsclient.cacertfile), or skips verification with checkcert: false', async () => {
    const url = await start({ mutual: false });
    expect(await send(url, {}, { ca })).toEqual({ kind: 'ok', status: 200 });
    expect(await send(url, { checkcert: false })).toEqual({ kind: 'ok', status: 200 });
  });

  it('mutualtls presents the client certificate; without it the server refuses', async () => {
    const url = await start({ mutual: true });
    expect(await send(url, { mutualtls: true }, client)).toEqual({ kind: 'ok', status: 200 });
    expect(await send(url, { checkcert: false })).toMatchObject({ kind: 'retryable' });
  });

  it('with mutualtls the server is always verified, whatever checkcert says (falcosidekick)', async () => {
    const url = await start({ mutual: true });
    expect(await send(url, { mutualtls: true, checkcert: false }, { cert: client.cert!, key: client.key! })).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/^TLS failure/) as unknown });
  });
});
