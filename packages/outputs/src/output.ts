import type { Priority } from '@peregrine/engine';
import type { OutputAlert } from './alert';
import { type CommonConfig, type ConfigIssue, type ConfigKeys, type ConfigOf, commonKeys } from './config';
import {
  classifyResponse,
  describeStatus,
  type HttpRequestSpec,
  type HttpResponse,
  type HttpTransport,
  isSuccess,
  type TlsMaterial,
  type TransportOptions,
  type TransportOutcome,
  transportFailureResult,
  UndiciTransport,
} from './http';
import { runInLanes } from './lanes';
import { createRedactor } from './redact';
import { fatal, type ItemResult, itemResults, redactResult, retryable, type SendResult, summarize, worstOf } from './result';

/**
 * The shape of an output, and the sender the dispatcher calls.
 *
 * An output is declared with {@link defineOutput}: its config keys, which key enables it, how
 * many alerts one `send` may carry, a **pure** request builder (alerts + config + clock →
 * requests), and how to read an answer. Everything around that — batching into chunks,
 * transport, `Retry-After`, combining several requests' outcomes per alert, redaction, never
 * throwing — lives here once, so an output file contains only what is specific to its sink.
 */

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Settings outside an output's own section that some outputs need (read by `parseOutputsConfig`). */
export interface GlobalSettings {
  /** Keys of the global `customfields` (Loki turns string ones into labels, as falcosidekick). */
  readonly customFieldNames: readonly string[];
  /** Keys of the global `templatedfields` (same). */
  readonly templatedFieldNames: readonly string[];
}

export const NO_GLOBALS: GlobalSettings = { customFieldNames: [], templatedFieldNames: [] };

export interface BuildContext<C, P> {
  readonly config: C;
  readonly prepared: P;
  /** Clock reading for this attempt (ES daily index, webhook signature timestamp). */
  readonly now: number;
  readonly globals: GlobalSettings;
}

/** One request of a plan and the alerts (indexes into the alerts given to `build`) it carries. */
export interface PlannedRequest {
  readonly spec: HttpRequestSpec;
  readonly alerts: readonly number[];
}

/**
 * How an output reads an answer to one planned request: a result for the alerts that request
 * carried (`partial` items align with `PlannedRequest.alerts`), or — once — a corrected request
 * to send instead (Elasticsearch's retry without an unmappable field).
 */
export type Interpretation = SendResult | { readonly kind: 'resend'; readonly spec: HttpRequestSpec; readonly note: string };

/** A preparatory request run once before the first delivery (Elasticsearch index template). */
export interface SetupStep {
  readonly spec: HttpRequestSpec;
  readonly description: string;
  /** `done` ends the setup, `next` runs the following step, `fail` retries the setup at the next send. */
  readonly decide: (response: HttpResponse) => 'done' | 'next' | 'fail';
}

export type FullConfig<K extends ConfigKeys> = ConfigOf<K> & CommonConfig;

