import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import MailComposer from 'nodemailer/lib/mail-composer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { OutputAlert } from '../alert';
import { type ConfigIssue, key } from '../config';
import { alertUnixNanos } from '../go/time';
import type { TlsMaterial } from '../http';
import { defineOutput, type FullConfig } from '../output';
import { fatal, type ItemResult, ok, retryable, type SendResult, summarize } from '../result';
import { smtpHtmlBody, smtpSubject, smtpTextBody } from './smtp-templates';

/**
 * E-mail through an SMTP server, as falcosidekick's `outputs/smtp.go`: one mail per alert, from
 * `from` to every address of `to`, subject `[<priority>] <output>`, falcosidekick's text body
 * (and, by default, its HTML body as the alternative), dated with the alert's time. STARTTLS is
 * required by default (`tls`), then AUTH with the configured SASL mechanism.
 *
 * The MIME message is written by Nodemailer (headers encoded, lines wrapped by a transfer
 * encoding), so the parts a mail client shows are falcosidekick's while the bytes on the wire
 * are a well-formed message. One SMTP session is kept open and reused; falcosidekick dialled a
 * new one per alert.
 */

export const smtpKeys = {
  hostport: key.string({ description: 'SMTP server as `host:port` (submission is usually port 587); enables the output.', example: 'smtp.example.com:587' }),
  tls: key.boolean({
    default: true,
    description: 'Require STARTTLS: the mail is not sent when the server does not offer it. false = STARTTLS only when offered (then the certificate is not checked), else plain text.',
  }),
  authmechanism: key.enum(['plain', 'login', 'oauthbearer', 'external', 'anonymous', 'none'], {
    default: 'plain',
    description: 'SASL mechanism: plain (identity, user, password), ★ login (user, password), oauthbearer (user, token), external (identity), anonymous (trace), none = no AUTH.',
  }),
  user: key.string({ description: 'User for plain, login and oauthbearer.' }),
  password: key.string({ secret: true, description: 'Password for plain and login.' }),
  token: key.string({ secret: true, description: 'OAuth 2 bearer token for oauthbearer.' }),
  identity: key.string({ description: 'Authorization identity for plain and external; empty = the user\'s own.' }),
  trace: key.string({ description: 'Trace information sent with anonymous (e.g. an address).' }),
  from: key.string({ description: 'Sender: the From header and the envelope sender (`falco@example.com` or `Falco <falco@example.com>`); required.', example: 'falco@example.com' }),
  to: key.list({ description: 'Recipients: comma-separated (or a YAML list); required.', example: 'security@example.com' }),
  outputformat: key.enum(['html', 'text'], { default: 'html', description: 'html = text and HTML alternatives; text = the text body only.' }),
} as const;

export type SmtpConfig = FullConfig<typeof smtpKeys>;

/** Mails sent over one session per `send` chunk; each alert is its own mail. */
const SMTP_MAX_BATCH = 10;

export interface SmtpServerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Reads `hostport`: `host:port`, `[v6]:port`. falcosidekick only checks that it contains
 * `:<digits>`, then fails at every dial when the rest is wrong; this says so at start-up.
 */
export function parseSmtpHostPort(text: string): SmtpServerAddress | string {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) return 'must be host:port, e.g. smtp.example.com:587';
  return { host: match[1] ?? match[2]!, port };
}

/** One mail of an alert: what Nodemailer composes into a MIME message. */
export interface SmtpMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** The alert's time (falcosidekick's Date header), whole seconds. */
  readonly date: Date;
  /** `<uuid@peregrine>`, so a mail sent again after a lost answer is recognisably the same mail. */
  readonly messageId?: string;
  /** The text/plain part's content. */
  readonly text: string;
  /** The text/html part's content (html format only). */
  readonly html?: string;
}

/**
 * falcosidekick's mail for an alert. Its message ends each part with a line break that MIME
 * reads as part of the next boundary line, so in the two-part (html) format each part's content
 * is the template's text without its last line break; in the text format the body is the whole text.
 */
export function smtpMail(alert: OutputAlert, config: Pick<SmtpConfig, 'from' | 'to' | 'outputformat'>): SmtpMail {
  const text = smtpTextBody(alert);
  const date = new Date(Number(alertUnixNanos(alert.time) / 1_000_000n));
  const common = { from: config.from, to: config.to, subject: smtpSubject(alert), date, ...(alert.uuid !== '' ? { messageId: `<${alert.uuid}@peregrine>` } : {}) };
  if (config.outputformat === 'text') return { ...common, text };
  return { ...common, text: withoutLastLineBreak(text), html: withoutLastLineBreak(smtpHtmlBody(alert)) };
}

