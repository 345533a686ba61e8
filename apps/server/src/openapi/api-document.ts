import type { OpenAPIObject, OperationObject, ParameterObject, PathItemObject, ReferenceObject, ResponseObject, SchemaObject, SecurityRequirementObject } from '@nestjs/swagger';
import { requiresSession } from '../auth/access-policy';
import { SESSION_COOKIE } from '../auth/session-cookie';
import { arrayOf, int, ref, SCHEMAS, str } from './schemas';

type Method = 'get' | 'post';
type Body = SchemaObject | ReferenceObject;

interface Operation {
  summary: string;
  description?: string;
  tags: string[];
  parameters?: ParameterObject[];
  body?: { schema: Body; required?: boolean; contentType?: string };
  /** Status → description and (JSON) schema; errors are added from `errors`. */
  ok: Record<string, { description: string; schema?: Body; contentType?: string; otherContent?: Record<string, Body>; headers?: ResponseObject['headers'] }>;
  errors?: number[];
}

const query = (name: string, description: string, schema: SchemaObject = { type: 'string' }, required = false): ParameterObject => ({ name, in: 'query', description, required, schema });
const pathParam = (name: string, description: string): ParameterObject => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

/** The alert filter every read route takes (README: Filters). */
const FILTERS: ParameterObject[] = [
  query('priority', 'Comma list of priorities (case-insensitive), e.g. Warning,Error'),
  query('min_priority', 'At least this priority'),
  query('rule', 'Exact rule name; repeat the parameter for several rules', { type: 'array', items: { type: 'string' } }),
  query('source', 'Comma list, e.g. syscall,k8s_audit'),
  query('hostname', 'Comma list'),
  query('cluster', 'Comma list'),
  query('namespace', 'Comma list of Kubernetes namespaces'),
  query('tags', 'Comma list: alerts with any of these tags'),
  query('q', 'Free text over output, rule and field values (case-insensitive)'),
  query('filter', 'falcosidekick-ui’s name for q'),
  query('since', 'Relative start: 15m, 2h, 7d (s, m, h, d, w, M, y)'),
  query('from', 'RFC 3339 or epoch milliseconds'),
  query('until', 'RFC 3339 or epoch milliseconds'),
];

const ERROR_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad request: the coded error names the parameter or field',
  401: 'No valid session (UNAUTHENTICATED) or wrong credentials (INVALID_CREDENTIALS); on ingest routes with peregrine.ingest.auth on, no ingest token (INGEST_TOKEN_REQUIRED) or one that is not valid (INGEST_TOKEN_INVALID)',
  403: 'A state change from another site’s page (CROSS_SITE_REQUEST); on routes that take alerts with tlsserver.mutualtls, no verified client certificate (CLIENT_CERTIFICATE_REQUIRED)',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Body too large',
  415: 'Content-Type cannot carry JSON',
  422: 'The rules files are broken; the previous rules keep running',
  429: 'Too many failed sign-ins from this address (Retry-After)',
  503: 'The store cannot take it now (Retry-After)',
};

const ALERT_INGEST_ERRORS = [400, 401, 413, 415, 503];
const INGEST_TOKEN = pathParam('token', 'Ingest token (peregrine.ingest.auth), for senders that cannot send Authorization: Bearer; ignored when ingest tokens are off');
const ADD_EVENT_WITH_TOKEN: Operation = {
  summary: 'falcosidekick-ui’s add-event with the ingest token in the path (WEBUI_URL=http://peregrine:2802/ingest/<token>)',
  tags: ['ingest'],
  parameters: [INGEST_TOKEN],
  body: { schema: ref('AddEvent') },
  ok: { '200': { description: '`{}` once stored, in the token’s cluster', schema: ref('EventAdded') } },
  errors: ALERT_INGEST_ERRORS,
};

