import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { passesMinimumPriority } from '../alert';
import { parseOutputsConfig } from '../registry';
import { realisticAlert, referenceAlert } from '../testing/alerts';
import { runLoopbackClientOutputContract } from '../testing/client-contract';
import { CONTRACT_SECRET } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { sinkSuite } from '../testing/sink-suite';
import { parseMail, type ParsedMail, type SmtpCredentials, SmtpSink } from '../testing/servers/smtp';
import { classifySmtpError, parseSmtpHostPort, saslStart, smtp, type SmtpMail } from './smtp';
import { goHtmlEscape, smtpHtmlBody, smtpSubject, smtpTextBody } from './smtp-templates';

// What falcosidekick's templates (outputs/smtp_templates.go) render for its test alert
// (outputs/client_test.go's falcoTestInput): the HTML file ends with the template's closing
// boundary line, which is MIME framing.
const testdata = (name: string): string => readFileSync(join(__dirname, 'testdata', name), 'utf8');
const FALCOSIDEKICK_TEXT = testdata('falcosidekick-test-alert.txt');
const FALCOSIDEKICK_HTML = testdata('falcosidekick-test-alert.html');
const CLOSING_BOUNDARY = '--4t74weu9byeSdJTM--';

const CREDENTIALS: SmtpCredentials = { user: 'falco', password: CONTRACT_SECRET, token: CONTRACT_SECRET, externalIdentity: 'falco-sidekick' };
const FROM = 'falco@example.com';
const TO = 'alerts@example.com, oncall@example.com';

const sectionFor = (port: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  hostport: `127.0.0.1:${port}`,
  from: FROM,
  to: TO,
  user: CREDENTIALS.user,
  password: CREDENTIALS.password,
  // The suite's certificate is self-signed; verification is tested below with it as the CA.
  checkcert: false,
  ...extra,
});

const mailOf = (section: Record<string, unknown>, alert = referenceAlert()): SmtpMail =>
  (smtp.client(instanceFrom('smtp', { hostport: '127.0.0.1:587', from: FROM, to: TO, ...section }), 0)!.encode([alert], 0) as SmtpMail[])[0]!;

runLoopbackClientOutputContract<SmtpSink>({
  definition: smtp,
  startSink: () => SmtpSink.start({ credentials: CREDENTIALS }),
  stopSink: (sink) => sink.stop(),
  sectionAt: (port, password) => sectionFor(port, { password }),
  delivered: async (sink) => sink.received.length,
  // AUTH PLAIN carries base64("\0falco\0<secret>").
  secretForms: [Buffer.from(`\0falco\0${CONTRACT_SECRET}`).toString('base64'), Buffer.from(CONTRACT_SECRET).toString('base64')],
});