function withoutLastLineBreak(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

// --- SASL ------------------------------------------------------------------------------------

export interface SaslStart {
  readonly mechanism: string;
  /** The initial response, before base64 (`AUTH <mechanism> <base64>`, or `=` when empty). */
  readonly initialResponse: string;
}

/**
 * What go-sasl's clients send first, which falcosidekick uses: PLAIN `identity\0user\0password`;
 * OAUTHBEARER (RFC 7628) `n,a=<user>,^Ahost=<host>^Aport=<port>^Aauth=Bearer <token>^A^A`
 * (`a=` only with a user); EXTERNAL the identity; ANONYMOUS the trace. LOGIN (★) is Nodemailer's.
 */
export function saslStart(config: Pick<SmtpConfig, 'authmechanism' | 'user' | 'password' | 'token' | 'identity' | 'trace'>, server: SmtpServerAddress): SaslStart | undefined {
  switch (config.authmechanism) {
    case 'plain':
      return { mechanism: 'PLAIN', initialResponse: `${config.identity}\0${config.user}\0${config.password}` };
    case 'oauthbearer': {
      const authzid = config.user === '' ? '' : `a=${config.user}`;
      return { mechanism: 'OAUTHBEARER', initialResponse: `n,${authzid},\x01host=${server.host}\x01port=${server.port}\x01auth=Bearer ${config.token}\x01\x01` };
    }
    case 'external':
      return { mechanism: 'EXTERNAL', initialResponse: config.identity };
    case 'anonymous':
      return { mechanism: 'ANONYMOUS', initialResponse: config.trace };
    case 'login':
    case 'none':
      return undefined;
  }
}

/**
 * Whether to authenticate at all. A mechanism whose secret is not configured sends no AUTH
 * (falcosidekick sent an empty one and, ignoring the refusal, went on to send the mail), so an
 * open relay keeps working with the default `plain`. A server that does not offer AUTH is not
 * asked either.
 */
function wantsAuth(config: SmtpConfig): boolean {
  switch (config.authmechanism) {
    case 'none':
      return false;
    case 'plain':
    case 'login':
      return config.user !== '' || config.password !== '';
    case 'oauthbearer':
      return config.token !== '';
    case 'external':
    case 'anonymous':
      return true;
  }
}

class SmtpAuthRefused extends Error {}

/** Runs a SASL exchange through Nodemailer's custom-auth hook (so the AUTH line is go-sasl's, byte for byte). */
async function saslExchange(context: SMTPConnection.CustomAuthenticationContext, start: SaslStart): Promise<void> {
  const encoded = start.initialResponse === '' ? '=' : Buffer.from(start.initialResponse, 'utf8').toString('base64');
  let reply = await context.sendCommand(`AUTH ${start.mechanism} ${encoded}`);
  if (reply.status === 334) {
    // OAUTHBEARER's error challenge is answered with %x01 (RFC 7628 §3.2.3); any other
    // challenge is unexpected after a complete initial response, so the exchange is cancelled.
    reply = await context.sendCommand(start.mechanism === 'OAUTHBEARER' ? 'AQ==' : '*');
  }
  if (reply.status !== 235) throw new SmtpAuthRefused(`${start.mechanism} authentication refused`);
}

function authenticationFor(config: SmtpConfig, server: SmtpServerAddress): { auth: SMTPConnection.AuthenticationType; customAuth?: SMTPConnection.CustomAuthenticationHandlers } | undefined {
  if (!wantsAuth(config)) return undefined;
  if (config.authmechanism === 'login') return { auth: { method: 'LOGIN', user: config.user, pass: config.password } };
  const start = saslStart(config, server);
  if (start === undefined) return undefined;
  return { auth: { method: start.mechanism }, customAuth: { [start.mechanism]: (context) => saslExchange(context, start) } };
}

// --- The session ----------------------------------------------------------------------------

function connectionOptions(config: SmtpConfig, server: SmtpServerAddress, tls: TlsMaterial | undefined, customAuth: SMTPConnection.CustomAuthenticationHandlers | undefined): SMTPConnection.Options {
  // falcosidekick: TLS ≥ 1.2, server name = host; with mutual TLS the server is always verified.
  const verify = config.tls && (config.checkcert || config.mutualtls);
  return {
    host: server.host,
    port: server.port,
    secure: false,
    requireTLS: config.tls,
    // tls: false upgrades when the server offers STARTTLS, and carries on in plain text when it then refuses.
    opportunisticTLS: !config.tls,
    tls: {
      minVersion: 'TLSv1.2',
      rejectUnauthorized: verify,
      ...(isIP(server.host) === 0 ? { servername: server.host } : {}),
      // Node's `ca` replaces the trusted roots; falcosidekick appends to the system pool.
      ...(tls?.ca !== undefined ? { ca: [...rootCertificates, tls.ca] } : {}),
      ...(config.mutualtls && tls?.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}),
    },
    connectionTimeout: config.timeout,
    greetingTimeout: config.timeout,
    logger: false,
    ...(customAuth ? { customAuth } : {}),
  };
}