/**
 * Every route under `/api/v1` (and the ingest routes beside it), with parameters and response
 * shapes. Written out rather than scanned from decorators, so controllers stay one line deep;
 * a test compares this list with the routes the server registers, so a route added without
 * docs fails CI.
 */
const OPERATIONS: Readonly<Record<string, Partial<Record<Method, Operation>>>> = {
  '/api/v1/alerts': {
    get: {
      summary: 'Alerts by event time, newest first, filtered and paged',
      tags: ['alerts'],
      parameters: [...FILTERS, query('limit', 'Page size (≤ 1000, default 50)', int()), query('cursor', '`nextCursor` of the previous page; pages stay stable while alerts arrive')],
      ok: { '200': { description: 'One page', schema: ref('AlertPage') } },
      errors: [400],
    },
    post: {
      summary: 'Ingest one Falco alert (answers once it is stored)',
      description: 'The same ingest as port 2801, answering JSON. `?cluster=` or `X-Peregrine-Cluster` names the cluster.',
      tags: ['ingest'],
      parameters: [query('cluster', 'Cluster of the alert (else X-Peregrine-Cluster, else peregrine.cluster_name)')],
      body: { schema: ref('FalcoAlert') },
      ok: { '200': { description: 'Stored', schema: ref('Ingested') } },
      errors: ALERT_INGEST_ERRORS,
    },
  },
  '/ingest/{token}/api/v1/alerts': {
    post: {
      summary: 'Ingest one Falco alert, the ingest token in the path',
      description: 'As POST /api/v1/alerts, for senders that cannot send Authorization: Bearer. The alert is stored in the token’s cluster.',
      tags: ['ingest'],
      parameters: [INGEST_TOKEN],
      body: { schema: ref('FalcoAlert') },
      ok: { '200': { description: 'Stored', schema: ref('Ingested') } },
      errors: ALERT_INGEST_ERRORS,
    },
  },
  '/ingest/{token}/api/v1/events/add': { post: ADD_EVENT_WITH_TOKEN },
  '/ingest/{token}/api/v1': { post: ADD_EVENT_WITH_TOKEN },
  '/ingest/{token}': { post: ADD_EVENT_WITH_TOKEN },
  '/api/v1/alerts/stats': {
    get: {
      summary: 'Counts per value of one field, optionally as a timeline',
      tags: ['alerts'],
      parameters: [
        query('by', 'The field to count by', { type: 'string', enum: ['priority', 'rule', 'source', 'hostname', 'cluster', 'namespace', 'tags'] }, true),
        query('top', 'Keep only the N largest values in results (1 to 1000)', int()),
        query('bucket', 'Timeline bucket width (30s, 5m, 1h, 1d), or auto: as wide as the time range calls for (then from/until come back)'),
        ...FILTERS,
      ],
      ok: { '200': { description: 'Counts', schema: ref('AlertStats') } },
      errors: [400],
    },
  },
  '/api/v1/alerts/export': {
    get: {
      summary: 'Every alert of the filter as a download, streamed (no row ceiling)',
      tags: ['alerts'],
      parameters: [query('format', 'json (an array) or csv', { type: 'string', enum: ['json', 'csv'], default: 'json' }), ...FILTERS],
      ok: {
        '200': {
          description: 'A JSON array of alerts, or CSV (Content-Disposition: attachment)',
          schema: arrayOf(ref('StoredAlert')),
          otherContent: { 'text/csv': str('One header line, then one line per alert') },
          headers: { 'Content-Disposition': { description: 'attachment; filename="peregrine-alerts-<time>.json|csv"', schema: { type: 'string' } } },
        },
      },
      errors: [400],
    },
  },
  '/api/v1/alerts/{uuid}': {
    get: { summary: 'One alert', tags: ['alerts'], parameters: [pathParam('uuid', 'The alert’s uuid')], ok: { '200': { description: 'The alert', schema: ref('StoredAlert') } }, errors: [404] },
  },
  '/api/v1/events/search': {
    get: {
      summary: 'falcosidekick-ui’s search: alerts with statistics',
      tags: ['falcosidekick-ui'],
      parameters: [...FILTERS, query('page', '1-based page', int()), query('limit', 'Page size (default 100)', int())],
      ok: { '200': { description: 'As falcosidekick-ui answers', schema: ref('SidekickSearch') } },
      errors: [400],
    },
  },
  '/api/v1/events/count': {
    get: { summary: 'falcosidekick-ui’s count', tags: ['falcosidekick-ui'], parameters: FILTERS, ok: { '200': { description: 'The count', schema: ref('SidekickCount') } }, errors: [400] },
  },
  '/api/v1/events/count/{groupby}': {
    get: {
      summary: 'falcosidekick-ui’s count per value',
      tags: ['falcosidekick-ui'],
      parameters: [{ ...pathParam('groupby', 'priority, rule, source, hostname, cluster, namespace or tags') }, ...FILTERS],
      ok: { '200': { description: 'Counts', schema: ref('SidekickCountBy') } },
      errors: [400],
    },
  },
  '/api/v1/events/add': {
    post: { summary: 'falcosidekick-ui’s add-event (falcosidekick’s WebUI output)', tags: ['ingest'], body: { schema: ref('AddEvent') }, ok: { '200': { description: '`{}` once stored', schema: ref('EventAdded') } }, errors: ALERT_INGEST_ERRORS },
  },
  '/api/v1': {
    post: { summary: 'falcosidekick-ui’s add-event, at the path falcosidekick posts to', tags: ['ingest'], body: { schema: ref('AddEvent') }, ok: { '200': { description: '`{}` once stored', schema: ref('EventAdded') } }, errors: ALERT_INGEST_ERRORS },
  },
  '/': {
    post: { summary: 'falcosidekick-ui’s add-event at the root (WEBUI_URL=http://peregrine:2802)', tags: ['ingest'], body: { schema: ref('AddEvent') }, ok: { '200': { description: '`{}` once stored', schema: ref('EventAdded') } }, errors: ALERT_INGEST_ERRORS },
  },
  '/api/v1/healthz': {
    get: { summary: 'Health, as falcosidekick-ui answers it', tags: ['operations'], ok: { '200': { description: '`{"status": "ok"}`', schema: ref('Health') } } },
  },
  '/api/v1/outputs': {
    get: { summary: 'Every output with its queue, counters, last error and masked config', tags: ['outputs'], ok: { '200': { description: 'The outputs', schema: arrayOf(ref('OutputStatus')) } } },
  },
  '/api/v1/outputs/catalog': {
    get: {
      summary: 'Every output type with a minimal configuration to copy, as env variables and YAML (placeholders, no secret)',
      tags: ['outputs'],
      ok: { '200': { description: 'The output types, in the registry’s order', schema: arrayOf(ref('OutputCatalogEntry')) } },
    },
  },
  '/api/v1/outputs/{name}/replay': {
    post: { summary: 'Put an output’s dead letters back in its queue', tags: ['outputs'], parameters: [pathParam('name', 'Output name')], ok: { '200': { description: 'How many', schema: ref('Replayed') } }, errors: [404] },
  },
  '/api/v1/rules': {
    get: { summary: 'The rules in force, in load order', tags: ['rules'], ok: { '200': { description: 'The rules', schema: ref('RulesList') } } },
  },
  '/api/v1/rules/status': {
    get: { summary: 'The last load or reload: files, coded errors with positions, warnings; and the rules every replica runs', tags: ['rules'], ok: { '200': { description: 'Status', schema: ref('RulesStatusWithReplicas') } } },
  },
  '/api/v1/rules/test': {
    post: {
      summary: 'Try rules on an event without storing anything (on a thread of its own, with a time and a memory limit)',
      tags: ['rules'],
      body: { schema: ref('RulesTestRequest') },
      ok: {
        '200': { description: 'What the rules did', schema: ref('RulesTestResult') },
        '422': { description: 'Trying them took longer than peregrine.rules.test_timeout_ms (RULES_TEST_TIMEOUT) or more memory than test_max_memory_mb (RULES_TEST_MEMORY_LIMIT); they were stopped', schema: ref('Error') },
        '503': { description: 'Too many tries waiting for the rules thread (RULES_TEST_BUSY, Retry-After)', schema: ref('Error') },
      },
      errors: [400],
    },
  },
  '/api/v1/rules/reload': {
    post: {
      summary: 'Reload the rules files now',
      tags: ['rules'],
      ok: { '200': { description: 'Loaded', schema: ref('RulesStatus') }, '422': { description: 'The files are broken; the previous rules keep running', schema: ref('RulesStatus') } },
    },
  },
  '/api/v1/audit/recent': {
    get: {
      summary: 'The last audit events received, raw, newest first',
      tags: ['audit'],
      parameters: [query('limit', 'How many (default 50, at most peregrine.audit.recent_events)', int()), query('cluster', 'Only this cluster')],
      ok: { '200': { description: 'Events', schema: ref('RecentAuditEvents') } },
      errors: [400],
    },
  },
  '/k8s-audit': auditWebhook('Kubernetes audit webhook (the k8saudit plugin’s path); ?cluster= or X-Peregrine-Cluster names the cluster'),
  '/k8s-audit/{cluster}': auditWebhook('Kubernetes audit webhook for one cluster', [pathParam('cluster', 'Cluster name')]),
  '/k8s-audit/{cluster}/{token}': auditWebhook('Kubernetes audit webhook for one cluster, the ingest token in the path (the token’s cluster wins)', [pathParam('cluster', 'Cluster name'), INGEST_TOKEN]),
  '/k8s_audit': auditWebhook('Kubernetes audit webhook at Falco < 0.32’s path'),
  '/api/v1/auth/login': {
    post: {
      summary: 'Sign in: sets the session cookie',
      tags: ['auth'],
      body: { schema: ref('LoginRequest') },
      ok: { '204': { description: 'Signed in', headers: { 'Set-Cookie': { description: `${SESSION_COOKIE}=…; Path=<base path>; HttpOnly; SameSite=Lax[; Secure]`, schema: { type: 'string' } } } } },
      errors: [400, 401, 429],
    },
  },
  '/api/v1/auth/logout': {
    post: { summary: 'Sign out: ends the session and clears the cookie', tags: ['auth'], ok: { '204': { description: 'Signed out' } } },
  },
  '/api/v1/auth/me': {
    get: { summary: 'Who is signed in', tags: ['auth'], ok: { '200': { description: 'The user, or username null when sign-in is disabled', schema: ref('Identity') } }, errors: [401] },
  },
  '/api/v1/about': {
    get: { summary: 'Version, Node.js, start time, the effective configuration with secrets masked, links', tags: ['operations'], ok: { '200': { description: 'About', schema: ref('About') } } },
  },
  '/healthz': {
    get: { summary: 'Health (also on port 2801; stays at the root under a base path)', tags: ['operations'], ok: { '200': { description: '`{"status": "ok"}`', schema: ref('Health') } } },
  },
  '/metrics': {
    get: { summary: 'Prometheus exposition (also on port 2801)', tags: ['operations'], ok: { '200': { description: 'Prometheus text format', schema: str(), contentType: 'text/plain' } } },
  },
};

