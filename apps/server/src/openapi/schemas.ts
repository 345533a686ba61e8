import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';

/** Shorthands so the schemas below read like the TypeScript types they describe. */
const str = (description?: string): SchemaObject => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): SchemaObject => ({ type: 'integer', ...(description ? { description } : {}) });
const bool = (description?: string): SchemaObject => ({ type: 'boolean', ...(description ? { description } : {}) });
const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
/** A reference to one of {@link SCHEMAS}; a test checks every reference resolves. */
const ref = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: SchemaObject | ReferenceObject): SchemaObject => ({ type: 'array', items });
const counts = (description: string): SchemaObject => ({ type: 'object', description, additionalProperties: { type: 'integer' } });
const object = (properties: Record<string, SchemaObject | ReferenceObject>, required: string[] = Object.keys(properties), extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'object',
  properties,
  required,
  ...extra,
});

const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];

const problem = object(
  {
    code: str('The engine’s or the file reader’s code, e.g. UNKNOWN_FIELD, RULES_PATH_NOT_FOUND'),
    message: str(),
    file: str(),
    item: object({ type: str(), name: str() }, ['type']),
    position: object({ line: int(), column: int(), offset: int(), length: int() }, ['line', 'column']),
    excerpt: object({ text: str('The source line'), start: int(), end: int() }, undefined, { description: '`text.slice(start, end)` is the part to underline' }),
  },
  ['code', 'message', 'file'],
);

