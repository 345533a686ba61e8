import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config.loader';
import { configSchema } from '../config/config.schema';
import { createLogger } from '../logging/logger';
import { type IssuedCertificate, TestCertificateAuthority } from '../testing/tls-certificates';
import { checkTlsMaterial, loadServerTls, ServerTls, type ServerTlsSettings, serverTlsSettings } from './server-tls';
import type { TlsFiles } from './tls-files';

/** File contents by path, changed by the test; what a watcher would see is a call to `reload()`. */
function memoryFiles(initial: Record<string, string>): { files: TlsFiles; contents: Map<string, string> } {
  const contents = new Map(Object.entries(initial));
  const files: TlsFiles = {
    read: async (path) => {
      const text = contents.get(path);
      if (text === undefined) throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
      return Buffer.from(text);
    },
    watch: () => ({ close: () => undefined }),
  };
  return { files, contents };
}

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  return { logger: createLogger('debug', sink), lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** Records what a listener's server is given. */
function fakeServer(): { server: TlsServer; contexts: SecureContextOptions[] } {
  const contexts: SecureContextOptions[] = [];
  const server = { setSecureContext: (options: SecureContextOptions) => contexts.push(options), once: () => server } as unknown as TlsServer;
  return { server, contexts };
}

const SETTINGS: ServerTlsSettings = { certFile: '/certs/server.crt', keyFile: '/certs/server.key', mutualTls: false, caCertFile: '/certs/ca.crt' };

describe('server TLS', () => {
  let dir: string;
  let authority: TestCertificateAuthority;
  let first: IssuedCertificate;
  let second: IssuedCertificate;
  let goodFiles: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-server-tls-'));
    authority = TestCertificateAuthority.create(dir);
    first = authority.issue('first', 'server');
    second = authority.issue('second', 'server');
    goodFiles = { [SETTINGS.certFile]: first.cert, [SETTINGS.keyFile]: first.key, [SETTINGS.caCertFile]: authority.ca.cert };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is off unless tlsserver.deploy, with falcosidekick defaults for the files', () => {
    const defaults = configSchema.parse({});
    expect(defaults.tlsserver).toEqual({
      deploy: false,
      certfile: '/etc/certs/server/server.crt',
      keyfile: '/etc/certs/server/server.key',
      mutualtls: false,
      cacertfile: '/etc/certs/server/ca.crt',
      notlsport: 2810,
      notlspaths: [],
    });
    expect(serverTlsSettings(defaults)).toBeUndefined();
    expect(serverTlsSettings(configSchema.parse({ tlsserver: { deploy: true, mutualtls: true } }))).toEqual({
      certFile: '/etc/certs/server/server.crt',
      keyFile: '/etc/certs/server/server.key',
      mutualTls: true,
      caCertFile: '/etc/certs/server/ca.crt',
    });
  });

  it('warns, as falcosidekick, when mutualtls is set without deploy, and serves plain HTTP', async () => {
    const { logger, lines } = capturingLogger();
    expect(await loadServerTls(configSchema.parse({ tlsserver: { mutualtls: true } }), logger, memoryFiles({}).files)).toBeUndefined();
    expect(lines()).toEqual([expect.objectContaining({ code: 'CONFIG_WARNING', msg: expect.stringContaining('tlsserver.deploy is false') as unknown })]);
  });

  it('loads a certificate and its key, TLS 1.2 at least, asking no client certificate without mutual TLS', async () => {
    const { logger, lines } = capturingLogger();
    const tls = await ServerTls.load(SETTINGS, memoryFiles(goodFiles).files, logger);
    expect(tls.certificate).toMatchObject({ serialNumber: first.serialNumber, fingerprint256: first.fingerprint256, subject: 'CN=first' });
    for (const role of ['ingest', 'dashboard'] as const) {
      const options = tls.listener(role).serverOptions();
      expect(options).toMatchObject({ minVersion: 'TLSv1.2', requestCert: false, rejectUnauthorized: false });
      expect(options.ca).toBeUndefined();
    }
    expect(lines()).toContainEqual(expect.objectContaining({ code: 'TLS_CERTIFICATE_LOADED', certificate: expect.objectContaining({ fingerprint256: first.fingerprint256 }) as unknown }));
    expect(JSON.stringify(lines())).not.toContain('PRIVATE KEY');
  });

  it('with mutual TLS, ingest listeners refuse clients without a certificate at the handshake; the dashboard asks but lets routes decide', async () => {
    const tls = await ServerTls.load({ ...SETTINGS, mutualTls: true }, memoryFiles(goodFiles).files, capturingLogger().logger);
    const ingest = tls.listener('ingest').serverOptions();
    const dashboard = tls.listener('dashboard').serverOptions();
    expect(ingest).toMatchObject({ requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
    expect(dashboard).toMatchObject({ requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    expect(String(ingest.ca)).toBe(authority.ca.cert);
    expect(tls.mutualTls).toBe(true);
  });

  it('refuses to start naming every bad key at once when files cannot be read', async () => {
    const attempt = ServerTls.load({ ...SETTINGS, mutualTls: true }, memoryFiles({}).files, capturingLogger().logger);
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    expect((error as ConfigError).problems).toEqual([
      'tlsserver.certfile (env TLSSERVER_CERTFILE): cannot read /certs/server.crt (ENOENT)',
      'tlsserver.keyfile (env TLSSERVER_KEYFILE): cannot read /certs/server.key (ENOENT)',
      'tlsserver.cacertfile (env TLSSERVER_CACERTFILE): cannot read /certs/ca.crt (ENOENT)',
    ]);
  });

  it('refuses a key that does not belong to the certificate, naming tlsserver.keyfile and never quoting the key', () => {
    const checked = checkTlsMaterial(SETTINGS, { contents: { cert: Buffer.from(first.cert), key: Buffer.from(second.key) }, problems: [] });
    expect(checked.material).toBeUndefined();
    expect(checked.problems).toEqual(['tlsserver.keyfile (env TLSSERVER_KEYFILE): the key in /certs/server.key does not belong to the certificate in /certs/server.crt']);
  });

  it('refuses files that hold no certificate, no usable key or no CA, each under its key', () => {
    const checked = checkTlsMaterial({ ...SETTINGS, mutualTls: true }, { contents: { cert: Buffer.from('not a certificate'), key: Buffer.from(first.cert), ca: Buffer.from(first.key) }, problems: [] });
    expect(checked.problems).toEqual([
      'tlsserver.certfile (env TLSSERVER_CERTFILE): /certs/server.crt holds no PEM certificate',
      'tlsserver.keyfile (env TLSSERVER_KEYFILE): /certs/server.key holds no usable private key (PEM, without a passphrase)',
      'tlsserver.cacertfile (env TLSSERVER_CACERTFILE): /certs/ca.crt holds no PEM certificate to verify clients with',
    ]);
    expect(checked.problems.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('marks a certificate past its end as expired (served, with a warning: the operator may be mid-rotation)', () => {
    const contents = { cert: Buffer.from(first.cert), key: Buffer.from(first.key) };
    expect(checkTlsMaterial(SETTINGS, { contents, problems: [] }).material?.expired).toBe(false);
    expect(checkTlsMaterial(SETTINGS, { contents, problems: [] }, new Date(Date.now() + 3 * 86_400_000)).material?.expired).toBe(true);
  });

  it('swaps a changed certificate into every listener, keeps the old one when the new files are bad, and says so once', async () => {
    const { files, contents } = memoryFiles(goodFiles);
    const { logger, lines } = capturingLogger();
    const tls = await ServerTls.load(SETTINGS, files, logger);
    const ingest = fakeServer();
    const dashboard = fakeServer();
    tls.listener('ingest').attach(ingest.server);
    tls.listener('dashboard').attach(dashboard.server);

    expect(await tls.reload()).toBe('unchanged');
    expect(ingest.contexts).toHaveLength(0);

    // Half a rotation: the new certificate is there, its key not yet.
    contents.set(SETTINGS.certFile, second.cert);
    expect(await tls.reload()).toBe('rejected');
    expect(await tls.reload()).toBe('rejected');
    expect(tls.certificate.fingerprint256).toBe(first.fingerprint256);
    expect(ingest.contexts).toHaveLength(0);
    const failures = lines().filter((line) => line['code'] === 'TLS_RELOAD_FAILED');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 50, problems: [expect.stringContaining('tlsserver.keyfile')], serving: { fingerprint256: first.fingerprint256 } });

    contents.set(SETTINGS.keyFile, second.key);
    expect(await tls.reload()).toBe('reloaded');
    expect(tls.certificate.fingerprint256).toBe(second.fingerprint256);
    for (const { contexts } of [ingest, dashboard]) {
      expect(contexts).toHaveLength(1);
      expect(contexts[0]).toMatchObject({ minVersion: 'TLSv1.2' });
      expect(String(contexts[0]?.cert)).toBe(second.cert);
    }
    expect(lines()).toContainEqual(expect.objectContaining({ code: 'TLS_CERTIFICATE_RELOADED', certificate: expect.objectContaining({ serialNumber: second.serialNumber }) as unknown }));

    // A file that disappears mid-rotation is a failure too, not a crash.
    contents.delete(SETTINGS.keyFile);
    expect(await tls.reload()).toBe('rejected');
    expect(lines().filter((line) => line['code'] === 'TLS_RELOAD_FAILED')).toHaveLength(2);
    expect(tls.certificate.fingerprint256).toBe(second.fingerprint256);
  });

  it('shares one reload between calls that arrive together', async () => {
    const { files, contents } = memoryFiles(goodFiles);
    const tls = await ServerTls.load(SETTINGS, files, capturingLogger().logger);
    contents.set(SETTINGS.certFile, second.cert);
    contents.set(SETTINGS.keyFile, second.key);
    const [a, b] = await Promise.all([tls.reload(), tls.reload()]);
    expect(a).toBe('reloaded');
    expect(b).toBe('reloaded');
    expect(tls.certificate.fingerprint256).toBe(second.fingerprint256);
  });

  it('reads the configured files from disk', async () => {
    const tls = await loadServerTls(configSchema.parse({ tlsserver: { deploy: true, certfile: first.certFile, keyfile: first.keyFile } }), capturingLogger().logger);
    expect(tls?.certificate.serialNumber).toBe(first.serialNumber);
  });
});