function settle<T>(run: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));
}

/**
 * One SMTP session, opened (greeting, EHLO, STARTTLS, AUTH) by {@link SmtpLink.open} and used
 * for one transaction at a time. When the server ends it while idle (its idle timeout), the next
 * mail opens a new one: nothing of that mail was sent yet. After `close` nothing is reopened.
 */
class SmtpLink {
  private session: SMTPConnection | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly openSession: () => Promise<SMTPConnection>) {}

  static async open(openSession: () => Promise<SMTPConnection>): Promise<SmtpLink> {
    const link = new SmtpLink(openSession);
    link.session = await link.track(openSession());
    return link;
  }

  /** Sends one composed message; transactions never interleave on the session. */
  send(envelope: SMTPConnection.Envelope, message: Buffer): Promise<void> {
    const run = this.queue.then(async () => {
      const session = await this.usableSession();
      await settle<SMTPConnection.SentMessageInfo>((done) => session.send(envelope, message, done));
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** After the server refused a mail (RCPT, DATA), RSET so the session can carry the next one. */
  async reset(): Promise<void> {
    const session = this.session;
    if (session === undefined || session.destroyed) return;
    await settle<boolean>((done) => session.reset(done)).catch(() => this.discard(session));
  }

  close(): void {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    if (session === undefined || session.destroyed) return;
    // QUIT politely; a server that does not answer it is cut off shortly after.
    try {
      session.quit();
    } catch {
      // The socket is already gone; close() below covers it.
    }
    setTimeout(() => session.close(), 1000).unref();
  }

  private async usableSession(): Promise<SMTPConnection> {
    if (this.closed) throw new Error('the SMTP connection was closed');
    if (this.session !== undefined && !this.session.destroyed) return this.session;
    this.session = await this.track(this.openSession());
    return this.session;
  }

  private async track(opening: Promise<SMTPConnection>): Promise<SMTPConnection> {
    const session = await opening;
    session.once('end', () => this.discard(session));
    return session;
  }

  private discard(session: SMTPConnection): void {
    if (this.session === session) this.session = undefined;
    session.close();
  }
}

async function openSmtpSession(config: SmtpConfig, server: SmtpServerAddress, tls: TlsMaterial | undefined): Promise<SMTPConnection> {
  const authentication = authenticationFor(config, server);
  const session = new SMTPConnection(connectionOptions(config, server, tls, authentication?.customAuth));
  // Failures of a command in flight reach its callback; the event itself must only be heard.
  session.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('error', reject);
      session.connect((error) => (error ? reject(error) : resolve()));
    });
    if (authentication !== undefined && session.allowsAuth) await settle<boolean>((done) => session.login(authentication.auth, done));
    return session;
  } catch (error: unknown) {
    session.close();
    throw error;
  }
}

// --- Results --------------------------------------------------------------------------------

interface SmtpError {
  readonly message: string;
  readonly code?: string;
  readonly responseCode?: number;
  readonly command?: string;
}

function asSmtpError(error: unknown): SmtpError {
  if (error instanceof Error) {
    const details = error as Error & { code?: unknown; responseCode?: unknown; command?: unknown };
    return {
      message: error.message,
      ...(typeof details.code === 'string' ? { code: details.code } : {}),
      ...(typeof details.responseCode === 'number' ? { responseCode: details.responseCode } : {}),
      ...(typeof details.command === 'string' ? { command: details.command } : {}),
    };
  }
  return { message: String(error) };
}

/**
 * Fatal when the server refused for good what a retry would send again: the credentials (5xx
 * to AUTH, or no usable mechanism), the sender or recipients (5xx to MAIL/RCPT), the message
 * (5xx to DATA, e.g. 552 too large). 4xx answers, connection, STARTTLS and certificate
 * failures, and anything said before the session was set up are retried.
 */