/** What an output module declares. `P` is what `prepare` precomputes once (compiled templates, parsed thresholds). */
export interface OutputSpec<K extends ConfigKeys, P> {
  /** Config section (unless `section` says otherwise) and metrics `destination` label: `slack`, `loki`, `awssqs`, … */
  readonly type: string;
  /**
   * Dotted path of the config section holding the keys, when it is not a top-level section
   * named like the type: falcosidekick nests services under their provider (`aws.sqs`), with
   * the provider's credentials beside them. Env names follow the path (`AWS_SQS_URL`).
   */
  readonly section?: string;
  /**
   * Keys of the parent section (`aws.region` for `aws.sqs`), shared with the sibling outputs;
   * an instance's own section may set them too, overriding the parent's. Only for nested sections.
   */
  readonly sharedKeys?: ConfigKeys;
  readonly title: string;
  readonly description: string;
  readonly keys: K;
  /** Setting this key enables an instance (falcosidekick's rule). */
  readonly enabledBy: keyof K & string;
  /**
   * Keys besides `enabledBy` without which an enabled instance is refused at start-up (its
   * `prepare` or the key's schema says so): with `enabledBy` they make the minimal example the
   * dashboard shows. A test drops each one from that example and expects the refusal.
   */
  readonly requires?: ReadonlyArray<keyof K & string>;
  /** The heading of this output's section in packages/outputs/README.md, when it is not `title`. */
  readonly readmeHeading?: string;
  /**
   * falcosidekick runs most outputs' `minimumpriority` through its `checkPriority`, which makes
   * `info` mean "no minimum"; for the few it skips (Discord) `info` is Informational. Default false.
   */
  readonly infoMinimumIsInformational?: boolean;
  /** Validates across keys and precomputes; issues (refuse to start) and warnings name the key (`key` relative to the section). */
  readonly prepare?: (
    config: FullConfig<K>,
    globals: GlobalSettings,
  ) => { readonly prepared?: P; readonly issues: readonly ConfigIssue[]; readonly warnings?: readonly ConfigIssue[] };
  /** Most alerts one `send` chunk may carry; the dispatcher reads it from the instance. */
  readonly maxBatch: (config: FullConfig<K>, prepared: P) => number;
  /** How long the dispatcher may wait for more alerts to fill a batch (default 0: send what is pending). */
  readonly lingerMs?: (config: FullConfig<K>) => number;
  /** Secret values beyond those of secret keys (rare). */
  readonly extraSecrets?: (config: FullConfig<K>) => readonly string[];
  /**
   * Pure: the requests that deliver these alerts. May throw only on a bug; the sender turns that
   * into `fatal`. Outputs that speak their sink's own protocol declare `client` instead.
   */
  readonly build?: (alerts: readonly OutputAlert[], ctx: BuildContext<FullConfig<K>, P>) => readonly PlannedRequest[];
  /** The sink's own protocol through its kept client library (NATS, MQTT, Redis, SMTP, syslog, AWS SDK), instead of `build`. */
  readonly client?: ClientProtocol<FullConfig<K>, P>;
  /** Reads an HTTP answer (transport failures never reach it). Default: {@link classifyResponse}. */
  readonly interpret?: (response: HttpResponse, request: PlannedRequest, alerts: readonly OutputAlert[], ctx: BuildContext<FullConfig<K>, P>) => Interpretation;
  readonly setup?: (ctx: BuildContext<FullConfig<K>, P>) => readonly SetupStep[];
}

/**
 * How an output that is not planned HTTP requests talks to its sink: a connection opened
 * lazily (again after any failure), a delivery per chunk, a close. Around it the sender adds
 * what every output gets: chunking, the instance's timeout, single-flight connecting,
 * redaction, never throwing.
 */
export interface ClientProtocol<C, P, Connection = unknown, Message = unknown> {
  /** Opens a connection; rejects when the sink cannot be reached or refuses the credentials. */
  connect(ctx: BuildContext<C, P>, tls: TlsMaterial | undefined): Promise<Connection>;
  /**
   * Pure: what delivers these alerts (at most `maxBatch` of them), as the sink's client takes
   * it: a message, a list of publishes, an email. Throws only on a bug or an alert that cannot
   * be encoded; the sender turns that into `fatal`. The payload tests test this.
   */
  encode(alerts: readonly OutputAlert[], ctx: BuildContext<C, P>): Message;
  /**
   * Sends what `encode` made. Resolves once the sink has taken it (with a per-alert result
   * where alerts fared differently); rejects on failure, read by `classify`.
   */
  deliver(connection: Connection, message: Message, ctx: BuildContext<C, P>): Promise<SendResult | undefined>;
  /** Releases the connection; never rejects (failures are swallowed: the connection is dropped anyway). */
  disconnect(connection: Connection): Promise<void>;
  /**
   * A failure the sink itself answered with: `fatal` where sending the same alert again cannot
   * succeed (refused credentials, a message too large), else retryable. Default: retryable
   * with the error's message.
   */
  classify?(error: unknown): ItemResult;
}