export const SCHEMAS = {
  Error: object(
    {
      statusCode: int(),
      code: str('Stable code: UNAUTHENTICATED, INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS, INVALID_FIELD, MISSING_FIELD, BODY_NOT_JSON, BODY_TOO_LARGE, NOT_FOUND, STORE_UNAVAILABLE, …'),
      message: str(),
    },
    undefined,
    { example: { statusCode: 400, code: 'INVALID_FIELD', message: 'query parameter min_priority: "Severe" is not a Falco priority' } },
  ),
  FalcoAlert: object(
    {
      time: str('RFC 3339, nanoseconds kept'),
      rule: str(),
      priority: { type: 'string', description: 'Case-insensitive on input', example: 'Warning' },
      output: str(),
      output_fields: { type: 'object', additionalProperties: true, description: 'Numbers are kept digit for digit (int64 nanoseconds)' },
      source: str('Empty: syscalls'),
      hostname: str(),
      tags: arrayOf(str()),
    },
    ['time', 'rule', 'priority', 'output'],
    { description: 'One Falco alert as Falco’s http_output sends it; unknown keys are ignored.' },
  ),
  StoredAlert: object(
    {
      uuid: str(),
      time: str('RFC 3339 with nanoseconds'),
      rule: str(),
      priority: { type: 'string', enum: PRIORITIES },
      output: str(),
      output_fields: { type: 'object', additionalProperties: true },
      source: str(),
      hostname: str(),
      tags: arrayOf(str()),
      cluster: str(),
    },
    undefined,
    { description: 'An alert exactly as it was sent (Falco’s JSON shape) plus its uuid and cluster.' },
  ),
  AlertPage: object({ results: arrayOf(ref('StoredAlert')), total: int('Alerts matching the filter'), nextCursor: nullable(str('Pass back as `cursor` for the next (older) page; null on the last page')) }),
  AlertStats: object(
    {
      by: { type: 'string', enum: ['priority', 'rule', 'source', 'hostname', 'cluster', 'namespace', 'tags'] },
      results: counts('Count per value'),
      total: int('Alerts matching the filter'),
      timeline: arrayOf(object({ start: str('RFC 3339'), counts: counts('Count per value in this bucket') })),
      bucketMs: int('The width of the timeline’s buckets'),
      from: str('With bucket=auto: the start of the range the buckets cover'),
      until: str('With bucket=auto: the end of the range'),
    },
    ['by', 'results', 'total'],
  ),
  SidekickSearch: object({ results: arrayOf(ref('StoredAlert')), statistics: counts('`all` and `returned` (zero values omitted, as falcosidekick-ui)') }),
  SidekickCount: object({ statistics: object({ all: int() }) }),
  SidekickCountBy: object({ results: counts('Count per value'), statistics: counts('`all` and `distincts`') }),
  AddEvent: object({ event: ref('FalcoAlert'), outputs: arrayOf(str()) }, ['event'], { description: 'falcosidekick-ui’s add-event body, as falcosidekick’s WebUI output posts it' }),
  Ingested: object({ uuid: str() }),
  OutputStatus: object({
    name: str(),
    type: str('slack, teams, loki, elasticsearch, alertmanager, webhook'),
    enabled: bool(),
    minimumPriority: nullable(str()),
    routing: nullable(str('The when: condition')),
    queueDepth: int(),
    deadLetters: int(),
    inFlight: int(),
    delivered: int(),
    failed: int(),
    deadLettered: int(),
    lastSuccessAt: nullable(str()),
    lastError: nullable(object({ at: str(), reason: str('Redacted') })),
    maxConcurrentRequests: int(),
    timeoutMs: int(),
    config: { type: 'object', additionalProperties: true, description: 'Secrets masked' },
  }),
  Replayed: object({ output: str(), replayed: int('Dead letters put back in the queue') }),
  RuleView: object(
    {
      name: str(),
      description: str(),
      source: str(),
      priority: { type: 'string', enum: PRIORITIES },
      tags: arrayOf(str()),
      enabled: bool(),
      evaluated: bool('False for rules of other sources: listed, never evaluated'),
      condition: str(),
      output: str(),
      file: str(),
      line: int(),
      matches: int('Alerts the rule produced since the process started'),
    },
  ),
  RulesList: object({ generation: int(), loadedAt: nullable(str()), rules: arrayOf(ref('RuleView')) }),
  RulesProblem: problem,
  RulesStatus: object({
    ok: bool('False when the last (re)load failed; the previous rules keep running'),
    generation: int('Counts this process\'s successful loads'),
    fingerprint: nullable(str('The rules in force as files (a hash of their names and texts): the same on replicas that read the same files')),
    loadedAt: nullable(str()),
    lastAttemptAt: nullable(str()),
    files: arrayOf(object({ path: str(), rules: int() })),
    errors: arrayOf(ref('RulesProblem')),
    warnings: arrayOf(ref('RulesProblem')),
  }),
  ReplicaView: object({
    id: str(),
    hostname: str(),
    self: bool('The replica that answered'),
    startedAt: str(),
    lastSeen: str(),
    generation: int(),
    fingerprint: nullable(str()),
    loadedAt: nullable(str()),
  }),
  RulesStatusWithReplicas: {
    // replicas: every replica heard from in the last 30 s, with the rules it runs (one on SQLite).
    allOf: [ref('RulesStatus'), object({ replicas: arrayOf(ref('ReplicaView')) })],
  },
  RulesTestRequest: object(
    {
      rules: str('A rules file text (≤ 1 MiB), loaded after the rules in force or alone'),
      event: { type: 'object', additionalProperties: true, description: 'An audit.k8s.io Event or EventList' },
      withStockRules: bool('Default true'),
    },
    [],
    { description: '`rules`, `event`, or both' },
  ),
  RulesTestResult: object({
    ok: bool(),
    errors: arrayOf(ref('RulesProblem')),
    warnings: arrayOf(ref('RulesProblem')),
    alerts: arrayOf(ref('FalcoAlert')),
    eventErrors: arrayOf(object({ index: int(), code: str(), message: str() })),
    evaluationErrors: counts('Rules that could not be evaluated on the event (a regex or glob past peregrine.rules.max_match_steps), by name: they did not match'),
  }),
  RecentAuditEvents: object({ events: arrayOf(object({ receivedAt: str(), cluster: str(), event: { type: 'object', additionalProperties: true } })) }),
  AuditAccepted: object({ cluster: str(), received: int('Events in the request'), alerts: int('Alerts stored') }),
  AuditRejected: object(
    { statusCode: int(), code: str(), message: str(), cluster: str(), received: int(), alerts: int(), errors: arrayOf(object({ index: int(), code: str(), message: str() })) },
    ['statusCode', 'code', 'message'],
    { description: 'INVALID_AUDIT_EVENTS: the good items were stored; each bad one is named by index' },
  ),
  LoginRequest: object({ username: str(), password: { type: 'string', format: 'password' } }),
  Identity: object({ username: nullable(str('null when sign-in is disabled')), authEnabled: bool() }),
  About: object({
    version: str(),
    node: str('Node.js version'),
    startedAt: str('RFC 3339'),
    config: { type: 'object', additionalProperties: true, description: 'The effective configuration, every secret masked as ********, with `outputs`' },
    links: object({ metrics: str(), apiDocs: str() }, undefined, { description: 'Relative to the base path' }),
  }),
  Health: object({ status: { type: 'string', enum: ['ok'] } }),
} satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof SCHEMAS;
export { ref, arrayOf, str, int };