describe('smtp subject and bodies (falcosidekick outputs/smtp.go, smtp_templates.go)', () => {
  it('renders falcosidekick\'s text and HTML templates for its test alert, character for character', () => {
    expect(smtpTextBody(referenceAlert())).toBe(FALCOSIDEKICK_TEXT);
    expect(smtpHtmlBody(referenceAlert()) + CLOSING_BOUNDARY).toBe(FALCOSIDEKICK_HTML);
    expect(smtpSubject(referenceAlert())).toBe('[Debug] This is a test from falcosidekick');
  });

  it('makes one mail per alert: html format = both parts as MIME reads falcosidekick\'s message', () => {
    const instance = instanceFrom('smtp', { hostport: 'smtp.example.com:587', from: FROM, to: TO });
    const mails = smtp.client(instance, 0)!.encode([referenceAlert(), realisticAlert()], 0) as SmtpMail[];
    expect(mails).toHaveLength(2);
    expect(mails[0]).toEqual({
      from: FROM,
      to: ['alerts@example.com', 'oncall@example.com'],
      subject: '[Debug] This is a test from falcosidekick',
      date: new Date('2001-01-01T01:10:00Z'),
      // The line break before each boundary line belongs to the boundary (RFC 2046).
      text: FALCOSIDEKICK_TEXT.slice(0, -1),
      html: FALCOSIDEKICK_HTML.slice(0, -`\n${CLOSING_BOUNDARY}`.length),
    });
    expect(mails[1]!.messageId).toBe('<6d3e0a4c-2f0b-4c8e-9a57-0b1f8f3c9d21@peregrine>');
  });

  it('text format: the whole text body, no HTML', () => {
    const mail = mailOf({ outputformat: 'text' });
    expect(mail.text).toBe(FALCOSIDEKICK_TEXT);
    expect(mail.html).toBeUndefined();
  });

  it('prints output fields as Go templates do: sorted, nulls as <no value> (text) or nothing (HTML), int64 exact', () => {
    const text = smtpTextBody(realisticAlert());
    expect(text).toContain(
      '--Fields--\ncontainer.id: 5f1c5e6a0b7d\ncontainer.privileged: false\nevt.time: 1795442727146981532\nfd.name: <no value>\nk8s.ns.name: production\n' +
        'k8s.pod.name: web-7c9f6d8b5-x2kqz\nproc.cmdline: bash -c ls /données/日本語\nproc.name: bash\nproc.tty: 34816\nuser.loginuid: -1\nuser.name: root\n\n\n',
    );
    expect(text).toContain('Tags: T1059 container mitre_execution shell \nTime: 2026-11-23 14:05:27.146981532 +0000 UTC\n');
    const html = smtpHtmlBody(realisticAlert());
    expect(html).toContain('<strong>fd.name</strong></span></td>\n            <td style="background-color:#d1d6da"></td>');
    expect(html).toContain('<strong>evt.time</strong></span></td>\n            <td style="background-color:#d1d6da">1795442727146981532</td>');
    expect(html).toContain('<td style="background-color:#5bffb5; width:700px;');
    expect(html).toContain('2026-11-23 14:05:27.146981532 &#43;0000 UTC');
  });

  it('escapes HTML as html/template does, and leaves the text body raw', () => {
    const alert = referenceAlert({ output: `a <b> & "c" 'd' +1`, output_fields: { 'x<y': ['a', null], n: { k: 1 } } });
    expect(goHtmlEscape(`a <b> & "c" 'd' +1\0`)).toBe('a &lt;b&gt; &amp; &#34;c&#34; &#39;d&#39; &#43;1\uFFFD');
    const html = smtpHtmlBody(alert);
    expect(html).toContain('>a &lt;b&gt; &amp; &#34;c&#34; &#39;d&#39; &#43;1</td>');
    expect(html).toContain('<strong>x&lt;y</strong></span></td>\n            <td style="background-color:#d1d6da">[a &lt;nil&gt;]</td>');
    expect(html).toContain('<td style="background-color:#d1d6da">map[k:1]</td>');
    expect(smtpTextBody(alert)).toContain(`Output: a <b> & "c" 'd' +1\n`);
    expect(smtpSubject(alert)).toBe(`[Debug] a <b> & "c" 'd' +1`);
  });

  it('colours the priority banner as the template does', () => {
    const colour = (priority: 'Critical' | 'Error' | 'Emergency'): string => /background-color:(#[0-9a-f]+); width:700px; text-align/.exec(smtpHtmlBody(referenceAlert({ priority })))![1]!;
    expect([colour('Emergency'), colour('Critical'), colour('Error')]).toEqual(['#e20b0b', '#ff9000', '#ffc700']);
  });

  it('shows folded duplicates as an Occurrences line and row, only when dedup folded some', () => {
    expect(smtpTextBody(referenceAlert({ folded: 2 }))).toContain('Time: 2001-01-01 01:10:00 +0000 UTC\nOccurrences: 3\n\n--Fields--');
    expect(smtpHtmlBody(referenceAlert({ folded: 2 }))).toContain('<strong>Occurrences</strong></span></td>\n            <td style="background-color:#d1d6da">3</td>');
    expect(smtpTextBody(referenceAlert({ folded: 0 }))).toBe(FALCOSIDEKICK_TEXT);
  });

  it('sends no Message-ID of its own for an alert without uuid', () => {
    expect(mailOf({}).messageId).toBeUndefined();
  });
});

describe('smtp SASL initial responses (go-sasl, as falcosidekick sends them)', () => {
  const base = { user: 'falco', password: 'pw', token: 'tok', identity: 'admin', trace: 'falco@example.com' };
  const server = { host: 'smtp.example.com', port: 587 };

  it('PLAIN is identity NUL user NUL password', () => {
    expect(saslStart({ ...base, authmechanism: 'plain' }, server)).toEqual({ mechanism: 'PLAIN', initialResponse: 'admin\0falco\0pw' });
  });

  it('OAUTHBEARER is the RFC 7628 GS2 header, host, port and bearer token; a= only with a user', () => {
    expect(saslStart({ ...base, authmechanism: 'oauthbearer' }, server)).toEqual({
      mechanism: 'OAUTHBEARER',
      initialResponse: 'n,a=falco,\x01host=smtp.example.com\x01port=587\x01auth=Bearer tok\x01\x01',
    });
    expect(saslStart({ ...base, user: '', authmechanism: 'oauthbearer' }, server)?.initialResponse).toBe('n,,\x01host=smtp.example.com\x01port=587\x01auth=Bearer tok\x01\x01');
  });

  it('EXTERNAL is the identity, ANONYMOUS the trace; LOGIN and none have none', () => {
    expect(saslStart({ ...base, authmechanism: 'external' }, server)).toEqual({ mechanism: 'EXTERNAL', initialResponse: 'admin' });
    expect(saslStart({ ...base, authmechanism: 'anonymous' }, server)).toEqual({ mechanism: 'ANONYMOUS', initialResponse: 'falco@example.com' });
    expect(saslStart({ ...base, authmechanism: 'login' }, server)).toBeUndefined();
    expect(saslStart({ ...base, authmechanism: 'none' }, server)).toBeUndefined();
  });
});

describe('smtp config', () => {
  it('reads falcosidekick\'s env names, with its defaults (tls on, plain, html)', () => {
    const instance = instanceFrom('smtp', {}, { SMTP_HOSTPORT: 'smtp.example.com:587', SMTP_FROM: FROM, SMTP_TO: 'a@example.com,b@example.com', SMTP_PASSWORD: 'pw', SMTP_AUTHMECHANISM: 'LOGIN' });
    expect(instance.config).toMatchObject({ hostport: 'smtp.example.com:587', tls: true, authmechanism: 'login', outputformat: 'html', to: ['a@example.com', 'b@example.com'] });
    expect(instanceFrom('smtp', { hostport: 'smtp.example.com:587', from: FROM, to: TO }).config).toMatchObject({ tls: true, authmechanism: 'plain', outputformat: 'html' });
  });

  it('reads host:port (IPv6 in brackets) and refuses anything else', () => {
    expect(parseSmtpHostPort('smtp.example.com:587')).toEqual({ host: 'smtp.example.com', port: 587 });
    expect(parseSmtpHostPort('[::1]:25')).toEqual({ host: '::1', port: 25 });
    for (const bad of ['smtp.example.com', 'smtp://smtp.example.com:587', 'host:0', 'host:70000', ':25']) expect(parseSmtpHostPort(bad)).toEqual(expect.any(String));
  });

  it('requires from and to (falcosidekick silently stays off without them) and a known mechanism and format', () => {
    const problems = parseOutputsConfig({ smtp: { hostport: 'smtp', authmechanism: 'cram-md5', outputformat: 'markdown', password: CONTRACT_SECRET } }, {}).problems;
    expect(problems).toEqual([
      'smtp.authmechanism: must be one of plain, login, oauthbearer, external, anonymous, none',
      'smtp.outputformat: must be one of html, text',
    ]);
    expect(parseOutputsConfig({ smtp: { hostport: 'smtp', password: CONTRACT_SECRET } }, {}).problems).toEqual([
      'smtp.hostport: must be host:port, e.g. smtp.example.com:587',
      'smtp.from: is required (the sender address)',
      'smtp.to: is required (at least one recipient)',
    ]);
  });

  it('minimumpriority "info" means Informational here (falcosidekick does not run it through checkPriority)', () => {
    const instance = instanceFrom('smtp', { hostport: 'smtp.example.com:587', from: FROM, to: TO, minimumpriority: 'info' });
    expect(instance.minimumPriority).toBe('Informational');
    expect(passesMinimumPriority(realisticAlert({ priority: 'Debug' }), instance.minimumPriority)).toBe(false);
  });

  it('treats the secret\'s base64 forms (as AUTH sends them) as secrets', () => {
    const instance = instanceFrom('smtp', { hostport: 'smtp.example.com:587', from: FROM, to: TO, user: 'falco', password: CONTRACT_SECRET });
    expect(instance.secrets).toEqual(expect.arrayContaining([CONTRACT_SECRET, Buffer.from(CONTRACT_SECRET).toString('base64'), Buffer.from(`\0falco\0${CONTRACT_SECRET}`).toString('base64')]));
  });

  it('classifies SMTP answers: 5xx to AUTH, MAIL, RCPT or DATA is fatal; 4xx, 503 and connection failures are retried', () => {
    const error = (code: string, responseCode?: number): Error => Object.assign(new Error(`failure ${responseCode ?? ''}`), { code, ...(responseCode ? { responseCode } : {}) });
    expect(classifySmtpError(error('EAUTH', 535)).kind).toBe('fatal');
    expect(classifySmtpError(error('EAUTH', 454)).kind).toBe('retryable');
    expect(classifySmtpError(error('EENVELOPE', 550)).kind).toBe('fatal');
    expect(classifySmtpError(error('EENVELOPE', 451)).kind).toBe('retryable');
    expect(classifySmtpError(error('EENVELOPE', 503)).kind).toBe('retryable');
    expect(classifySmtpError(error('EMESSAGE', 552)).kind).toBe('fatal');
    expect(classifySmtpError(error('ETLS')).kind).toBe('retryable');
    expect(classifySmtpError(error('EPROTOCOL', 554)).kind).toBe('retryable');
    expect(classifySmtpError(error('ECONNECTION')).kind).toBe('retryable');
  });
});

describe('smtp against a real SMTP server (smtp-server, STARTTLS, AUTH required)', () => {
  const real = sinkSuite('smtp', () => SmtpSink.start({ credentials: CREDENTIALS }), (sink) => sink.stop());
  const send = (section: Record<string, unknown>, alerts = [referenceAlert()], tls?: { ca: string }) => real.sender(section, tls).send(alerts);
  const lastMail = (): ParsedMail => parseMail(real.sink.received.at(-1)!.raw);

  it('delivers falcosidekick\'s mail over STARTTLS after AUTH PLAIN: headers, envelope and both parts', async () => {
    expect(await send(sectionFor(real.sink.port))).toEqual({ kind: 'ok' });
    const received = real.sink.received.at(-1)!;
    expect(received).toMatchObject({ from: FROM, to: ['alerts@example.com', 'oncall@example.com'], user: 'falco', secure: true });
    expect(real.sink.authentications.at(-1)).toMatchObject({ method: 'PLAIN', secure: true, accepted: true, details: { user: 'falco', authzid: '' } });
    const mail = lastMail();
    expect(mail.subject).toBe('[Debug] This is a test from falcosidekick');
    // smtp_test.go: the Date header is RFC 5322 (Mon, 02 Jan 2006 15:04:05 -0700) from the alert's time.
    expect(mail.headers.get('date')).toEqual(['Mon, 01 Jan 2001 01:10:00 +0000']);
    expect(mail.headers.get('from')).toEqual([FROM]);
    expect(mail.headers.get('to')).toEqual([TO]);
    expect(mail.headers.get('mime-version')).toEqual(['1.0']);
    expect(mail.headers.get('content-type')![0]).toMatch(/^multipart\/alternative; boundary=/);
    expect(mail.parts.map((p) => [p.contentType, p.charset])).toEqual([
      ['text/plain', 'utf-8'],
      ['text/html', 'utf-8'],
    ]);
    expect(mail.parts[0]!.content).toBe(FALCOSIDEKICK_TEXT.slice(0, -1));
    expect(mail.parts[1]!.content).toBe(FALCOSIDEKICK_HTML.slice(0, -`\n${CLOSING_BOUNDARY}`.length));
  });

  it('text format: one text/plain part with the whole text; non-ASCII survives subject and body', async () => {
    expect(await send(sectionFor(real.sink.port, { outputformat: 'text' }), [realisticAlert()])).toEqual({ kind: 'ok' });
    const mail = lastMail();
    expect(mail.subject).toBe(smtpSubject(realisticAlert()));
    expect(mail.headers.get('message-id')).toEqual(['<6d3e0a4c-2f0b-4c8e-9a57-0b1f8f3c9d21@peregrine>']);
    expect(mail.parts).toHaveLength(1);
    expect(mail.parts[0]).toMatchObject({ contentType: 'text/plain', content: smtpTextBody(realisticAlert()) });
  });

  it('keeps one session for several alerts and several sends', async () => {
    const before = real.sink.connections;
    const sender = real.sender(sectionFor(real.sink.port));
    expect(await sender.send([referenceAlert(), realisticAlert()])).toEqual({ kind: 'ok' });
    expect(await sender.send([referenceAlert()])).toEqual({ kind: 'ok' });
    expect(real.sink.connections - before).toBe(1);
  });

  it('a refused recipient is fatal; with others accepted the mail is delivered to them', async () => {
    const refused = await send(sectionFor(real.sink.port, { to: 'unknown@example.com' }));
    expect(refused).toMatchObject({ kind: 'fatal', reason: expect.stringContaining('550') as unknown });
    expect(await send(sectionFor(real.sink.port, { to: 'unknown@example.com, alerts@example.com' }))).toEqual({ kind: 'ok' });
    expect(real.sink.received.at(-1)!.to).toEqual(['alerts@example.com']);
  });

  it('a mail above the server\'s SIZE is fatal (552) and the next alert of the batch still goes out on the same session', async () => {
    const before = real.sink.received.length;
    const result = await send(sectionFor(real.sink.port), [referenceAlert({ output: 'x'.repeat(400 * 1024) }), referenceAlert()]);
    expect(result).toMatchObject({ kind: 'partial', items: [{ kind: 'fatal', reason: expect.stringContaining('552') as unknown }, { kind: 'ok' }] });
    expect(real.sink.received.length - before).toBe(1);
  });

  it('verifies the certificate when given its CA (checkcert: true), and refuses an unknown issuer (retried)', async () => {
    expect(await send(sectionFor(real.sink.port, { checkcert: true }), [referenceAlert()], { ca: real.sink.certificate.cert })).toEqual({ kind: 'ok' });
    const unknown = await send(sectionFor(real.sink.port, { checkcert: true }));
    expect(unknown).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/certificate/i) as unknown });
  });

  it('tls: false still upgrades when the server offers STARTTLS (this server refuses AUTH in plain text)', async () => {
    expect(await send(sectionFor(real.sink.port, { tls: false, checkcert: true }))).toEqual({ kind: 'ok' });
    expect(real.sink.received.at(-1)!.secure).toBe(true);
  });

  it('★ LOGIN', async () => {
    expect(await send(sectionFor(real.sink.port, { authmechanism: 'login' }))).toEqual({ kind: 'ok' });
    expect(real.sink.authentications.at(-1)).toMatchObject({ method: 'LOGIN', accepted: true });
    expect(await send(sectionFor(real.sink.port, { authmechanism: 'login', password: 'wrong' }))).toMatchObject({ kind: 'fatal', reason: expect.stringContaining('535') as unknown });
  });

  it('PLAIN with an authorization identity sends it as go-sasl does', async () => {
    await send(sectionFor(real.sink.port, { identity: 'falco' }));
    expect(real.sink.authentications.at(-1)).toMatchObject({ method: 'PLAIN', accepted: true, details: { user: 'falco', authzid: 'falco' } });
  });

  it('OAUTHBEARER: the token is accepted, a wrong one fatal after the RFC 7628 error exchange', async () => {
    const section = { ...sectionFor(real.sink.port, { authmechanism: 'oauthbearer', token: CONTRACT_SECRET }), password: '' };
    expect(await send(section)).toEqual({ kind: 'ok' });
    expect(real.sink.authentications.at(-1)).toEqual({ method: 'OAUTHBEARER', secure: true, accepted: true, details: { user: 'falco', host: '127.0.0.1', port: String(real.sink.port) } });
    const refused = await send({ ...section, token: 'expired' });
    expect(refused).toMatchObject({ kind: 'fatal', reason: expect.stringContaining('535') as unknown });
    expect(JSON.stringify(refused)).not.toContain('expired');
  });

  it('EXTERNAL sends the identity; ANONYMOUS the trace', async () => {
    expect(await send(sectionFor(real.sink.port, { authmechanism: 'external', identity: CREDENTIALS.externalIdentity }))).toEqual({ kind: 'ok' });
    expect(real.sink.authentications.at(-1)).toMatchObject({ method: 'EXTERNAL', accepted: true, details: { authzid: 'falco-sidekick' } });
    expect(await send(sectionFor(real.sink.port, { authmechanism: 'external', identity: '' }))).toMatchObject({ kind: 'fatal' });
    expect(real.sink.authentications.at(-1)).toMatchObject({ method: 'EXTERNAL', accepted: false, details: { authzid: '' } });
    expect(await send(sectionFor(real.sink.port, { authmechanism: 'anonymous', trace: 'falco@example.com' }))).toEqual({ kind: 'ok' });
    expect(real.sink.authentications.at(-1)).toMatchObject({ method: 'ANONYMOUS', accepted: true, details: { trace: 'falco@example.com' } });
  });

  it('authmechanism none sends no AUTH: a server that requires it refuses the sender (530, fatal)', async () => {
    const attempts = real.sink.authentications.length;
    expect(await send(sectionFor(real.sink.port, { authmechanism: 'none' }))).toMatchObject({ kind: 'fatal', reason: expect.stringContaining('530') as unknown });
    expect(real.sink.authentications.length).toBe(attempts);
  });
});

