import { createHash } from 'node:crypto';
import { type EngineAlert, EVENT_ERROR_CODES, extractEvents } from '@peregrine/engine';
import { jsonTextDepth, MAX_EVENT_DEPTH, nestsDeeperThan } from './event-depth';
import type { Clock } from '../common/clock';
import { type AuditItemErrorCode, PeregrineError } from '../common/errors';
import { instantFromRfc3339 } from '../common/time';
import type { IngestPipeline } from '../ingest/ingest-pipeline';
import type { RulesService } from '../rules/rules.service';
import type { AuditMetrics } from './audit-metrics';
import { itemSizes } from './item-sizes';
import type { RecentAuditEvents } from './recent-audit-events';

export interface AuditIngestSettings {
  maxEventBytes: number;
  maxEventsPerRequest: number;
  defaultCluster: string;
}

/** One item of the body that was not stored, by its index in `items` (0 for a single Event). */
export interface AuditItemError extends AuditItemProblem {
  index: number;
}

interface AuditItemProblem {
  code: AuditItemErrorCode;
  message: string;
}

export interface AuditIngestResult {
  cluster: string;
  /** Items of the body (events in an EventList). */
  received: number;
  /** Events evaluated (the valid items). */
  evaluated: number;
  /** Alerts produced and stored. */
  alerts: number;
  errors: AuditItemError[];
}

const AUDIT_API = /^audit\.k8s\.io\/v1(beta1)?$/;
const REQUIRED_STRINGS = ['auditID', 'stage', 'requestURI', 'verb'] as const;

/**
 * Audit events from a kube-apiserver webhook: each valid event is evaluated by the rules in
 * force and every alert takes the Falco alert path (enrich, store, outputs, live, metrics).
 * Resolves once the alerts are stored, so the apiserver's 200 means "kept".
 */
export class AuditIngestService {
  constructor(
    private readonly rules: RulesService,
    private readonly alerts: IngestPipeline,
    private readonly recent: RecentAuditEvents,
    private readonly metrics: AuditMetrics,
    private readonly clock: Clock,
    private readonly settings: AuditIngestSettings,
  ) {}

  async ingest(body: Buffer, requestedCluster: string | undefined): Promise<AuditIngestResult> {
    const cluster = requestedCluster ?? this.settings.defaultCluster;
    const items = this.itemsOf(this.parse(body));
    // One ruleset for the whole request: a reload meanwhile never splits a batch.
    const { ruleset } = this.rules.current;
    const options = { ...this.rules.evaluateOptions, hostname: cluster };
    const receivedAt = new Date(this.clock.nowMs()).toISOString();
    // Only a body larger than one event's cap can hold an event over it.
    const maxBytes = body.length > this.settings.maxEventBytes ? this.settings.maxEventBytes : undefined;
    const sizes = maxBytes === undefined ? undefined : itemSizes(body);
    // An array of EventLists flattens into more items than the body has elements: measure those one by one.
    const sizeOf = sizes !== undefined && sizes.length === items.length ? (index: number) => sizes[index] ?? 0 : (index: number) => Buffer.byteLength(JSON.stringify(items[index]));
    // Measuring each event costs a pass over the body; for the recent-events budget, a small body's share per event will do.
    const averageBytes = Math.ceil(body.length / Math.max(1, items.length));
    // Only a body that nests deeper than an event may can hold an event that does.
    const tooDeep = jsonTextDepth(body) > MAX_EVENT_DEPTH ? (item: unknown) => nestsDeeperThan(item, MAX_EVENT_DEPTH) : () => false;
    const errors: AuditItemError[] = [];
    const stored: Array<Promise<unknown>> = [];
    let evaluated = 0;
    let alertCount = 0;
    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      const problem = itemProblem(item) ?? (maxBytes !== undefined ? sizeProblem(sizeOf(index), maxBytes) : undefined) ?? (tooDeep(item) ? DEPTH_PROBLEM : undefined);
      if (problem !== undefined) {
        errors.push({ index, ...problem });
        this.metrics.eventsRejected.inc({ reason: problem.code });
        continue;
      }
      evaluated++;
      this.recent.add({ receivedAt, cluster, event: item }, sizes !== undefined ? sizeOf(index) : averageBytes);
      const started = performance.now();
      const alerts = ruleset.evaluate(item, options);
      this.metrics.evaluationSeconds.observe((performance.now() - started) / 1000);
      const auditId = (item as Record<string, unknown>)['auditID'] as string;
      const stage = (item as Record<string, unknown>)['stage'] as string;
      for (const alert of alerts) {
        alertCount++;
        stored.push(this.store(alert, cluster, auditId, stage));
      }
    }
    if (evaluated > 0) this.metrics.countReceived(cluster, evaluated);
    await Promise.all(stored);
    return { cluster, received: items.length, evaluated, alerts: alertCount, errors };
  }

  private async store(alert: EngineAlert, cluster: string, auditId: string, stage: string): Promise<void> {
    const time = instantFromRfc3339(alert.time);
    if (time === undefined) throw new Error(`engine produced an unreadable time ${alert.time}`);
    await this.alerts.ingestProduced(
      {
        output: alert.output,
        priority: alert.priority,
        rule: alert.rule,
        time,
        output_fields: alert.output_fields,
        source: alert.source,
        tags: alert.tags,
        hostname: cluster,
        // The apiserver resends a batch it got no 200 for: the same event and rule give the same
        // uuid, which the store keeps once.
        uuid: alertUuid(cluster, auditId, stage, alert.rule),
      },
      { cluster, inputSource: 'k8s_audit' },
    );
    this.rules.countMatch(alert.rule);
    this.metrics.alertsByRule.inc({ rule: alert.rule, priority: alert.priority });
  }

  private parse(body: Buffer): unknown {
    if (body.length === 0) throw this.reject('BODY_NOT_JSON', 'body is empty: send an audit.k8s.io/v1 Event or EventList');
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw this.reject('BODY_NOT_JSON', `body is not JSON: ${(error as Error).message.slice(0, 200)}`);
    }
  }

  /** The events of the body: an EventList's items, one Event, or a JSON array of either. */
  private itemsOf(body: unknown): unknown[] {
    const list = (value: unknown): unknown[] | undefined => {
      if (!isObject(value)) return undefined;
      if (typeof value['apiVersion'] === 'string' && !AUDIT_API.test(value['apiVersion'])) return undefined;
      if (value['kind'] === 'EventList') return Array.isArray(value['items']) ? (value['items'] as unknown[]) : undefined;
      if (value['kind'] === 'Event') return [value];
      return undefined;
    };
    const items: unknown[] | undefined = Array.isArray(body) ? (body as unknown[]).flatMap((element) => list(element) ?? [element]) : list(body);
    if (items === undefined) {
      throw this.reject('NOT_AN_AUDIT_EVENT', `body is not an audit.k8s.io/v1 Event or EventList (kind ${describeKind(body)})`);
    }
    if (items.length > this.settings.maxEventsPerRequest) {
      throw this.reject('TOO_MANY_EVENTS', `${items.length} events in one request, more than the limit of ${this.settings.maxEventsPerRequest} (peregrine.audit.max_events_per_request); lower --audit-webhook-batch-max-size`);
    }
    return items;
  }

  private reject(code: 'BODY_NOT_JSON' | 'NOT_AN_AUDIT_EVENT' | 'TOO_MANY_EVENTS', message: string): PeregrineError {
    this.metrics.eventsRejected.inc({ reason: code });
    return new PeregrineError(code, message);
  }
}

