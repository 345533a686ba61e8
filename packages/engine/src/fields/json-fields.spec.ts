import { describe, expect, it } from 'vitest';
import { eventContext } from '../events';
import { findField } from './registry';

const EVENT = { kind: 'Event', auditID: 'x', stage: 'ResponseComplete', annotations: { 'authorization.k8s.io/decision': 'allow' }, 'a/~b': 1, items: [{ n: 1 }, null], stageTimestamp: '2018-10-25T14:09:49.802437Z' };

function value(field: string, argument?: string): unknown {
  const context = eventContext(EVENT, 'node-1');
  const definition = findField(field);
  if (context === undefined || definition === undefined) throw new Error('setup');
  return definition.bind(argument)(context);
}

describe('the json and time fields', () => {
  it('read JSON pointers: strings as they are, anything else as compact JSON', () => {
    expect(value('jevt.value', '/stage')).toBe('ResponseComplete');
    expect(value('json.value', '/annotations/authorization.k8s.io~1decision')).toBe('allow');
    expect(value('jevt.value', '/a~1~0b')).toBe('1');
    expect(value('jevt.value', '/items')).toBe('[{"n":1},null]');
    expect(value('jevt.value', '/items/0/n')).toBe('1');
    expect(value('jevt.value', '/items/1')).toBe('null');
    expect(value('jevt.value', '/items/2')).toBeUndefined();
    expect(value('jevt.value', 'stage')).toBe('ResponseComplete');
    expect(value('jevt.value', '/nope')).toBeUndefined();
  });

  it('render the whole object as the json plugin does (indented)', () => {
    expect(value('jevt.obj')).toBe(JSON.stringify(EVENT, null, 2));
    expect(value('json.obj')).toBe(value('jevt.obj'));
  });

  it('give the event time from stageTimestamp', () => {
    expect(value('jevt.rawtime')).toBe('1540476589802437000');
    expect(value('json.rawtime')).toBe('1540476589802437000');
    expect(value('evt.rawtime')).toBe('1540476589802437000');
    expect(value('jevt.time')).toBe('14:09:49.802437000');
    expect(value('jevt.time.iso8601')).toBe('2018-10-25T14:09:49.802437000+0000');
    expect(value('evt.time')).toBe('14:09:49.802437000');
    expect(value('evt.source')).toBe('k8s_audit');
    expect(value('evt.hostname')).toBe('node-1');
  });
});