describe('smtp against servers without STARTTLS, or with a short idle timeout', () => {
  const servers = sinkSuite(
    'smtp',
    async () => ({
      relay: await SmtpSink.start({ credentials: CREDENTIALS, starttls: false }),
      hasty: await SmtpSink.start({ credentials: CREDENTIALS, idleTimeoutMs: 300 }),
    }),
    async ({ relay, hasty }) => {
      await relay.stop();
      await hasty.stop();
    },
  );

  it('tls: true (the default) does not send without STARTTLS (retried); tls: false sends in plain text', async () => {
    const required = await servers.sender(sectionFor(servers.sink.relay.port)).send([referenceAlert()]);
    expect(required).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/STARTTLS/) as unknown });
    expect(servers.sink.relay.received).toHaveLength(0);
    expect(await servers.sender(sectionFor(servers.sink.relay.port, { tls: false })).send([referenceAlert()])).toEqual({ kind: 'ok' });
    expect(servers.sink.relay.received[0]).toMatchObject({ secure: false, user: 'falco' });
  });

  it('a session the server closed while idle is reopened for the next alert, without a failure', async () => {
    const kept = servers.sender(sectionFor(servers.sink.hasty.port));
    expect(await kept.send([referenceAlert()])).toEqual({ kind: 'ok' });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await kept.send([referenceAlert()])).toEqual({ kind: 'ok' });
    expect(servers.sink.hasty.received).toHaveLength(2);
    expect(servers.sink.hasty.connections).toBe(2);
  });
});