const DEPTH_PROBLEM: AuditItemProblem = { code: 'EVENT_TOO_DEEP', message: `audit event nests objects more than ${MAX_EVENT_DEPTH} levels deep` };

function sizeProblem(bytes: number, maxBytes: number): AuditItemProblem | undefined {
  return bytes > maxBytes ? { code: 'EVENT_TOO_LARGE', message: `audit event is ${bytes} bytes, more than the limit of ${maxBytes} (peregrine.audit.max_event_bytes)` } : undefined;
}

function itemProblem(item: unknown): AuditItemProblem | undefined {
  if (!isObject(item) || item['kind'] !== 'Event') return { code: 'NOT_AN_AUDIT_EVENT', message: `${EVENT_ERROR_CODES.NOT_AN_AUDIT_EVENT}: the item is not an Event (kind ${describeKind(item)})` };
  const missing = REQUIRED_STRINGS.filter((key) => typeof item[key] !== 'string' || item[key] === '');
  if (missing.length > 0) return { code: 'MISSING_FIELD', message: `audit event lacks ${missing.join(', ')}` };
  if (!isObject(item['user'])) return { code: 'MISSING_FIELD', message: 'audit event lacks user' };
  // The apiserver sets objectRef on every request for a resource; only non-resource URLs
  // (/healthz, /version, discovery) come without one.
  if (!isObject(item['objectRef']) && isResourcePath(item['requestURI'] as string)) {
    return { code: 'MISSING_FIELD', message: `audit event for resource URI ${(item['requestURI'] as string).slice(0, 200)} lacks objectRef` };
  }
  const timing = extractEvents(item).errors[0];
  if (timing !== undefined) return { code: timing.code, message: timing.message };
  return undefined;
}

/** `/api/v1/<resource>…` or `/apis/<group>/<version>/<resource>…`; shorter paths are discovery. */
function isResourcePath(uri: string): boolean {
  const segments = (uri.split('?')[0] ?? '').split('/').filter((segment) => segment !== '');
  return (segments[0] === 'api' && segments.length >= 3) || (segments[0] === 'apis' && segments.length >= 4);
}

function describeKind(value: unknown): string {
  if (!isObject(value)) return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const kind = value['kind'];
  return typeof kind === 'string' ? `'${kind.slice(0, 60)}'` : 'missing';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A UUID (version 5 layout) derived from what identifies one rule firing on one audit event. */
export function alertUuid(cluster: string, auditId: string, stage: string, rule: string): string {
  const hash = createHash('sha1').update(`${cluster}\0${auditId}\0${stage}\0${rule}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