/** A configured, enabled output (one of possibly several of its type). */
export interface OutputInstance {
  /** Unique across all outputs; the type name unless configured (`slack`, `oncall`). */
  readonly name: string;
  readonly type: string;
  readonly definition: OutputDefinition;
  /** Parsed config: the output's keys plus the common ones. Contains secrets: never show it; use `maskedConfig`. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Falcosidekick filter; undefined = everything. Apply with `passesMinimumPriority` (honours the `Test rule` bypass). */
  readonly minimumPriority?: Priority;
  /** Raw routing condition (Falco condition syntax) for the server to compile; undefined = no condition. */
  readonly when?: string;
  readonly maxConcurrentRequests: number;
  readonly timeoutMs: number;
  readonly checkCert: boolean;
  readonly mutualTls: boolean;
  /** Opt-in folding of identical alerts; undefined = off. */
  readonly dedup?: { readonly windowMs: number; readonly fields: readonly string[] };
  /** Most alerts per `send` chunk; larger calls are split. */
  readonly maxBatch: number;
  /** How long the dispatcher may wait for more pending alerts to fill a batch (ES `batching.flushinterval`); 0 = don't wait. */
  readonly lingerMs: number;
  /** Every secret value of this instance (for the server's log redaction too). */
  readonly secrets: readonly string[];
  /** Where the values came from: the YAML section, env variables, or both. */
  readonly origin: 'yaml' | 'env' | 'yaml+env';
  readonly globals: GlobalSettings;
  /** The output's precomputed state (opaque outside its module). */
  readonly prepared: unknown;
}

/** The registry's view of an output: type-erased, so outputs of different config types sit in one list. */
export interface OutputDefinition {
  readonly type: string;
  /** Dotted path of the config section (`slack`, `aws.sqs`); env names derive from it. */
  readonly section: string;
  readonly title: string;
  readonly description: string;
  /** Every key: the output's own, then the common ones, then the shared ones. */
  readonly keys: ConfigKeys;
  readonly ownKeys: ConfigKeys;
  /** Keys read from the parent section (`aws.region`), shared with sibling outputs; empty for top-level sections. */
  readonly sharedKeys: ConfigKeys;
  readonly enabledBy: string;
  /** Keys besides `enabledBy` an enabled instance cannot start without (see {@link OutputSpec}). */
  readonly requires: readonly string[];
  /** The heading of its section in packages/outputs/README.md. */
  readonly readmeHeading: string;
  /** `minimumpriority: info` means Informational, not "no minimum" (see {@link OutputSpec}). */
  readonly infoMinimumIsInformational?: boolean;
  prepare(
    config: Readonly<Record<string, unknown>>,
    globals: GlobalSettings,
  ): { readonly prepared?: unknown; readonly issues: readonly ConfigIssue[]; readonly warnings?: readonly ConfigIssue[] };
  maxBatch(config: Readonly<Record<string, unknown>>, prepared: unknown): number;
  lingerMs(config: Readonly<Record<string, unknown>>): number;
  extraSecrets(config: Readonly<Record<string, unknown>>): readonly string[];
  /** Pure: requests for these alerts (at most `instance.maxBatch` of them). */
  plan(instance: OutputInstance, alerts: readonly OutputAlert[], now: number): readonly PlannedRequest[];
  interpret(instance: OutputInstance, response: HttpResponse, request: PlannedRequest, alerts: readonly OutputAlert[], now: number): Interpretation;
  setupSteps(instance: OutputInstance, now: number): readonly SetupStep[];
  /** `http`: `plan`/`interpret` over an {@link HttpTransport}; `client`: `client` below. */
  readonly protocol: 'http' | 'client';
  /** The client protocol bound to an instance (type-erased); only for `protocol: 'client'`. */
  client(instance: OutputInstance, now: number): BoundClient | undefined;
}

/** A client protocol with its instance's config bound in (what the sender drives). */
export interface BoundClient {
  connect(tls: TlsMaterial | undefined): Promise<unknown>;
  encode(alerts: readonly OutputAlert[], now: number): unknown;
  deliver(connection: unknown, message: unknown, now: number): Promise<SendResult | undefined>;
  disconnect(connection: unknown): Promise<void>;
  classify(error: unknown): ItemResult;
}

