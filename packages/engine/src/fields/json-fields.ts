/**
 * The json plugin's fields (`json.*` and their `jevt.*` aliases), which the k8s audit rules use
 * next to `ka.*`, plus the time fields of Falco's earlier built-in audit support
 * (`jevt.time`, `jevt.time.iso8601`) and the generic `evt.*` fields Falco offers every source.
 */
import type { Extractor, FieldDefinition } from './field';
import { asString, get, parsePointer, toJson } from './json';

function simple(name: string, description: string, extract: Extractor): FieldDefinition {
  return { name, description, list: false, argument: 'none', argumentRequired: false, bind: () => extract };
}

function pointerField(name: string, description: string): FieldDefinition {
  return {
    name,
    description,
    list: false,
    argument: 'key',
    argumentRequired: true,
    bind(argument) {
      const keys = parsePointer(argument ?? '');
      return (event) => asString(get(event.raw, keys));
    },
  };
}

/**
 * The whole event as the json plugin renders it (Go's json.Indent with two spaces), kept per
 * event because outputs of several rules may ask for it.
 */
const objectTexts = new WeakMap<object, string>();
const wholeObject: Extractor = (event) => {
  let text = objectTexts.get(event.raw);
  if (text === undefined) {
    text = toJson(event.raw, '  ');
    objectTexts.set(event.raw, text);
  }
  return text;
};
const rawTime: Extractor = (event) => event.rawTime;

export const JSON_FIELDS: readonly FieldDefinition[] = [
  pointerField('json.value', 'Extracts a value from the event JSON. Syntax is json.value[<json pointer>] (RFC 6901); strings as they are, anything else as compact JSON'),
  simple('json.obj', 'The full json message as a text string', wholeObject),
  simple('json.rawtime', 'The time of the event (stageTimestamp), in nanoseconds since the epoch', rawTime),
  pointerField('jevt.value', 'Alias for json.value, provided for backwards compatibility'),
  simple('jevt.obj', 'Alias for json.obj, provided for backwards compatibility', wholeObject),
  simple('jevt.rawtime', 'Alias for json.rawtime, provided for backwards compatibility', rawTime),
  simple('jevt.time', 'The event timestamp as a string that includes the nanosecond part (HH:MM:SS.nnnnnnnnn, UTC)', (event) => event.clock),
  simple('jevt.time.iso8601', 'The event timestamp in ISO 8601 format, including nanoseconds and time zone offset (in UTC)', (event) => event.iso8601),
  simple('evt.time', 'The event timestamp as a string that includes the nanosecond part (HH:MM:SS.nnnnnnnnn, UTC)', (event) => event.clock),
  simple('evt.time.iso8601', 'The event timestamp in ISO 8601 format, including nanoseconds and time zone offset (in UTC)', (event) => event.iso8601),
  simple('evt.rawtime', 'The event timestamp in nanoseconds since the epoch', rawTime),
  simple('evt.source', 'The name of the source of the event: k8s_audit', () => 'k8s_audit'),
  simple('evt.hostname', 'The hostname the engine was given for the alerts (evaluate option)', (event) => (event.hostname === '' ? undefined : event.hostname)),
];
