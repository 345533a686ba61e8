import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import { ConfigError } from '../config/config.loader';
import type { AppConfig } from '../config/config.schema';
import type { AppLogger } from '../logging/logger';
import { type Closeable, TlsFiles, type TlsFilesWatchOptions } from './tls-files';

/** `tlsserver.*` when `tlsserver.deploy` is on. */
export interface ServerTlsSettings {
  certFile: string;
  keyFile: string;
  /** Clients must present a certificate signed by `caCertFile`. */
  mutualTls: boolean;
  caCertFile: string;
}

export function serverTlsSettings(config: Pick<AppConfig, 'tlsserver'>): ServerTlsSettings | undefined {
  const tls = config.tlsserver;
  if (!tls.deploy) return undefined;
  return { certFile: tls.certfile, keyFile: tls.keyfile, mutualTls: tls.mutualtls, caCertFile: tls.cacertfile };
}

/**
 * The listeners' TLS, or undefined when `tlsserver.deploy` is off. Called before anything opens,
 * so unusable files stop the start with a ConfigError naming each bad key.
 */
export async function loadServerTls(config: Pick<AppConfig, 'tlsserver'>, logger: AppLogger, files: TlsFiles = new TlsFiles()): Promise<ServerTls | undefined> {
  const settings = serverTlsSettings(config);
  if (settings) return ServerTls.load(settings, files, logger);
  // falcosidekick warns about the same thing and serves plain HTTP.
  if (config.tlsserver.mutualtls) logger.warn({ code: 'CONFIG_WARNING' }, 'tlsserver.mutualtls is true but tlsserver.deploy is false: serving plain HTTP, no client certificates checked');
  return undefined;
}

/**
 * Which kind of listener asks. Ingest listeners (2801, the audit ports) are for machines, so with
 * mutual TLS a client without a good certificate is refused during the handshake, as by
 * falcosidekick. The dashboard port asks for a certificate but lets the route decide: browsers
 * sign in instead, and only its ingest routes insist (web/client-certificate-gate.ts).
 */
export type ListenerRole = 'ingest' | 'dashboard';

/** What a listener's server factory needs: options for `https.createServer`, and to hand the server back for reloads. */
export interface SecureListener {
  serverOptions(): HttpsServerOptions;
  attach(server: TlsServer): void;
}

/** Which certificate is served, for logs (never the key). */
export interface CertificateIdentity {
  subject: string;
  serialNumber: string;
  fingerprint256: string;
  validTo: string;
}

export interface TlsFileContents {
  cert: Buffer;
  key: Buffer;
  /** Read only with mutual TLS. */
  ca?: Buffer;
}

interface TlsMaterial {
  contents: TlsFileContents;
  identity: CertificateIdentity;
  expired: boolean;
}

/** Older protocols have known weaknesses; falcosidekick's mutual TLS asks for 1.2 as well. */
const MIN_TLS_VERSION = 'TLSv1.2';
const DEFAULT_WATCH: TlsFilesWatchOptions = { debounceMs: 200, pollMs: 30_000 };
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The server certificate of every listener: read and checked once at start (a bad file stops
 * the start naming its key), then watched. When the files change, the new certificate is checked
 * the same way and swapped into every listener with `setSecureContext` (new connections get it,
 * open ones keep theirs); if it is bad, the listeners keep the previous one and the problem is
 * logged with a code. No restart either way.
 */
export class ServerTls {
  private readonly servers = new Set<TlsServer>();
  private watcher: Closeable | undefined;
  private reloading: Promise<ReloadResult> | undefined;
  private reloadAgain = false;
  /** What failed last time: the poll does not log the same problem every round. */
  private lastRejected: string | undefined;

  private constructor(
    private readonly settings: ServerTlsSettings,
    private readonly files: TlsFiles,
    private readonly logger: AppLogger,
    private material: TlsMaterial,
  ) {}