export function defineOutput<K extends ConfigKeys, P = undefined>(spec: OutputSpec<K, P>): OutputDefinition {
  if ((spec.build === undefined) === (spec.client === undefined)) throw new Error(`output ${spec.type}: declare exactly one of build (HTTP) and client`);
  const section = spec.section ?? spec.type;
  const sharedKeys: ConfigKeys = spec.sharedKeys ?? {};
  if (Object.keys(sharedKeys).length > 0 && !section.includes('.')) throw new Error(`output ${spec.type}: shared keys need a nested section (provider.service)`);
  const clash = Object.keys(sharedKeys).find((name) => name in spec.keys || name in commonKeys);
  if (clash !== undefined) throw new Error(`output ${spec.type}: shared key ${clash} is also one of its own keys`);
  const requires: readonly string[] = spec.requires ?? [];
  const misplaced = requires.find((name) => name === spec.enabledBy || !(name in spec.keys));
  if (misplaced !== undefined) throw new Error(`output ${spec.type}: required key ${misplaced} must be one of its own keys other than enabledBy`);
  const keys: ConfigKeys = { ...spec.keys, ...commonKeys, ...sharedKeys };
  // The instance's config was parsed from exactly these keys, and `prepared` was produced by
  // `spec.prepare` for it, so these casts only restore types the registry erased.
  const ctx = (instance: OutputInstance, now: number): BuildContext<FullConfig<K>, P> => ({
    config: instance.config as FullConfig<K>,
    prepared: instance.prepared as P,
    now,
    globals: instance.globals,
  });
  return {
    type: spec.type,
    section,
    title: spec.title,
    description: spec.description,
    keys,
    ownKeys: spec.keys,
    sharedKeys,
    enabledBy: spec.enabledBy,
    requires,
    readmeHeading: spec.readmeHeading ?? spec.title,
    ...(spec.infoMinimumIsInformational ? { infoMinimumIsInformational: true } : {}),
    prepare: (config, globals) => (spec.prepare ? spec.prepare(config as FullConfig<K>, globals) : { prepared: undefined, issues: [] }),
    maxBatch: (config, prepared) => Math.max(1, Math.floor(spec.maxBatch(config as FullConfig<K>, prepared as P))),
    lingerMs: (config) => spec.lingerMs?.(config as FullConfig<K>) ?? 0,
    extraSecrets: (config) => spec.extraSecrets?.(config as FullConfig<K>) ?? [],
    plan: (instance, alerts, now) => {
      if (!spec.build) throw new Error(`output ${spec.type} speaks its own protocol: it plans no HTTP requests`);
      return spec.build(alerts, ctx(instance, now));
    },
    interpret: (instance, response, request, alerts, now) =>
      spec.interpret ? spec.interpret(response, request, alerts, ctx(instance, now)) : classifyResponse(response, now),
    setupSteps: (instance, now) => spec.setup?.(ctx(instance, now)) ?? [],
    protocol: spec.client ? 'client' : 'http',
    client: (instance, now) => {
      const protocol = spec.client;
      if (!protocol) return undefined;
      const bound = ctx(instance, now);
      // The connection's and message's types are the protocol's own: the sender only hands back what `connect` and `encode` gave it.
      const typed: ClientProtocol<FullConfig<K>, P> = protocol;
      return {
        connect: (tls) => typed.connect(bound, tls),
        encode: (alerts, at) => typed.encode(alerts, { ...bound, now: at }),
        deliver: (connection, message, at) => typed.deliver(connection, message, { ...bound, now: at }),
        disconnect: (connection) => typed.disconnect(connection),
        classify: (error) => typed.classify?.(error) ?? retryable(errorMessage(error)),
      };
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A transport that rejected instead of answering, as the failure it stands for. */
function transportError(error: unknown): TransportOutcome {
  return { kind: 'failure', failure: 'other', message: `transport error: ${errorMessage(error)}` };
}

/** One result per alert of a chunk from the results of the requests planned for it (the worst one where several carry it). */
function perAlertResults(plan: readonly PlannedRequest[], results: readonly SendResult[], alertCount: number): ItemResult[] {
  const perAlert: ItemResult[][] = Array.from({ length: alertCount }, () => []);
  plan.forEach((request, r) => {
    const items = itemResults(results[r] ?? fatal('no outcome for this request'), request.alerts.length);
    request.alerts.forEach((alertIndex, j) => perAlert[alertIndex]?.push(items[j] ?? fatal('no outcome for this alert')));
  });
  // Every alert must be carried by some request; anything else is an output bug worth seeing.
  return perAlert.map((list) => (list.length > 0 ? worstOf(list) : fatal('no request was planned for this alert')));
}

/**
 * Sends alerts in chunks of `chunkSize` through `send`, `concurrency` chunks at a time; once a
 * chunk fails, no new chunk starts. One result per alert, null for the alerts of chunks never
 * started. What the dispatcher uses for senders without `deliver` (and for dedup's groups).
 */
export async function deliverInChunks(sender: Pick<OutputSender, 'send'>, alerts: readonly OutputAlert[], chunkSize: number, concurrency: number): Promise<Array<ItemResult | null>> {
  const chunks: Array<readonly OutputAlert[]> = [];
  for (let start = 0; start < alerts.length; start += chunkSize) chunks.push(alerts.slice(start, start + chunkSize));
  const perChunk = await runInLanes(
    chunks.length,
    concurrency,
    async (index) => itemResults(await sender.send(chunks[index] ?? []), chunks[index]?.length ?? 0),
    (items) => items.some((item) => item.kind !== 'ok'),
  );
  return chunks.flatMap((chunk, index): Array<ItemResult | null> => [...(perChunk[index] ?? chunk.map(() => null))]);
}

/** What the dispatcher holds per output instance. */
export interface OutputSender {
  readonly instance: OutputInstance;
  /**
   * Delivers these alerts (any number; split into chunks of `instance.maxBatch`). Never throws
   * and never rejects: the result says, per alert if they differ, ok / retry (after) / fatal.
   */
  send(alerts: readonly OutputAlert[]): Promise<SendResult>;
  /**
   * Delivers these alerts as {@link deliverInChunks} does — at most `concurrency` requests in
   * flight, none started after a failure, one result per alert and null for alerts never sent —
   * with every request handed to the transport at once (`HttpTransport.sendMany`). Present only
   * when the transport can do that; otherwise the dispatcher uses {@link deliverInChunks}.
   */
  deliver?(alerts: readonly OutputAlert[], concurrency: number): Promise<Array<ItemResult | null>>;
  /** Releases the connection pool (only the one this sender created). */
  close(): Promise<void>;
}

export interface SenderDeps {
  /** Defaults to an {@link UndiciTransport} built from the instance's timeout, TLS and concurrency settings. */
  readonly http?: HttpTransport;
  readonly clock?: Clock;
  /** CA / client certificate PEM text for the default transport (`tlsclient.cacertfile`, `mutualtlsclient.*`). */
  readonly tls?: TlsMaterial;
}

/** The transport settings an instance's configuration calls for (plain data: they may cross to another thread). */
export function transportOptionsFor(instance: OutputInstance, tls?: TlsMaterial): TransportOptions {
  return {
    timeoutMs: instance.timeoutMs,
    checkCert: instance.checkCert,
    mutualTls: instance.mutualTls,
    maxConnections: instance.maxConcurrentRequests,
    ...(tls ? { tls } : {}),
  };
}

/** The undici transport an instance's settings call for. */
export function transportFor(instance: OutputInstance, tls?: TlsMaterial): UndiciTransport {
  return new UndiciTransport(transportOptionsFor(instance, tls));
}

export function createSender(instance: OutputInstance, deps: SenderDeps = {}): OutputSender {
  if (instance.definition.protocol === 'client') return createClientSender(instance, deps);
  const ownsTransport = deps.http === undefined;
  const http = deps.http ?? transportFor(instance, deps.tls);
  const clock = deps.clock ?? systemClock;
  const redact = createRedactor(instance.secrets);
  const definition = instance.definition;
  // A sink's error answer may echo the request (its URL, its headers): redacted as it arrives,
  // before anything reads or cuts it. A reason keeps the first 300 characters of an answer; cut
  // first and redacted after, a secret across the cut kept its first characters.
  const redactAnswer = (outcome: TransportOutcome): TransportOutcome =>
    outcome.kind !== 'response' || isSuccess(outcome.response.status) ? outcome : { ...outcome, response: { ...outcome.response, body: redact(outcome.response.body) } };
  // An injected transport should never reject, but one that does must not look like a builder bug.
  const send = async (spec: HttpRequestSpec): Promise<TransportOutcome> => redactAnswer(await http.send(spec).catch(transportError));
  let setupDone = definition.setupSteps(instance, clock.now()).length === 0;

  async function runSetup(): Promise<string | undefined> {
    for (const step of definition.setupSteps(instance, clock.now())) {
      const outcome = await send(step.spec);
      if (outcome.kind === 'failure') return `${step.description}: ${outcome.message}`;
      const decision = step.decide(outcome.response);
      if (decision === 'done') break;
      if (decision === 'fail') return `${step.description}: ${describeStatus(outcome.response)}`;
    }
    setupDone = true;
    return undefined;
  }

  async function resultOf(outcome: TransportOutcome, request: PlannedRequest, chunk: readonly OutputAlert[]): Promise<SendResult> {
    if (outcome.kind === 'failure') return transportFailureResult(outcome);
    const carried = request.alerts.map((i) => chunk[i]!);
    const reading = definition.interpret(instance, outcome.response, request, carried, clock.now());
    if (reading.kind !== 'resend') return reading;
    // One corrected attempt only; its answer is read plainly so a resend can never loop.
    const second = await send(reading.spec);
    if (second.kind === 'failure') return transportFailureResult(second);
    const result = classifyResponse(second.response, clock.now());
    return result.kind === 'ok' ? result : { ...result, reason: `${reading.note}; then ${result.reason}` };
  }

  async function sendChunk(chunk: readonly OutputAlert[]): Promise<ItemResult[]> {
    const plan = definition.plan(instance, chunk, clock.now());
    const results = await Promise.all(plan.map(async (request) => resultOf(await send(request.spec), request, chunk)));
    return perAlertResults(plan, results, chunk.length);
  }

  async function sendAlerts(alerts: readonly OutputAlert[]): Promise<SendResult> {
    if (alerts.length === 0) return { kind: 'ok' };
    try {
      if (!setupDone) {
        const problem = await runSetup();
        // Nothing was sent: all of them can simply be tried again later.
        if (problem !== undefined) return redactResult(retryable(`setup failed: ${problem}`), redact);
      }
      const items: ItemResult[] = [];
      for (let start = 0; start < alerts.length; start += instance.maxBatch) {
        items.push(...(await sendChunk(alerts.slice(start, start + instance.maxBatch))));
      }
      return redactResult(summarize(items), redact);
    } catch (error: unknown) {
      // A builder bug or an unexpected alert shape: deterministic, so retrying would not help.
      return redactResult(fatal(`could not build the request: ${error instanceof Error ? error.message : String(error)}`), redact);
    }
  }

  /** `deliver`: every chunk planned first, all requests to the transport in one call. */
  async function deliverAll(sendMany: NonNullable<HttpTransport['sendMany']>, alerts: readonly OutputAlert[], concurrency: number): Promise<Array<ItemResult | null>> {
    if (alerts.length === 0) return [];
    try {
      if (!setupDone) {
        const problem = await runSetup();
        // As a chunk-by-chunk pass: the first chunk is told to retry later, the rest was never tried.
        if (problem !== undefined) {
          const result = redactResult(retryable(`setup failed: ${problem}`), redact) as ItemResult;
          return alerts.map((_, i) => (i < instance.maxBatch ? result : null));
        }
      }
      const now = clock.now();
      const chunks: Array<readonly OutputAlert[]> = [];
      for (let start = 0; start < alerts.length; start += instance.maxBatch) chunks.push(alerts.slice(start, start + instance.maxBatch));
      const plans = chunks.map((chunk) => definition.plan(instance, chunk, now));
      // Several requests for one chunk (AlertManager's hosts) all go out together whatever one
      // of them answers, which a pass that stops at the first failure would not do: chunk by chunk.
      if (plans.some((plan) => plan.length > 1)) return await deliverInChunks({ send: sendAlerts }, alerts, instance.maxBatch, concurrency);
      const specs = plans.flatMap((plan) => plan.map((request) => request.spec));
      const outcomes = await sendMany(specs, concurrency).catch((error: unknown) => specs.map(() => transportError(error)));
      const results: Array<ItemResult | null> = [];
      let next = 0;
      for (const [c, chunk] of chunks.entries()) {
        const plan = plans[c] ?? [];
        const answered = plan.map(() => outcomes[next++] ?? null);
        // Never started (an earlier request failed): null, due again. A chunk nothing was
        // planned for is not that: perAlertResults makes it an output bug to see.
        if (plan.length > 0 && answered.every((outcome) => outcome === null)) {
          for (let i = 0; i < chunk.length; i++) results.push(null);
          continue;
        }
        const chunkResults = await Promise.all(plan.map(async (request, r) => {
          const outcome = answered[r];
          return outcome ? resultOf(redactAnswer(outcome), request, chunk) : retryable('not sent: an earlier request of this pass failed');
        }));
        for (const item of perAlertResults(plan, chunkResults, chunk.length)) results.push(redactResult(item, redact) as ItemResult);
      }
      return results;
    } catch (error: unknown) {
      const result = redactResult(fatal(`could not build the request: ${error instanceof Error ? error.message : String(error)}`), redact) as ItemResult;
      return alerts.map(() => result);
    }
  }

  const sendMany = http.sendMany?.bind(http);
  return {
    instance,
    ...(sendMany ? { deliver: (alerts: readonly OutputAlert[], concurrency: number) => deliverAll(sendMany, alerts, concurrency) } : {}),
    send: sendAlerts,
    async close() {
      if (ownsTransport) await http.close();
    },
  };
}

/**
 * The sender of a client-protocol output: one connection, opened on first use by one caller
 * while concurrent ones wait for it, dropped after any failure or timeout (its state is then
 * unknown) and opened again by the next send.
 */
function createClientSender(instance: OutputInstance, deps: SenderDeps): OutputSender {
  const clock = deps.clock ?? systemClock;
  const redact = createRedactor(instance.secrets);
  const declared = instance.definition.client(instance, clock.now());
  if (!declared) throw new Error(`output ${instance.type} declares no client protocol`);
  const client: BoundClient = declared;
  let connection: Promise<unknown> | undefined;
  let closed = false;

  const connected = (): Promise<unknown> => {
    connection ??= client.connect(deps.tls).catch((error: unknown) => {
      connection = undefined;
      throw error;
    });
    return connection;
  };
  const drop = (which: Promise<unknown>): void => {
    if (connection !== which) return;
    connection = undefined;
    which.then((open) => client.disconnect(open)).catch(() => undefined);
  };

  async function sendChunk(chunk: readonly OutputAlert[]): Promise<SendResult> {
    const now = clock.now();
    let message: unknown;
    try {
      message = client.encode(chunk, now);
    } catch (error: unknown) {
      // Deterministic: sending the same alert again would fail the same way.
      return fatal(`could not build the message: ${errorMessage(error)}`);
    }
    const current = connected();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ClientTimeout(instance.timeoutMs)), instance.timeoutMs);
    });
    try {
      const result = await Promise.race([current.then((open) => client.deliver(open, message, now)), timeout]);
      return result ?? { kind: 'ok' };
    } catch (error: unknown) {
      drop(current);
      if (error instanceof ClientTimeout) return retryable(error.message);
      return client.classify(error);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    instance,
    async send(alerts) {
      if (alerts.length === 0) return { kind: 'ok' };
      if (closed) return retryable('the output is closing');
      const items: ItemResult[] = [];
      for (let start = 0; start < alerts.length; start += instance.maxBatch) {
        const chunk = alerts.slice(start, start + instance.maxBatch);
        items.push(...itemResults(await sendChunk(chunk), chunk.length));
      }
      return redactResult(summarize(items), redact);
    },
    async close() {
      closed = true;
      const open = connection;
      connection = undefined;
      if (open) await open.then((c) => client.disconnect(c)).catch(() => undefined);
    },
  };
}

class ClientTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms (timeout)`);
  }
}

/** Merges custom headers into defaults the way Go's `Header.Set` does: case-insensitive, custom wins. */
export function withHeaders(base: Readonly<Record<string, string>>, ...overrides: ReadonlyArray<Readonly<Record<string, string>>>): Record<string, string> {
  const out: Record<string, string> = { ...base };
  for (const extra of overrides) {
    for (const [name, value] of Object.entries(extra)) {
      for (const existing of Object.keys(out)) if (existing.toLowerCase() === name.toLowerCase()) delete out[existing];
      out[canonicalHeaderName(name)] = value;
    }
  }
  return out;
}

/** Go's `textproto.CanonicalMIMEHeaderKey` (`x-scope-orgid` → `X-Scope-Orgid`), as falcosidekick sends names. */
export function canonicalHeaderName(name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return name;
  return name
    .split('-')
    .map((part) => (part === '' ? part : part[0]!.toUpperCase() + part.slice(1).toLowerCase()))
    .join('-');
}

/** falcosidekick's request headers (custom headers are applied after and may override them). */
export const DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'User-Agent': 'Falcosidekick',
};

/** Chat webhooks take one JSON message per alert, POSTed to the configured URL. */
export function postEachAlert(alerts: readonly OutputAlert[], url: string, body: (alert: OutputAlert) => string): PlannedRequest[] {
  return alerts.map((alert, index) => ({ alerts: [index], spec: { method: 'POST', url, headers: DEFAULT_HEADERS, body: body(alert) } }));
}

/** HTTP Basic credentials as Go's `SetBasicAuth` writes them. */
export function basicAuthHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export type { OkResult, RetryableResult, FatalResult, ItemResult, PartialResult, SendResult } from './result';
