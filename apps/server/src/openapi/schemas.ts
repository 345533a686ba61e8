import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { GROUP_BY } from '../alerts/alert-stats-options';

/**
 * OpenAPI 3.1 schemas (JSON Schema 2020-12), so a JSON Schema validator checks real answers
 * against them as they are (api-responses.int.spec.ts) and openapi-typescript turns them into
 * the UI's types (`npm run openapi:types`). Objects the server answers with a fixed shape say
 * `additionalProperties: false`: a field added to an answer without its schema fails the test.
 */

/** Shorthands so the schemas below read like the TypeScript types they describe. */
const str = (description?: string): SchemaObject => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): SchemaObject => ({ type: 'integer', ...(description ? { description } : {}) });
const bool = (description?: string): SchemaObject => ({ type: 'boolean', ...(description ? { description } : {}) });
/** An instant as RFC 3339 text (fractional seconds as sent: nanoseconds for alerts). */
const instant = (description?: string): SchemaObject => ({ type: 'string', format: 'date-time', ...(description ? { description } : {}) });
/** JSON Schema's way (OpenAPI 3.1): null is one more type, not a `nullable` flag. */
const nullable = (schema: SchemaObject): SchemaObject => {
  if (typeof schema.type !== 'string') throw new Error('nullable() takes a schema of one type');
  // An enum is checked on its own: it must list null too.
  return { ...schema, type: [schema.type, 'null'], ...(schema.enum ? { enum: [...(schema.enum as unknown[]), null] } : {}) };
};
/** A reference to one of {@link SCHEMAS}; a test checks every reference resolves. */
const ref = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: SchemaObject | ReferenceObject): SchemaObject => ({ type: 'array', items });
const counts = (description: string): SchemaObject => ({ type: 'object', description, additionalProperties: { type: 'integer' } });
/** Any JSON object, kept as it came (output fields, masked configuration, a raw event). */
const openObject = (description?: string): SchemaObject => ({ type: 'object', additionalProperties: true, ...(description ? { description } : {}) });
/** A fixed shape: every property listed, none other (`extra` can open it, as request bodies are). */
const object = (properties: Record<string, SchemaObject | ReferenceObject>, required: string[] = Object.keys(properties), extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});

/** Highest first, as the dashboard lists them; a spec checks this is the engine's list. */
export const PRIORITY_NAMES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];
const priority = (): SchemaObject => ({ type: 'string', enum: PRIORITY_NAMES });

const eventError = object({ index: int('The offending item of the body'), code: str(), message: str() });

const problem = object(
  {
    code: str('The engine’s or the file reader’s code, e.g. UNKNOWN_FIELD, RULES_PATH_NOT_FOUND'),
    message: str(),
    file: str(),
    item: object({ type: str(), name: str() }, ['type']),
    position: object({ line: int(), column: int(), offset: int(), length: int() }, ['line', 'column']),
    excerpt: ref('ProblemExcerpt'),
  },
  ['code', 'message', 'file'],
);

const RULES_STATUS_PROPERTIES = {
  ok: bool('False when the last (re)load failed; the previous rules keep running'),
  generation: int('Counts this process\'s successful loads'),
  fingerprint: nullable(str('The rules in force as files (a hash of their names and texts): the same on replicas that read the same files')),
  loadedAt: nullable(instant()),
  lastAttemptAt: nullable(instant()),
  files: arrayOf(object({ path: str(), rules: int() })),
  errors: arrayOf(ref('RulesProblem')),
  warnings: arrayOf(ref('RulesProblem')),
};