function auditWebhook(summary: string, parameters: ParameterObject[] = []): Partial<Record<Method, Operation>> {
  return {
    post: {
      summary,
      description: 'One audit.k8s.io/v1 (or v1beta1) Event or an EventList; answers once the alerts are stored. Also on port 2801 and peregrine.audit.extra_ports.',
      tags: ['ingest'],
      parameters: [...parameters, query('cluster', 'Cluster name (when not in the path)')],
      body: { schema: { type: ['object', 'array'], description: 'An Event or EventList, or a JSON array of them' } },
      ok: { '200': { description: 'Stored', schema: ref('AuditAccepted') }, '400': { description: 'Some items were bad (the good ones are stored)', schema: ref('AuditRejected') } },
      errors: [401, 405, 413, 503],
    },
  };
}

/** Either one: the session cookie (the dashboard) or HTTP Basic (scripts). */
export const SIGNED_IN: SecurityRequirementObject[] = [{ session: [] }, { basic: [] }];

/** `{uuid}` → `:uuid`, as routes are registered, for the access policy. */
export function routePatternOf(documentPath: string): string {
  return documentPath.replace(/\{([^}]+)\}/g, ':$1');
}

function operationObject(path: string, method: Method, operation: Operation): OperationObject {
  const responses: OperationObject['responses'] = {};
  for (const [status, answer] of Object.entries(operation.ok)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers ? { headers: answer.headers } : {}),
      ...(answer.schema
        ? { content: { [answer.contentType ?? 'application/json']: { schema: answer.schema }, ...Object.fromEntries(Object.entries(answer.otherContent ?? {}).map(([type, schema]) => [type, { schema }])) } }
        : {}),
    };
  }
  const open = !requiresSession(method, routePatternOf(path));
  // Every POST is refused from another site's page, or without a client certificate under mutual TLS (web/).
  const errors = [...(operation.errors ?? []), ...(open ? [] : [401]), ...(method === 'post' ? [403] : [])];
  for (const status of errors) {
    if (responses[String(status)]) continue;
    responses[String(status)] = { description: ERROR_TEXT[status] ?? 'Error', content: { 'application/json': { schema: ref('Error') } } };
  }
  return {
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: operation.tags,
    // Underscores are kept: /k8s_audit and /k8s-audit are two operations and need two ids.
    operationId: `${method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9_]+(.)?/g, (_match, next: string | undefined) => (next ?? '').toUpperCase())}`,
    parameters: operation.parameters ?? [],
    ...(operation.body
      ? { requestBody: { required: operation.body.required ?? true, content: { [operation.body.contentType ?? 'application/json']: { schema: operation.body.schema } } } }
      : {}),
    responses,
    // The same policy the server enforces: open routes say so explicitly.
    security: open ? [] : SIGNED_IN,
  };
}