export function classifySmtpError(error: unknown): ItemResult {
  const details = asSmtpError(error);
  const reason = `SMTP: ${details.message}`;
  const permanent = details.responseCode !== undefined && details.responseCode >= 500 && details.responseCode !== 503;
  if (details.code === 'EAUTH') return details.responseCode === undefined || permanent ? fatal(reason) : retryable(reason);
  if ((details.code === 'EENVELOPE' || details.code === 'EMESSAGE') && permanent) return fatal(reason);
  return retryable(reason);
}

/** A refusal of one mail (envelope or content) leaves the session usable for the next one. */
function isMailRefusal(error: unknown): boolean {
  const { code, responseCode } = asSmtpError(error);
  return (code === 'EENVELOPE' || code === 'EMESSAGE') && responseCode !== undefined && responseCode !== 421;
}

async function composed(mail: SmtpMail): Promise<{ envelope: SMTPConnection.Envelope; message: Buffer }> {
  const node = new MailComposer({
    from: mail.from,
    to: [...mail.to],
    subject: mail.subject,
    date: mail.date,
    ...(mail.messageId !== undefined ? { messageId: mail.messageId } : {}),
    text: mail.text,
    ...(mail.html !== undefined ? { html: mail.html } : {}),
  }).compile();
  const message = await node.build();
  const { from, to } = node.getEnvelope();
  return { envelope: { from, to }, message };
}

export const smtp = defineOutput<typeof smtpKeys, SmtpServerAddress>({
  type: 'smtp',
  title: 'SMTP (e-mail)',
  description: 'One e-mail per alert through an SMTP server: falcosidekick\'s subject, text and HTML bodies; STARTTLS and SASL AUTH.',
  keys: smtpKeys,
  enabledBy: 'hostport',
  requires: ['from', 'to'],
  readmeHeading: 'SMTP',
  // falcosidekick does not pass SMTP's minimum through its checkPriority: `info` is Informational.
  infoMinimumIsInformational: true,
  prepare(config) {
    const issues: ConfigIssue[] = [];
    const address = parseSmtpHostPort(config.hostport);
    if (typeof address === 'string') issues.push({ key: 'hostport', message: address });
    // falcosidekick silently leaves SMTP off without them.
    if (config.from.trim() === '') issues.push({ key: 'from', message: 'is required (the sender address)' });
    if (config.to.length === 0) issues.push({ key: 'to', message: 'is required (at least one recipient)' });
    return typeof address === 'string' ? { issues } : { prepared: address, issues };
  },
  maxBatch: () => SMTP_MAX_BATCH,
  // What travels for the secret on the wire (base64 in AUTH), so it is redacted too.
  extraSecrets(config) {
    const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
    const secrets = [config.password, config.token].filter((secret) => secret !== '').map(base64);
    const address = parseSmtpHostPort(config.hostport);
    const start = typeof address === 'string' ? undefined : saslStart(config, address);
    return start !== undefined && secrets.length > 0 ? [...secrets, base64(start.initialResponse)] : secrets;
  },
  client: {
    async connect({ config, prepared }, tls): Promise<SmtpLink> {
      return SmtpLink.open(() => openSmtpSession(config, prepared, tls));
    },
    encode: (alerts, { config }) => alerts.map((alert) => smtpMail(alert, config)),
    async deliver(connection, message): Promise<SendResult | undefined> {
      const link = connection as SmtpLink;
      const mails = message as readonly SmtpMail[];
      const items: ItemResult[] = [];
      for (const [index, mail] of mails.entries()) {
        let composedMail: { envelope: SMTPConnection.Envelope; message: Buffer };
        try {
          composedMail = await composed(mail);
        } catch (error: unknown) {
          // Deterministic (an address Nodemailer cannot write): sending again fails the same way.
          items.push(fatal(`could not compose the mail: ${asSmtpError(error).message}`));
          continue;
        }
        try {
          await link.send(composedMail.envelope, composedMail.message);
          items.push(ok());
        } catch (error: unknown) {
          if (isMailRefusal(error)) {
            items.push(classifySmtpError(error));
            await link.reset();
            continue;
          }
          // The session failed. Before anything was sent, the sender drops the connection and
          // classifies; after, the mails sent stay ok and the rest share the failure (the broken
          // session is already discarded, so the next send opens a new one).
          if (items.length === 0) throw error;
          const rest = classifySmtpError(error);
          items.push(...mails.slice(index).map(() => rest));
          break;
        }
      }
      return summarize(items);
    },
    async disconnect(connection) {
      (connection as SmtpLink).close();
    },
    classify: classifySmtpError,
  },
});
