import { connect, type ConnectionOptions, ErrorCode, type NatsConnection, NatsError } from 'nats';
import { falcoPayload, type OutputAlert } from '../alert';
import { type ConfigIssue, key } from '../config';
import { goMarshal } from '../go/json';
import type { TlsMaterial } from '../http';
import { defineOutput, type FullConfig } from '../output';
import { fatal, type ItemResult, ok, retryable, type SendResult } from '../result';

/**
 * NATS core publish, as falcosidekick's `outputs/nats.go`: one message per alert, the
 * serialised alert as its data, on the subject `subjecttemplate` gives with `<priority>` and
 * `<rule>` filled in. falcosidekick connects, publishes and closes per alert; we keep one
 * connection and confirm every chunk with a flush (a PING the server answers only after it has
 * processed the publishes before it), so "delivered" means the server took the messages.
 */

export const DEFAULT_NATS_SUBJECT_TEMPLATE = 'falco.<priority>.<rule>';
const DEFAULT_NATS_PORT = 4222;
/** Publishes confirmed by one flush; NATS has no batch message, so this only bounds a chunk. */
const NATS_MAX_BATCH = 100;

/** Client errors about the message itself: sending the same alert again fails the same way. */
const REFUSED_MESSAGE_CODES: ReadonlySet<string> = new Set<string>([ErrorCode.MaxPayloadExceeded, ErrorCode.BadSubject]);

export const natsKeys = {
  hostport: key.string({
    secret: true,
    description: 'Server URL `nats://[user:password@|token@]host[:port]` (★ `tls://` requires TLS); enables the output.',
    example: 'nats://nats.example.com:4222',
  }),
  subjecttemplate: key.string({
    default: DEFAULT_NATS_SUBJECT_TEMPLATE,
    description: 'Subject of each message; `<priority>` and `<rule>` are replaced by the lower-cased priority and the rule slug. Empty = the default.',
  }),
} as const;

export type NatsConfig = FullConfig<typeof natsKeys>;

export interface NatsServerAddress {
  /** `host:port` as the nats client takes it. */
  readonly server: string;
  /** `tls://`: TLS is required (and `checkcert`, the CA and mutual TLS apply). */
  readonly requireTls: boolean;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
}

/**
 * Reads `hostport`. falcosidekick accepts `nats://` URLs (its endpoint check); user info is the
 * NATS way of giving credentials: `user:password@` or a bare `token@`.
 */
export function parseNatsAddress(text: string): NatsServerAddress | string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'must be a URL such as nats://host:4222';
  }
  if (url.protocol !== 'nats:' && url.protocol !== 'tls:') return 'must start with nats:// (or tls:// to require TLS)';
  if (url.hostname === '') return 'must name a host, as in nats://host:4222';
  const user = decodeURIComponent(url.username);
  // As Go's client: `user:@` (a colon, even with an empty password) is a user; `name@` alone is a token.
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(text.trim())?.[1] ?? '';
  const credentials = user === '' ? {} : userInfo.includes(':') ? { user, pass: decodeURIComponent(url.password) } : { token: user };
  return { server: `${url.hostname}:${url.port === '' ? DEFAULT_NATS_PORT : url.port}`, requireTls: url.protocol === 'tls:', ...credentials };
}

// Go lower-cases U+0130 (İ) to a plain "i"; JavaScript adds a combining dot the slug would turn into "_".
const goToLower = (text: string): string => text.replace(/\u0130/g, 'i').toLowerCase();

