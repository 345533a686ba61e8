import type { OutputAlert } from '../alert';
import { key } from '../config';
import { type GoStruct, goMarshal, goStruct } from '../go/json';
import { goRfc3339Nano, parseAlertTime } from '../go/time';
import { defineOutput, type FullConfig } from '../output';

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): a `trigger` event per alert, as falcosidekick
 * builds it through go-pagerduty — summary = output, source `falco`, severity always `critical`,
 * the alert time, and the output fields (plus the hostname) as custom details. The region picks
 * the events host; `url` (ours) replaces it, for a proxy or a local test server.
 */

export const PAGERDUTY_ENQUEUE_URLS = {
  us: 'https://events.pagerduty.com/v2/enqueue',
  eu: 'https://events.eu.pagerduty.com/v2/enqueue',
} as const;

/** falcosidekick sends through go-pagerduty v1.8.0, whose own headers these are. */
export const PAGERDUTY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json',
  'User-Agent': 'go-pagerduty/1.8.0',
};

export const pagerdutyKeys = {
  routingkey: key.string({ secret: true, description: 'Integration (routing) key of an Events API v2 integration; enables the output.', example: 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' }),
  region: key.enum(['us', 'eu'], { default: 'us', description: 'PagerDuty service region: us = `events.pagerduty.com`, eu = `events.eu.pagerduty.com`.' }),
  url: key.url({ peregrine: true, description: 'Events API URL used instead of the region\'s (a proxy, or a local server in tests); empty = by region.' }),
} as const;

export type PagerdutyConfig = FullConfig<typeof pagerdutyKeys>;

/**
 * Go's `Time.Format(time.RFC3339)` of the alert time: whole seconds (the fraction is cut, not
 * rounded), the zone it was written in, and `Z` for any zero offset.
 */
export function goRfc3339Seconds(text: string): string {
  const time = parseAlertTime(text);
  return goRfc3339Nano({ ...time, nanos: 0 });
}

/**
 * falcosidekick's `createPagerdutyEvent` (go-pagerduty's `V2Event`). `custom_details` is the
 * output fields with `hostname` set to the alert's hostname when known (falcosidekick also builds
 * a rule/priority/source/tags map but never sends it). Field values go out as Falco sent them.
 */
export function pagerdutyEvent(alert: OutputAlert, routingKey: string): GoStruct {
  const details: Record<string, unknown> = { ...alert.output_fields };
  if (alert.hostname !== '') details['hostname'] = alert.hostname;
  return goStruct({
    routing_key: routingKey,
    event_action: 'trigger',
    payload: goStruct({
      summary: alert.output,
      source: 'falco',
      severity: 'critical',
      timestamp: goRfc3339Seconds(alert.time),
      custom_details: details,
    }),
  });
}

export function pagerdutyEnqueueUrl(config: Pick<PagerdutyConfig, 'region' | 'url'>): string {
  return config.url !== '' ? config.url : PAGERDUTY_ENQUEUE_URLS[config.region];
}

export const pagerduty = defineOutput<typeof pagerdutyKeys>({
  type: 'pagerduty',
  title: 'PagerDuty',
  description: 'PagerDuty Events API v2: a critical trigger event per alert.',
  keys: pagerdutyKeys,
  enabledBy: 'routingkey',
  maxBatch: () => 1,
  build(alerts, { config }) {
    const url = pagerdutyEnqueueUrl(config);
    // go-pagerduty uses json.Marshal: no trailing newline, unlike falcosidekick's own client.
    return alerts.map((alert, index) => ({ alerts: [index], spec: { method: 'POST', url, headers: PAGERDUTY_HEADERS, body: goMarshal(pagerdutyEvent(alert, config.routingkey)) } }));
  },
});