  /** Reads and checks the files; throws a ConfigError naming every bad key. */
  static async load(settings: ServerTlsSettings, files: TlsFiles, logger: AppLogger): Promise<ServerTls> {
    const checked = checkTlsMaterial(settings, await readTlsFiles(settings, files));
    if (!checked.material) throw new ConfigError(checked.problems);
    const tls = new ServerTls(settings, files, logger, checked.material);
    tls.logLoaded('TLS_CERTIFICATE_LOADED', 'serving TLS');
    return tls;
  }

  get mutualTls(): boolean {
    return this.settings.mutualTls;
  }

  get certificate(): CertificateIdentity {
    return this.material.identity;
  }

  listener(role: ListenerRole): SecureListener {
    return {
      serverOptions: () => ({ ...this.contextOptions(), requestCert: this.settings.mutualTls, rejectUnauthorized: this.settings.mutualTls && role === 'ingest' }),
      attach: (server) => {
        this.servers.add(server);
        server.once('close', () => this.servers.delete(server));
      },
    };
  }

  /** Starts following the files. */
  watch(options: TlsFilesWatchOptions = DEFAULT_WATCH): void {
    const reload = (): void => {
      this.reload().catch((error: unknown) => this.logger.error({ code: 'TLS_RELOAD_FAILED', err: error }, 'checking the TLS files failed; still serving the previous certificate'));
    };
    this.watcher ??= this.files.watch(this.paths(), reload, options);
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Re-reads the files; concurrent calls share one reload, and a call during it runs one more. */
  reload(): Promise<ReloadResult> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.reloadOnce().finally(() => {
      this.reloading = undefined;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        void this.reload();
      }
    });
    return this.reloading;
  }

  private async reloadOnce(): Promise<ReloadResult> {
    const read = await readTlsFiles(this.settings, this.files);
    if (read.contents && sameContents(read.contents, this.material.contents)) return 'unchanged';
    const checked = checkTlsMaterial(this.settings, read);
    if (!checked.material) return this.rejected(signatureOf(read), checked.problems);
    const previous = this.material;
    this.material = checked.material;
    try {
      const options = this.contextOptions();
      for (const server of this.servers) server.setSecureContext(options);
    } catch (error) {
      // Checked above with the same options, so not expected; never leave listeners half-swapped silently.
      this.material = previous;
      return this.rejected(signatureOf(read), [`${KEYS.cert}: ${(error as Error).message.slice(0, 200)}`]);
    }
    this.lastRejected = undefined;
    this.logLoaded('TLS_CERTIFICATE_RELOADED', 'new TLS certificate in force for new connections');
    return 'reloaded';
  }

  private rejected(signature: string, problems: readonly string[]): ReloadResult {
    if (signature === this.lastRejected) return 'rejected';
    this.lastRejected = signature;
    this.logger.error({ code: 'TLS_RELOAD_FAILED', problems, serving: this.material.identity }, 'the changed TLS files are not usable; still serving the previous certificate');
    return 'rejected';
  }

  /** Everything `setSecureContext` replaces: it resets what it is not given, the minimum version included. */
  private contextOptions(): SecureContextOptions {
    const { cert, key, ca } = this.material.contents;
    return { cert, key, ...(ca ? { ca } : {}), minVersion: MIN_TLS_VERSION };
  }

  private paths(): string[] {
    return [this.settings.certFile, this.settings.keyFile, ...(this.settings.mutualTls ? [this.settings.caCertFile] : [])];
  }

  private logLoaded(code: string, message: string): void {
    this.logger.info({ code, certificate: this.material.identity, mutualTls: this.settings.mutualTls, certfile: this.settings.certFile }, message);
    if (this.material.expired) {
      this.logger.warn({ code: 'TLS_CERTIFICATE_EXPIRED', certificate: this.material.identity }, 'the TLS certificate has expired: clients will refuse it');
    }
  }
}

export type ReloadResult = 'unchanged' | 'reloaded' | 'rejected';

/** The key each file is configured under, for messages. */
const KEYS = {
  cert: 'tlsserver.certfile (env TLSSERVER_CERTFILE)',
  key: 'tlsserver.keyfile (env TLSSERVER_KEYFILE)',
  ca: 'tlsserver.cacertfile (env TLSSERVER_CACERTFILE)',
} as const;