/** The OpenAPI 3.1 document served at `/api/docs/openapi.json`; paths are relative to `basePath`. */
export function buildApiDocument(version: string, basePath: string): OpenAPIObject {
  const paths: Record<string, PathItemObject> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    const item: PathItemObject = {};
    for (const method of ['get', 'post'] as const) {
      const operation = methods[method];
      if (operation) item[method] = operationObject(path, method, operation);
    }
    paths[path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Peregrine',
      version,
      description:
        'Alert router for Falco and Kubernetes audit events. The dashboard’s API needs a session (POST /api/v1/auth/login sets the cookie); ' +
        'ingest, probes and metrics do not. Ingest routes want an ingest token when peregrine.ingest.auth is on (Authorization: Bearer, Basic with the token as password, ' +
        'or in the path: /ingest/{token}/…, /k8s-audit/{cluster}/{token}; else 401 INGEST_TOKEN_REQUIRED or INGEST_TOKEN_INVALID). ' +
        'Port 2801 (falcosidekick-compatible) takes POST / (one Falco alert), POST /test, /healthz, /ping, /metrics and the audit webhook.',
      license: { name: 'Apache-2.0' },
    },
    servers: [{ url: basePath === '' ? '/' : basePath }],
    tags: ['alerts', 'falcosidekick-ui', 'ingest', 'outputs', 'rules', 'audit', 'auth', 'operations'].map((name) => ({ name })),
    paths,
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Set by POST /api/v1/auth/login' },
        basic: { type: 'http', scheme: 'basic', description: 'The same username and password, for scripts (as falcosidekick-ui took them)' },
      },
    },
    security: SIGNED_IN,
  };
}
