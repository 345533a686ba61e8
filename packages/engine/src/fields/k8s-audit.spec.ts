import { describe, expect, it } from 'vitest';
import { eventContext } from '../events';
import type { FieldValue } from './field';
import { findField } from './registry';
import { imageRepository } from './k8s-audit';

const EVENT = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  auditID: 'a1',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/default/pods/web/exec?command=bash&command=-i&container=web&stdin=true',
  verb: 'create',
  user: { username: 'alice', groups: ['dev', 'system:authenticated'], extra: { 'authentication.kubernetes.io/pod-name': ['runner-1'] } },
  impersonatedUser: { username: 'bob' },
  sourceIPs: ['10.0.0.1', '10.0.0.2'],
  userAgent: 'kubectl/v1.29',
  objectRef: { resource: 'pods', namespace: 'default', name: 'web', subresource: 'exec' },
  responseStatus: { code: 201 },
  annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC', 'pod-security.kubernetes.io/audit-violations': 'privileged' },
  requestObject: {
    kind: 'Pod',
    subjects: [
      { kind: 'User', name: 'carol' },
      { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
      { kind: 'Group', name: 'ops' },
    ],
    roleRef: { name: 'cluster-admin' },
    rules: [
      { apiGroups: [''], resources: ['pods', 'pods/exec'], verbs: ['get', 'create'] },
      { resources: ['secrets'], verbs: ['*'] },
    ],
    data: { password: 'x' },
    spec: {
      hostNetwork: true,
      hostPID: false,
      securityContext: { runAsUser: 1000, supplementalGroups: [5, 6] },
      type: 'NodePort',
      ports: [{ port: 80, nodePort: 30080 }],
      containers: [
        { name: 'web', image: 'registry:5000/team/web:1.2@sha256:abc', command: ['nginx', '-g'], securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN'] } }, ports: [{ containerPort: 80, hostPort: 8080 }] },
        { name: 'side', image: 'busybox', securityContext: { runAsUser: 0 } },
      ],
      initContainers: [{ name: 'init', image: 'alpine:3', securityContext: { privileged: false } }],
      volumes: [
        { name: 'root', hostPath: { path: '/proc/1' } },
        { name: 'cfg', configMap: { name: 'c' } },
        { name: 'flex', flexVolume: { driver: 'vendor/driver' } },
      ],
    },
  },
  responseObject: { metadata: { name: 'web-1' } },
  stageTimestamp: '2024-03-04T05:06:07.000000001Z',
};

function value(field: string, argument?: string, event: Record<string, unknown> = EVENT): FieldValue {
  const definition = findField(field);
  if (definition === undefined) throw new Error(`no field ${field}`);
  const context = eventContext(event, 'host');
  if (context === undefined) throw new Error('not an event');
  return definition.bind(argument)(context);
}

describe('the k8saudit fields', () => {
  it('read the request and its metadata', () => {
    expect(value('ka.auditid')).toBe('a1');
    expect(value('ka.stage')).toBe('ResponseComplete');
    expect(value('ka.verb')).toBe('create');
    expect(value('ka.user.name')).toBe('alice');
    expect(value('ka.user.groups')).toEqual(['dev', 'system:authenticated']);
    expect(value('ka.user.extra', 'authentication.kubernetes.io/pod-name')).toEqual(['runner-1']);
    expect(value('ka.impuser.name')).toBe('bob');
    expect(value('ka.auth.decision')).toBe('allow');
    expect(value('ka.auth.reason')).toBe('RBAC');
    expect(value('ka.security.pod.violations')).toBe('privileged');
    expect(value('ka.auth.openshift.decision')).toBeUndefined();
    expect(value('ka.response.code')).toBe('201');
    expect(value('ka.response.reason')).toBeUndefined();
    expect(value('ka.useragent')).toBe('kubectl/v1.29');
    expect(value('ka.sourceips')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(value('ka.sourceips', '1')).toBe('10.0.0.2');
    expect(value('ka.resp.name')).toBe('web-1');
    expect(value('ka.cluster.name')).toBeUndefined();
  });

  it('read the target and query parameters (first value, decoded)', () => {
    expect(value('ka.target.name')).toBe('web');
    expect(value('ka.target.namespace')).toBe('default');
    expect(value('ka.target.resource')).toBe('pods');
    expect(value('ka.target.subresource')).toBe('exec');
    expect(value('ka.target.pod.name')).toBe('web');
    expect(value('ka.uri.param', 'command')).toBe('bash');
    expect(value('ka.uri.param', 'stdin')).toBe('true');
    expect(value('ka.uri.param', 'nope')).toBeUndefined();
    expect(value('ka.uri.param', 'q', { ...EVENT, requestURI: '/x?q=a%20b+c' })).toBe('a b c');
  });

  it('read bindings, roles, configmaps and services', () => {
    expect(value('ka.req.binding.role')).toBe('cluster-admin');
    expect(value('ka.req.binding.subjects')).toHaveLength(3);
    expect(value('ka.req.binding.subjects.user_names')).toEqual(['carol']);
    expect(value('ka.req.binding.subjects.serviceaccount_names')).toEqual(['builder']);
    expect(value('ka.req.binding.subjects.serviceaccount_ns_names')).toEqual(['ci:builder']);
    expect(value('ka.req.binding.subjects.group_names')).toEqual(['ops']);
    expect(value('ka.req.binding.subject.has_name', 'anything')).toBe('true');
    expect(value('ka.req.role.rules')).toEqual(['{"apiGroups":[""],"resources":["pods","pods/exec"],"verbs":["get","create"]}', '{"resources":["secrets"],"verbs":["*"]}']);
    expect(value('ka.req.role.rules.resources')).toEqual(['pods', 'pods/exec', 'secrets']);
    expect(value('ka.req.role.rules.verbs', '1')).toEqual(['*']);
    expect(value('ka.req.role.rules.apiGroups')).toEqual(['']);
    expect(value('ka.req.role.rules.nonResourceURLs')).toBeUndefined();
    expect(value('ka.req.configmap.name')).toBe('web');
    expect(value('ka.req.configmap.obj')).toBe('{"password":"x"}');
    expect(value('ka.req.service.type')).toBe('NodePort');
    expect(value('ka.req.service.ports')).toEqual(['{"port":80,"nodePort":30080}']);
  });

  it('read pod specs, per container', () => {
    expect(value('ka.req.pod.containers.image')).toEqual(['registry:5000/team/web:1.2@sha256:abc', 'busybox']);
    expect(value('ka.req.pod.containers.image', '1')).toBe('busybox');
    expect(value('ka.req.pod.containers.image.repository')).toEqual(['registry:5000/team/web', 'busybox']);
    expect(value('ka.req.pod.containers.name')).toEqual(['web', 'side']);
    expect(value('ka.req.pod.containers.command')).toEqual(['["nginx","-g"]']);
    expect(value('ka.req.pod.containers.privileged')).toEqual(['true']);
    expect(value('ka.req.pod.containers.add_capabilities')).toEqual(['["NET_ADMIN"]']);
    expect(value('ka.req.pod.containers.run_as_user')).toEqual(['0']);
    expect(value('ka.req.pod.containers.eff_run_as_user')).toEqual(['1000', '0']);
    expect(value('ka.req.pod.containers.eff_run_as_group')).toEqual(['0', '0']);
    expect(value('ka.req.pod.containers.host_port')).toEqual(['8080']);
    expect(value('ka.req.pod.initContainers.image')).toEqual(['alpine:3']);
    expect(value('ka.req.pod.initContainers.privileged')).toEqual(['false']);
    expect(value('ka.req.pod.ephemeralContainers.image')).toBeUndefined();
    expect(value('ka.req.pod.host_network')).toBe('true');
    expect(value('ka.req.pod.host_pid')).toBe('false');
    expect(value('ka.req.pod.host_ipc')).toBeUndefined();
    expect(value('ka.req.pod.run_as_user')).toBe('1000');
    expect(value('ka.req.pod.supplemental_groups')).toEqual(['5', '6']);
    expect(value('ka.req.pod.volumes.hostpath')).toEqual(['/proc/1']);
    expect(value('ka.req.pod.volumes.flexvolume_driver')).toEqual(['vendor/driver']);
    expect(value('ka.req.pod.volumes.volume_type')).toEqual(['hostPath', 'configMap', 'flexVolume']);
  });

  it('keep the deprecated fields old rules use', () => {
    expect(value('ka.req.container.image')).toBe('registry:5000/team/web:1.2@sha256:abc');
    expect(value('ka.req.container.image.repository')).toBe('registry:5000/team/web');
    expect(value('ka.req.container.privileged')).toBe('true');
    expect(value('ka.req.container.host_network')).toBe('true');
    expect(value('ka.req.volume.hostpath', '/proc*')).toBe('true');
    expect(value('ka.req.volume.hostpath', '/proc')).toBe('false');
    expect(value('ka.req.volume.hostpath', '/proc/1')).toBe('true');
    expect(value('ka.req.volume.hostpath', '/x', { ...EVENT, requestObject: {} })).toBeUndefined();
    expect(value('ka.req.container.privileged', undefined, { ...EVENT, requestObject: { spec: { containers: [{}] } } })).toBe('false');
  });

  it('are absent on JSON without auditID', () => {
    const { auditID: _ignored, ...noId } = EVENT;
    expect(value('ka.verb', undefined, noId)).toBeUndefined();
    expect(value('ka.req.binding.subject.has_name', 'x', noId)).toBeUndefined();
  });
});

describe('image repositories', () => {
  it('drop the tag and digest but keep a registry port', () => {
    expect(imageRepository('nginx')).toBe('nginx');
    expect(imageRepository('nginx:1.25')).toBe('nginx');
    expect(imageRepository('docker.io/falcosecurity/falco:latest')).toBe('docker.io/falcosecurity/falco');
    expect(imageRepository('localhost:5000/app')).toBe('localhost:5000/app');
    expect(imageRepository('repo/app@sha256:abc')).toBe('repo/app');
  });
});
