import { isSafeNumber, LosslessNumber, parse } from 'lossless-json';
import { parsePriority } from '@peregrine/engine';
import type { OutputAlert } from '../alert';

/**
 * Alerts for output tests, shaped as the dispatcher hands them over. `alertFromFalcoJson` reads
 * Falco's JSON the way ingest does: numbers that a double keeps exactly become JS numbers,
 * others (int64 nanoseconds) `LosslessNumber`s.
 */

/** falcosidekick's `falcoTestInput` (outputs/client_test.go); same as fixtures/alerts/falcosidekick-test-input.json. */
export const FALCOSIDEKICK_TEST_INPUT =
  '{"output":"This is a test from falcosidekick","priority":"Debug","rule":"Test rule", "time":"2001-01-01T01:10:00Z","source":"syscalls","output_fields": {"proc.name":"falcosidekick", "proc.tty": 1234}, "tags":["test","example"], "hostname":"test-host"}';

export function alertFromFalcoJson(text: string, extra: Partial<OutputAlert> = {}): OutputAlert {
  const raw = parse(text, null, (value: string) => (isSafeNumber(value) ? Number(value) : new LosslessNumber(value))) as Record<string, unknown>;
  const priority = typeof raw['priority'] === 'string' ? parsePriority(raw['priority']) : undefined;
  if (priority === undefined) throw new Error('test alert without a valid priority');
  return {
    // falcosidekick's tests decode straight into the struct: no uuid, tags not sorted, source as given.
    uuid: typeof raw['uuid'] === 'string' ? raw['uuid'] : '',
    output: typeof raw['output'] === 'string' ? raw['output'] : '',
    priority,
    rule: String(raw['rule']),
    time: String(raw['time']),
    output_fields: (raw['output_fields'] ?? {}) as Record<string, unknown>,
    source: typeof raw['source'] === 'string' ? raw['source'] : '',
    tags: Array.isArray(raw['tags']) ? (raw['tags'] as string[]) : [],
    hostname: typeof raw['hostname'] === 'string' ? raw['hostname'] : '',
    cluster: '',
    ...extra,
  };
}

/** The alert of falcosidekick's output tests. */
export function referenceAlert(extra: Partial<OutputAlert> = {}): OutputAlert {
  return alertFromFalcoJson(FALCOSIDEKICK_TEST_INPUT, extra);
}

/** A realistic alert as Peregrine stores it (uuid, sorted tags, cluster, an int64 field). */
export function realisticAlert(extra: Partial<OutputAlert> = {}): OutputAlert {
  return alertFromFalcoJson(
    '{"uuid":"6d3e0a4c-2f0b-4c8e-9a57-0b1f8f3c9d21","output":"14:05:27.146981532: Notice A shell was spawned in a container with an attached terminal (user=root container=web k8s_ns=production)","priority":"Notice","rule":"Terminal shell in container","time":"2026-11-23T14:05:27.146981532Z","source":"syscall","output_fields":{"container.id":"5f1c5e6a0b7d","evt.time":1795442727146981532,"k8s.ns.name":"production","k8s.pod.name":"web-7c9f6d8b5-x2kqz","proc.cmdline":"bash -c ls /données/日本語","proc.name":"bash","proc.tty":34816,"user.loginuid":-1,"user.name":"root","fd.name":null,"container.privileged":false},"tags":["T1059","container","mitre_execution","shell"],"hostname":"worker-2"}',
    { cluster: 'eu-west-1', ...extra },
  );
}

/*
 * falcosidekick's FalcoPayload of these alerts as Go's json.Marshal writes it (map keys sorted,
 * int64 digit for digit, nulls and non-ASCII kept, no trailing newline): the message of its NATS,
 * MQTT, Redis, SQS, SNS (rawjson), Lambda and syslog outputs; its webhook adds json.Encoder's
 * newline. falcosidekick has no test vectors for most of these outputs, so they are written out
 * here rather than computed by the code under test.
 */

/** {@link referenceAlert} as falcosidekick marshals it. */
export const REFERENCE_ALERT_JSON =
  '{"output":"This is a test from falcosidekick","priority":"Debug","rule":"Test rule","time":"2001-01-01T01:10:00Z","output_fields":{"proc.name":"falcosidekick","proc.tty":1234},"source":"syscalls","tags":["test","example"],"hostname":"test-host"}';

/** {@link realisticAlert} as falcosidekick marshals it (no `cluster`: falcosidekick's payload has none). */
export const REALISTIC_ALERT_JSON =
  '{"uuid":"6d3e0a4c-2f0b-4c8e-9a57-0b1f8f3c9d21","output":"14:05:27.146981532: Notice A shell was spawned in a container with an attached terminal (user=root container=web k8s_ns=production)",' +
  '"priority":"Notice","rule":"Terminal shell in container","time":"2026-11-23T14:05:27.146981532Z",' +
  '"output_fields":{"container.id":"5f1c5e6a0b7d","container.privileged":false,"evt.time":1795442727146981532,"fd.name":null,"k8s.ns.name":"production","k8s.pod.name":"web-7c9f6d8b5-x2kqz",' +
  '"proc.cmdline":"bash -c ls /données/日本語","proc.name":"bash","proc.tty":34816,"user.loginuid":-1,"user.name":"root"},' +
  '"source":"syscall","tags":["T1059","container","mitre_execution","shell"],"hostname":"worker-2"}';

/** A fixed clock (2024-06-15T12:00:00Z: midday, so the local date is the same in every time zone within ±11 h). */
export const FIXED_NOW = Date.UTC(2024, 5, 15, 12, 0, 0);
export const fixedClock = { now: (): number => FIXED_NOW };