export const SCHEMAS = {
  Error: object(
    {
      statusCode: int(),
      code: str('Stable code: UNAUTHENTICATED, INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS, INVALID_FIELD, MISSING_FIELD, BODY_NOT_JSON, BODY_TOO_LARGE, NOT_FOUND, STORE_UNAVAILABLE, …'),
      message: str(),
    },
    undefined,
    { examples: [{ statusCode: 400, code: 'INVALID_FIELD', message: 'query parameter min_priority: "Severe" is not a Falco priority' }] },
  ),
  FalcoAlert: object(
    {
      time: str('RFC 3339, nanoseconds kept'),
      rule: str(),
      priority: { type: 'string', description: 'Case-insensitive on input', examples: ['Warning'] },
      output: str(),
      output_fields: openObject('Numbers are kept digit for digit (int64 nanoseconds)'),
      source: str('Empty: syscalls'),
      hostname: str(),
      tags: arrayOf(str()),
    },
    ['time', 'rule', 'priority', 'output'],
    { description: 'One Falco alert as Falco’s http_output sends it; unknown keys are ignored.', additionalProperties: true },
  ),
  StoredAlert: object(
    {
      uuid: { type: 'string', format: 'uuid' },
      time: instant('RFC 3339 with nanoseconds'),
      rule: str(),
      priority: priority(),
      output: str(),
      output_fields: openObject('Numbers are kept digit for digit (int64 nanoseconds)'),
      source: str(),
      hostname: str(),
      tags: arrayOf(str()),
      cluster: str(),
    },
    undefined,
    { description: 'An alert exactly as it was sent (Falco’s JSON shape) plus its uuid and cluster.' },
  ),
  AlertPage: object({ results: arrayOf(ref('StoredAlert')), total: int('Alerts matching the filter'), nextCursor: nullable(str('Pass back as `cursor` for the next (older) page; null on the last page')) }),
  TimelineBucket: object({ start: instant(), counts: counts('Count per value in this bucket') }, undefined, { description: 'One bucket of a timeline; buckets without alerts are left out' }),
  AlertStats: object(
    {
      by: { type: 'string', enum: [...GROUP_BY] },
      results: counts('Count per value'),
      total: int('Alerts matching the filter (for tags: alerts, not tag occurrences)'),
      timeline: { ...arrayOf(ref('TimelineBucket')), description: 'With bucket: the buckets with at least one alert, oldest first' },
      bucketMs: int('With bucket: the width of the timeline’s buckets'),
      from: instant('With bucket=auto: the start of the range the buckets cover'),
      until: instant('With bucket=auto: the end of the range'),
    },
    ['by', 'results', 'total'],
  ),
  SidekickSearch: object({ results: arrayOf(ref('StoredAlert')), statistics: counts('`all` and `returned` (zero values omitted, as falcosidekick-ui)') }),
  SidekickCount: object({ statistics: object({ all: int() }) }),
  SidekickCountBy: object({ results: counts('Count per value'), statistics: counts('`all` and `distincts`') }),
  AddEvent: object({ event: ref('FalcoAlert'), outputs: arrayOf(str()) }, ['event'], { description: 'falcosidekick-ui’s add-event body, as falcosidekick’s WebUI output posts it', additionalProperties: true }),
  EventAdded: object({}, [], { description: '`{}` once stored, as falcosidekick-ui answers' }),
  Ingested: object({ uuid: { type: 'string', format: 'uuid' } }),
  OutputStatus: object({
    name: str(),
    type: str('slack, teams, loki, elasticsearch, alertmanager, webhook, …'),
    enabled: { type: 'boolean', enum: [true], description: 'Always true: only enabled outputs are listed' },
    minimumPriority: nullable(priority()),
    routing: nullable(str('The when: condition')),
    queueDepth: int('Deliveries waiting in the outbox'),
    deadLetters: int('Dead letters kept now (replayable)'),
    inFlight: int(),
    delivered: int('Since the server started'),
    failed: int('Since the server started'),
    deadLettered: int('Since the server started'),
    lastSuccessAt: nullable(instant()),
    lastError: nullable(object({ at: instant(), reason: str('Redacted') })),
    maxConcurrentRequests: int(),
    timeoutMs: int(),
    config: openObject('Secrets masked'),
  }),
  Replayed: object({ output: str(), replayed: int('Dead letters put back in the queue') }),
  OutputExampleKey: object({
    path: str('Full YAML path, e.g. slack.webhookurl or aws.sqs.url'),
    env: str('The environment variable, e.g. SLACK_WEBHOOKURL'),
    description: str(),
    secret: bool('The real value is a secret (webhook URL, API key)'),
    example: str('A placeholder, never a real secret'),
  }),
  OutputCatalogEntry: object(
    {
      type: str('slack, teams, loki, …: the output type (and metrics destination label)'),
      title: str(),
      description: str(),
      docs: str('Where every key is documented, relative to the repository root: packages/outputs/README.md#<section>'),
      keys: { ...arrayOf(ref('OutputExampleKey')), description: 'The keys of the minimal example: the one that enables the output, then those it is refused without' },
      env: str('The minimal example as NAME=value lines (quoted for a POSIX shell where needed)'),
      yaml: str('The same as a YAML config file fragment'),
    },
    undefined,
    { description: 'One output type and a minimal configuration to copy (placeholders only)' },
  ),
  RuleView: object({
    name: str(),
    description: str(),
    source: str(),
    priority: priority(),
    tags: arrayOf(str()),
    enabled: bool(),
    evaluated: bool('False for rules of other sources: listed, never evaluated'),
    condition: str(),
    output: str(),
    file: str(),
    line: int(),
    matches: int('Alerts the rule produced since the process started'),
  }),
  RulesList: object({ generation: int(), loadedAt: nullable(instant()), rules: arrayOf(ref('RuleView')) }),
  ProblemExcerpt: object({ text: str('The source line'), start: int(), end: int() }, undefined, { description: '`text.slice(start, end)` is the part to underline' }),
  RulesProblem: problem,
  RulesStatus: object(RULES_STATUS_PROPERTIES),
  ReplicaView: object({
    id: str(),
    hostname: str(),
    self: bool('The replica that answered'),
    startedAt: instant(),
    lastSeen: instant(),
    generation: int(),
    fingerprint: nullable(str()),
    loadedAt: nullable(instant()),
  }),
  // Written out rather than allOf: `additionalProperties: false` would refuse `replicas` there.
  RulesStatusWithReplicas: object({ ...RULES_STATUS_PROPERTIES, replicas: { ...arrayOf(ref('ReplicaView')), description: 'Every replica heard from in the last 30 s, with the rules it runs (one on SQLite)' } }),
  RulesTestRequest: object(
    {
      rules: str('A rules file text (≤ 1 MiB), loaded after the rules in force or alone'),
      event: { description: 'An audit.k8s.io Event or EventList' },
      withStockRules: bool('Default true'),
    },
    [],
    { description: '`rules`, `event`, or both' },
  ),
  EngineAlert: object(
    {
      time: instant('RFC 3339 with nine fractional digits, from the event’s stageTimestamp'),
      rule: str(),
      priority: priority(),
      source: { type: 'string', enum: ['k8s_audit'] },
      output: str(),
      output_fields: openObject(),
      tags: arrayOf(str()),
      hostname: str(),
    },
    undefined,
    { description: 'An alert the rules produced for an event: Falco’s shape without uuid and cluster (not stored)' },
  ),
  EventError: eventError,
  RulesTestResult: object({
    ok: bool(),
    errors: arrayOf(ref('RulesProblem')),
    warnings: arrayOf(ref('RulesProblem')),
    alerts: arrayOf(ref('EngineAlert')),
    eventErrors: arrayOf(ref('EventError')),
    evaluationErrors: counts('Rules that could not be evaluated on the event (a regex or glob past peregrine.rules.max_match_steps), by name: they did not match'),
  }),
  RecentAuditEvent: object({ receivedAt: instant(), cluster: str(), event: { description: 'The event as the apiserver sent it' } }),
  RecentAuditEvents: object({ events: arrayOf(ref('RecentAuditEvent')) }),
  AuditAccepted: object({ cluster: str(), received: int('Events in the request'), alerts: int('Alerts stored') }),
  AuditRejected: object(
    { statusCode: int(), code: str(), message: str(), cluster: str(), received: int(), alerts: int(), errors: arrayOf(ref('EventError')) },
    ['statusCode', 'code', 'message'],
    { description: 'INVALID_AUDIT_EVENTS: the good items were stored; each bad one is named by index' },
  ),
  LoginRequest: object({ username: str(), password: { type: 'string', format: 'password' } }),
  Identity: object({ username: nullable(str('null when sign-in is disabled')), authEnabled: bool() }),
  About: object({
    version: str(),
    node: str('Node.js version'),
    startedAt: instant(),
    config: openObject('The effective configuration, every secret masked as ********, with `outputs`'),
    links: object({ metrics: str(), apiDocs: str() }, undefined, { description: 'Relative to the base path' }),
  }),
  Health: object({ status: { type: 'string', enum: ['ok'] } }),
} satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof SCHEMAS;
export { ref, arrayOf, str, int };
