import { describe, expect, it } from 'vitest';
import { LosslessNumber, stringifyJson } from '../common/json';
import { type Instant, instantFromRfc3339 } from '../common/time';
import { enrichAlert, type EnrichmentSettings } from './enrichment';
import type { ReceivedAlert } from './falco-alert';
import { compileTemplatedFields } from './templated-fields';

const none: EnrichmentSettings = { customFields: {}, customTags: [], templatedFields: [], bracketReplacer: '', outputFieldFormat: '' };
const time = mustParse('2026-11-23T14:05:27.146981532Z');

const received = (changes: Partial<ReceivedAlert> = {}): ReceivedAlert => ({
  output: '14:05:27.146981532: Critical A shell was spawned (user=root)',
  priority: 'Critical',
  rule: 'Terminal shell in container',
  time,
  output_fields: { 'proc.name': 'bash', 'proc.aname[2]': 'runc', 'evt.time': new LosslessNumber('1795442727146981532') },
  source: 'syscall',
  tags: ['shell', 'container'],
  hostname: 'node-1',
  ...changes,
});
const fixedUuid = (): string => '8f0e1b1e-1c2d-4e3f-9a4b-5c6d7e8f9a0b';

describe("enrichment in falcosidekick's order", () => {
  it('adds custom fields (config wins) and tags, assigns a uuid and sorts tags', () => {
    const alert = enrichAlert(received({ output_fields: { env: 'from-falco', x: 1 } }), { ...none, customFields: { env: 'prod' }, customTags: ['zz', 'aa'] }, fixedUuid);
    expect(alert.output_fields).toEqual({ env: 'prod', x: 1 });
    expect(alert.tags).toEqual(['aa', 'container', 'shell', 'zz']);
    expect(alert.uuid).toBe(fixedUuid());
  });

  it('forces source internal for the test rule and syscalls for an empty source', () => {
    expect(enrichAlert(received({ rule: 'Test rule' }), none).source).toBe('internal');
    expect(enrichAlert(received({ source: '' }), none).source).toBe('syscalls');
    expect(enrichAlert(received(), none).source).toBe('syscall');
  });

  it('evaluates templated fields over the fields after custom fields, before brackets are replaced', () => {
    const alert = enrichAlert(received(), { ...none, customFields: { team: 'core' }, templatedFields: compileTemplatedFields({ owner: '{{ index . "team" }}-{{ index . "proc.aname[2]" }}' }), bracketReplacer: '_' }, fixedUuid);
    expect(alert.output_fields['owner']).toBe('core-runc');
    expect(Object.keys(alert.output_fields)).toContain('proc.aname_2');
    expect(Object.keys(alert.output_fields)).not.toContain('proc.aname[2]');
  });

  it('rebuilds classic Falco outputs with outputfieldformat and leaves other outputs alone', () => {
    const settings = { ...none, customFields: { env: 'prod' }, outputFieldFormat: '<timestamp>: <priority> <output> (<custom_fields>) [<tags>]' };
    expect(enrichAlert(received(), settings).output).toBe('14:05:27.146981532: Critical A shell was spawned (user=root) (env=prod) [container,shell]');
    expect(enrichAlert(received({ output: 'free text' }), settings).output).toBe('free text');
  });

  it('cuts long string fields to 507 bytes + [...] only when the alert exceeds 4096 bytes, in output too', () => {
    const long = 'é'.repeat(400); // 800 bytes
    const small = enrichAlert(received({ output_fields: { cmd: long }, output: `x ${long}` }), none);
    expect(small.output_fields['cmd']).toBe(long);
    const big = enrichAlert(received({ output_fields: { cmd: long, other: 'y'.repeat(3500) }, output: `ran ${long}` }), none);
    const cut = big.output_fields['cmd'] as string;
    expect(cut.endsWith('[...]')).toBe(true);
    expect(Buffer.byteLength(cut.replace('[...]', ''))).toBeLessThanOrEqual(507);
    expect(cut).toBe(`${'é'.repeat(253)}[...]`);
    expect(big.output).toBe(`ran ${cut}`);
    expect(big.outputFieldsJson).toBe(stringifyJson(big.output_fields));
  });

  it('serialises output fields once, exactly', () => {
    expect(enrichAlert(received(), none).outputFieldsJson).toBe('{"proc.name":"bash","proc.aname[2]":"runc","evt.time":1795442727146981532}');
  });
});

function mustParse(text: string): Instant {
  const instant = instantFromRfc3339(text);
  if (!instant) throw new Error(`bad fixture time ${text}`);
  return instant;
}