type ReadOutcome = { contents: TlsFileContents; problems: [] } | { contents?: undefined; problems: string[] };

async function readTlsFiles(settings: ServerTlsSettings, files: TlsFiles): Promise<ReadOutcome> {
  const problems: string[] = [];
  const read = async (key: string, path: string): Promise<Buffer | undefined> => {
    try {
      return await files.read(path);
    } catch (error) {
      problems.push(`${key}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };
  const [cert, key, ca] = await Promise.all([read(KEYS.cert, settings.certFile), read(KEYS.key, settings.keyFile), settings.mutualTls ? read(KEYS.ca, settings.caCertFile) : undefined]);
  if (!cert || !key || (settings.mutualTls && !ca)) return { problems };
  return { contents: { cert, key, ...(ca ? { ca } : {}) }, problems: [] };
}

/**
 * Whether the files make a working server: a certificate, its own private key (unencrypted),
 * and with mutual TLS at least one CA certificate. Every problem names the key at fault and
 * never quotes the files (the key is a secret).
 */
export function checkTlsMaterial(settings: ServerTlsSettings, read: ReadOutcome, now: Date = new Date()): { material?: TlsMaterial; problems: string[] } {
  if (!read.contents) return { problems: read.problems };
  const { cert, key, ca } = read.contents;
  const problems: string[] = [];
  const certificate = firstCertificate(cert, KEYS.cert, settings.certFile, problems);
  let privateKey: KeyObject | undefined;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    problems.push(`${KEYS.key}: ${settings.keyFile} holds no usable private key (PEM, without a passphrase)`);
  }
  if (certificate && privateKey && !certificate.checkPrivateKey(privateKey)) {
    problems.push(`${KEYS.key}: the key in ${settings.keyFile} does not belong to the certificate in ${settings.certFile}`);
  }
  if (settings.mutualTls) {
    const authorities = (ca?.toString('utf8').match(PEM_CERTIFICATE) ?? []).filter((pem) => parses(pem));
    if (authorities.length === 0) problems.push(`${KEYS.ca}: ${settings.caCertFile} holds no PEM certificate to verify clients with`);
  }
  if (problems.length === 0) {
    try {
      // What OpenSSL itself refuses beyond the above (a key too weak for its security level, ...).
      createSecureContext({ cert, key, ...(ca ? { ca } : {}), minVersion: MIN_TLS_VERSION });
    } catch (error) {
      problems.push(`${KEYS.cert}: ${settings.certFile} and ${settings.keyFile} are refused by OpenSSL (${(error as Error).message.slice(0, 200)})`);
    }
  }
  if (problems.length > 0 || !certificate) return { problems };
  return {
    material: {
      contents: read.contents,
      identity: { subject: certificate.subject, serialNumber: certificate.serialNumber, fingerprint256: certificate.fingerprint256, validTo: certificate.validTo },
      expired: new Date(certificate.validTo).getTime() < now.getTime(),
    },
    problems: [],
  };
}

function firstCertificate(pem: Buffer, key: string, path: string, problems: string[]): X509Certificate | undefined {
  const first = pem.toString('utf8').match(PEM_CERTIFICATE)?.[0];
  if (first === undefined) {
    problems.push(`${key}: ${path} holds no PEM certificate`);
    return undefined;
  }
  try {
    return new X509Certificate(first);
  } catch {
    problems.push(`${key}: the first certificate in ${path} cannot be parsed`);
    return undefined;
  }
}

function parses(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

/** Identifies what was read, so one bad state of the files is reported once. */
function signatureOf(read: ReadOutcome): string {
  if (!read.contents) return `unreadable\0${read.problems.join('\0')}`;
  const hash = createHash('sha256');
  for (const part of [read.contents.cert, read.contents.key, read.contents.ca ?? Buffer.alloc(0)]) hash.update(part).update('\0');
  return hash.digest('hex');
}

function sameContents(a: TlsFileContents, b: TlsFileContents): boolean {
  return a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca === undefined ? b.ca === undefined : b.ca !== undefined && a.ca.equals(b.ca));
}
