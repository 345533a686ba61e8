import { describe, expect, it } from 'vitest';
import { parseEventText, summarizeAuditEvent } from './audit-event';

// The head of Falco's conformance trace create_configmap_no_sensitive_values.json.
const createConfigMap = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1beta1',
  level: 'RequestResponse',
  auditID: '87bac0ec-53ca-429b-a646-47a7e72ec075',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/default/configmaps',
  verb: 'create',
  user: { username: 'minikube-user', groups: ['system:masters', 'system:authenticated'] },
  sourceIPs: ['192.168.99.1'],
  objectRef: { resource: 'configmaps', namespace: 'default', name: 'my-config', uid: 'b4952dc3-d670-11e5-8cd0-68f728db1985', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 201 },
};

describe('summarizeAuditEvent', () => {
  it('names verb, resource, namespace, object and user of a real apiserver event', () => {
    expect(summarizeAuditEvent(createConfigMap)).toEqual({
      verb: 'create',
      resource: 'configmaps',
      namespace: 'default',
      name: 'my-config',
      user: 'minikube-user',
      code: 201,
      auditId: '87bac0ec-53ca-429b-a646-47a7e72ec075',
    });
  });

  it('shows the subresource beside the resource', () => {
    const event = { verb: 'patch', objectRef: { resource: 'deployments', subresource: 'scale', namespace: 'shop', name: 'web' }, user: { username: 'ci' } };
    expect(summarizeAuditEvent(event)).toMatchObject({ verb: 'patch', resource: 'deployments/scale', namespace: 'shop', name: 'web', user: 'ci' });
  });

  it('falls back to the request URI for non-resource requests', () => {
    expect(summarizeAuditEvent({ verb: 'get', requestURI: '/healthz', user: { username: 'system:anonymous' } })).toMatchObject({ resource: '/healthz', namespace: '', name: '' });
  });

  it('never throws on shapes that are not events', () => {
    for (const value of [null, undefined, 42, 'text', [], { objectRef: 'x', user: 7, responseStatus: { code: '201' } }]) {
      expect(summarizeAuditEvent(value)).toEqual({ verb: '', resource: '', namespace: '', name: '', user: '', code: undefined, auditId: '' });
    }
  });
});

describe('parseEventText', () => {
  it('accepts an Event object', () => {
    expect(parseEventText('{"kind":"Event","verb":"get"}')).toEqual({ ok: true, event: { kind: 'Event', verb: 'get' } });
  });

  it('explains empty input, bad JSON and non-objects', () => {
    expect(parseEventText('  ')).toEqual({ ok: false, message: 'Paste an audit event (JSON) or pick a recent one.' });
    const bad = parseEventText('{"kind": ');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/^The event is not valid JSON: /);
    expect(parseEventText('"Event"')).toEqual({ ok: false, message: 'The event must be a JSON object (an audit Event or EventList).' });
    expect(parseEventText('null')).toEqual({ ok: false, message: 'The event must be a JSON object (an audit Event or EventList).' });
  });
});