/** falcosidekick's rule slug: lower case, every run of characters other than `[a-z0-9]` → `_`, outer `_` trimmed. */
export function natsRuleSlug(rule: string): string {
  return goToLower(rule)
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The subject of one alert: the template (empty = the default) with `<priority>` and `<rule>` replaced everywhere. */
export function natsSubject(template: string, alert: Pick<OutputAlert, 'priority' | 'rule'>): string {
  const subject = template === '' ? DEFAULT_NATS_SUBJECT_TEMPLATE : template;
  return subject.replaceAll('<priority>', alert.priority.toLowerCase()).replaceAll('<rule>', natsRuleSlug(alert.rule));
}

export interface NatsMessage {
  readonly subject: string;
  /** falcosidekick's `json.Marshal(falcopayload)`: no trailing newline. */
  readonly data: string;
}

export function natsMessages(alerts: readonly OutputAlert[], template: string): NatsMessage[] {
  return alerts.map((alert) => ({ subject: natsSubject(template, alert), data: goMarshal(falcoPayload(alert)) }));
}

/**
 * A subject the server accepts for a publish: dot-separated non-empty tokens, no white space,
 * no wildcards. Checked on the template (the replacements only ever give `[a-z0-9_]`), so a typo
 * is refused at start-up rather than on every alert.
 */
function subjectTemplateProblem(template: string): string | undefined {
  const sample = natsSubject(template, { priority: 'Debug', rule: 'rule' });
  if (/\s/.test(sample)) return 'must not contain white space';
  if (sample.split('.').some((token) => token === '')) return 'must be dot-separated non-empty tokens (no leading, trailing or double dots)';
  if (sample.split('.').some((token) => token === '*' || token === '>')) return 'must not contain the wildcards * or >';
  return undefined;
}

/**
 * A connection plus, per delivery in progress, the publish subjects the server refused while it
 * ran (the server says so asynchronously; deliveries may overlap with maxconcurrentrequests > 1).
 */
interface NatsLink {
  readonly connection: NatsConnection;
  readonly refusalsByDelivery: Set<Set<string>>;
}

function connectionOptions(address: NatsServerAddress, config: NatsConfig, tls: TlsMaterial | undefined): ConnectionOptions {
  const useTls = address.requireTls || config.mutualtls;
  return {
    servers: address.server,
    // One attempt: a failed connection is reported to the sender, which opens a new one at the next send.
    reconnect: false,
    timeout: config.timeout,
    ...(address.user !== undefined ? { user: address.user, pass: address.pass ?? '' } : {}),
    ...(address.token !== undefined ? { token: address.token } : {}),
    // Over nats:// the client upgrades to TLS when the server asks for it, as Go's client does.
    ...(useTls
      ? {
          tls: {
            ...(tls?.ca ? { ca: tls.ca } : {}),
            ...(config.mutualtls && tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
            ...(config.checkcert || config.mutualtls ? {} : { rejectUnauthorized: false }),
          },
        }
      : {}),
  };
}

async function watchRefusals(link: NatsLink): Promise<void> {
  for await (const status of link.connection.status()) {
    const context = status.permissionContext;
    if (status.data !== ErrorCode.PermissionsViolation || context?.operation !== 'publish' || !context.subject) continue;
    for (const refused of link.refusalsByDelivery) refused.add(context.subject);
  }
}

export const nats = defineOutput<typeof natsKeys, NatsServerAddress>({
  type: 'nats',
  title: 'NATS',
  description: 'Publishes each alert as JSON to a NATS subject built from its priority and rule.',
  keys: natsKeys,
  enabledBy: 'hostport',
  prepare(config) {
    const issues: ConfigIssue[] = [];
    const address = parseNatsAddress(config.hostport);
    if (typeof address === 'string') issues.push({ key: 'hostport', message: address });
    const subjectProblem = subjectTemplateProblem(config.subjecttemplate);
    if (subjectProblem !== undefined) issues.push({ key: 'subjecttemplate', message: subjectProblem });
    return typeof address === 'string' ? { issues } : { prepared: address, issues };
  },
  maxBatch: () => NATS_MAX_BATCH,
  client: {
    async connect({ config, prepared }, tls): Promise<NatsLink> {
      const link: NatsLink = { connection: await connect(connectionOptions(prepared, config, tls)), refusalsByDelivery: new Set() };
      void watchRefusals(link).catch(() => undefined);
      return link;
    },
    encode: (alerts, { config }) => natsMessages(alerts, config.subjecttemplate),
    async deliver(connection, message): Promise<SendResult | undefined> {
      const link = connection as NatsLink;
      const messages = message as readonly NatsMessage[];
      const refused = new Set<string>();
      link.refusalsByDelivery.add(refused);
      try {
        for (const { subject, data } of messages) link.connection.publish(subject, data);
        await link.connection.flush();
        // The server reports a refused publish with an -ERR before the flush's PONG; let its status event land.
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        link.refusalsByDelivery.delete(refused);
      }
      if (refused.size === 0) return undefined;
      const items: ItemResult[] = messages.map(({ subject }) =>
        refused.has(subject) ? fatal(`the server refused the publish to ${subject} (permissions violation)`) : ok(),
      );
      return items.every((item) => item.kind === 'fatal') ? items[0] : { kind: 'partial', items, reason: 'the server refused some publishes (permissions violation)' };
    },
    async disconnect(connection) {
      await (connection as NatsLink).connection.close().catch(() => undefined);
    },
    classify(error) {
      const text = error instanceof Error ? error.message : String(error);
      if (error instanceof NatsError) {
        // Credentials, an expired account or a message above the server's max_payload: the same alert fails the same way.
        if (error.isAuthError() || REFUSED_MESSAGE_CODES.has(error.code)) return fatal(`NATS: ${text}`);
      }
      return retryable(`NATS: ${text}`);
    },
  },
});
