import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { falcoPayload, passesMinimumPriority } from './alert';
import { goMarshal } from './go/json';
import { alertFromFalcoJson, FALCOSIDEKICK_TEST_INPUT, referenceAlert } from './testing/alerts';

describe('alerts', () => {
  it('the embedded reference alert is the fixture file', () => {
    const fixture = readFileSync(join(__dirname, '../../../fixtures/alerts/falcosidekick-test-input.json'), 'utf8');
    expect(alertFromFalcoJson(fixture)).toEqual(alertFromFalcoJson(FALCOSIDEKICK_TEST_INPUT));
  });

  it('serialises in falcosidekick key order, omitting empty uuid, tags and hostname', () => {
    expect(goMarshal(falcoPayload(referenceAlert({ uuid: 'u-1', tags: [], hostname: '' })))).toBe(
      '{"uuid":"u-1","output":"This is a test from falcosidekick","priority":"Debug","rule":"Test rule","time":"2001-01-01T01:10:00Z","output_fields":{"proc.name":"falcosidekick","proc.tty":1234},"source":"syscalls"}',
    );
  });

  it('minimumpriority filter with the Test rule bypass', () => {
    expect(passesMinimumPriority({ priority: 'Warning', rule: 'r' }, 'Warning')).toBe(true);
    expect(passesMinimumPriority({ priority: 'Notice', rule: 'r' }, 'Warning')).toBe(false);
    expect(passesMinimumPriority({ priority: 'Debug', rule: 'Test rule' }, 'Emergency')).toBe(true);
    expect(passesMinimumPriority({ priority: 'Debug', rule: 'r' }, undefined)).toBe(true);
  });
});
