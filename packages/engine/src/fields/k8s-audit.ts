/**
 * The `ka.*` fields of the k8saudit plugin (falcosecurity/plugins, plugins/k8saudit:
 * pkg/k8saudit/fields.go for names and types, extract.go for what each one reads), written
 * from their documented semantics. All are strings; `list: true` marks the plugin's `IsList`
 * fields. Every `ka.*` field is absent on JSON that has no `auditID` (the plugin discards it).
 */
import type { EventContext, Extractor, FieldDefinition, FieldValue } from './field';
import { asString, asStringList, child, get, isObject } from './json';

type Reader = (raw: Record<string, unknown>, argument: string | undefined) => FieldValue;

interface Spec {
  name: string;
  description: string;
  list?: boolean;
  argument?: 'index' | 'key';
  argumentRequired?: boolean;
  deprecated?: boolean;
  extension?: boolean;
  read: Reader;
}

function define(spec: Spec): FieldDefinition {
  return {
    name: spec.name,
    description: spec.description,
    list: spec.list ?? false,
    argument: spec.argument ?? 'none',
    argumentRequired: spec.argumentRequired ?? false,
    ...(spec.deprecated ? { deprecated: true } : {}),
    ...(spec.extension ? { extension: true } : {}),
    bind(argument): Extractor {
      const read = spec.read;
      return (event: EventContext) => (event.isAudit ? read(event.raw, argument) : undefined);
    },
  };
}

/** A scalar read at a fixed path. */
function at(...keys: string[]): Reader {
  return (raw) => asString(get(raw, keys));
}

/** A list read at a fixed path (the array's elements, each as a string). */
function listAt(...keys: string[]): Reader {
  return (raw, argument) => pickIndex(asStringList(get(raw, keys)), argument);
}

/** Index arguments select one element; out of range is absent. */
function pickIndex(values: string[] | undefined, argument: string | undefined): FieldValue {
  if (values === undefined || values.length === 0) return undefined;
  if (argument === undefined) return values;
  return values[Number(argument)];
}

/** `requestObject.spec.<kind>`, narrowed to one entry when an index is given. */
function containersOf(raw: Record<string, unknown>, kind: ContainerKind, argument: string | undefined): unknown[] | undefined {
  const all = get(raw, ['requestObject', 'spec', kind]);
  if (!Array.isArray(all)) return undefined;
  const entries: unknown[] = all;
  if (argument === undefined) return entries;
  const one = entries[Number(argument)];
  return one === undefined ? undefined : [one];
}

/** Per-container values at `keys`, skipping containers where the value is missing. */
function perContainer(kind: ContainerKind, keys: readonly string[]): Reader {
  return (raw, argument) => {
    const containers = containersOf(raw, kind, argument);
    if (containers === undefined) return undefined;
    const out: string[] = [];
    for (const container of containers) {
      const text = asString(get(container, keys));
      if (text !== undefined) out.push(text);
    }
    return argument === undefined ? nonEmpty(out) : out[0];
  };
}

function nonEmpty(values: string[]): string[] | undefined {
  return values.length === 0 ? undefined : values;
}

/**
 * The repository part of an image reference: without `@digest` and without `:tag` (a `:` after
 * the last `/`, so a registry port such as `localhost:5000/app` is kept).
 */
export function imageRepository(image: string): string {
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** The effective uid/gid of each container: its own securityContext, else the pod's, else 0. */
function effective(kind: ContainerKind, key: 'runAsUser' | 'runAsGroup'): Reader {
  return (raw, argument) => {
    const containers = containersOf(raw, kind, argument);
    if (containers === undefined) return undefined;
    const pod = asString(get(raw, ['requestObject', 'spec', 'securityContext', key])) ?? '0';
    const out = containers.map((container) => asString(get(container, ['securityContext', key])) ?? pod);
    return argument === undefined ? nonEmpty(out) : out[0];
  };
}

/** hostPort of every declared port (containerPort when hostPort is unset: equal under hostNetwork). */
function hostPorts(kind: ContainerKind): Reader {
  return (raw, argument) => {
    const containers = containersOf(raw, kind, argument);
    if (containers === undefined) return undefined;
    const out: string[] = [];
    for (const container of containers) {
      const ports = child(container, 'ports');
      if (!Array.isArray(ports)) continue;
      for (const port of ports) {
        const value = asString(child(port, 'hostPort')) ?? asString(child(port, 'containerPort'));
        if (value !== undefined) out.push(value);
      }
    }
    return nonEmpty(out);
  };
}

type ContainerKind = 'containers' | 'initContainers' | 'ephemeralContainers';

const CONTAINER_WORDS: Readonly<Record<ContainerKind, string>> = {
  containers: 'containers',
  initContainers: 'init containers',
  ephemeralContainers: 'ephemeral containers',
};

function containerFields(kind: ContainerKind): FieldDefinition[] {
  const words = CONTAINER_WORDS[kind];
  const prefix = `ka.req.pod.${kind}`;
  const indexed = { list: true, argument: 'index' as const };
  return [
    { name: `${prefix}.name`, description: `When the request object refers to a pod, the ${words}' names.`, read: perContainer(kind, ['name']) },
    { name: `${prefix}.image`, description: `When the request object refers to a pod, the ${words}' images.`, read: perContainer(kind, ['image']) },
    {
      name: `${prefix}.image.repository`,
      description: `The same as ${prefix}.image, but only the repository part (e.g. falcosecurity/falco).`,
      read: mapValues(perContainer(kind, ['image']), imageRepository),
    },
    { name: `${prefix}.command`, description: `When the request object refers to a pod, the ${words}' commands (each as a JSON array).`, read: perContainer(kind, ['command']) },
    { name: `${prefix}.args`, description: `When the request object refers to a pod, the ${words}' args (each as a JSON array).`, read: perContainer(kind, ['args']) },
    { name: `${prefix}.host_port`, description: `When the request object refers to a pod, all ${words}' hostPort values.`, read: hostPorts(kind) },
    { name: `${prefix}.privileged`, description: `When the request object refers to a pod, the privileged flag of all ${words}.`, read: perContainer(kind, ['securityContext', 'privileged']) },
    {
      name: `${prefix}.allow_privilege_escalation`,
      description: `When the request object refers to a pod, the allowPrivilegeEscalation flag of all ${words}.`,
      read: perContainer(kind, ['securityContext', 'allowPrivilegeEscalation']),
    },
    {
      name: `${prefix}.read_only_fs`,
      description: `When the request object refers to a pod, the readOnlyRootFilesystem flag of all ${words}.`,
      read: perContainer(kind, ['securityContext', 'readOnlyRootFilesystem']),
    },
    { name: `${prefix}.run_as_user`, description: `When the request object refers to a pod, the runAsUser uid of all ${words}.`, read: perContainer(kind, ['securityContext', 'runAsUser']) },
    {
      name: `${prefix}.eff_run_as_user`,
      description: `When the request object refers to a pod, the initial uid of all ${words}: the container's runAsUser, else the pod's, else 0.`,
      read: effective(kind, 'runAsUser'),
    },
    { name: `${prefix}.run_as_group`, description: `When the request object refers to a pod, the runAsGroup gid of all ${words}.`, read: perContainer(kind, ['securityContext', 'runAsGroup']) },
    {
      name: `${prefix}.eff_run_as_group`,
      description: `When the request object refers to a pod, the initial gid of all ${words}: the container's runAsGroup, else the pod's, else 0.`,
      read: effective(kind, 'runAsGroup'),
    },
    { name: `${prefix}.proc_mount`, description: `When the request object refers to a pod, the procMount type of all ${words}.`, read: perContainer(kind, ['securityContext', 'procMount']) },
    {
      name: `${prefix}.add_capabilities`,
      description: `When the request object refers to a pod, the capabilities added to all ${words} (each container's as a JSON array).`,
      read: perContainer(kind, ['securityContext', 'capabilities', 'add']),
    },
  ].map((spec) => define({ ...indexed, ...spec }));
}

function mapValues(read: Reader, map: (value: string) => string): Reader {
  return (raw, argument) => {
    const value = read(raw, argument);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return map(value);
    if (typeof value === 'number') return value;
    return value.map((v) => (typeof v === 'string' ? map(v) : v));
  };
}

/** Values of `ka.req.role.rules.<key>`: each rule's array, flattened; an index picks one rule. */
function roleRules(key: string): Reader {
  return (raw, argument) => {
    const rules = get(raw, ['requestObject', 'rules']);
    if (!Array.isArray(rules)) return undefined;
    const selected: unknown[] = argument === undefined ? rules : rules[Number(argument)] === undefined ? [] : [rules[Number(argument)]];
    const out: string[] = [];
    for (const rule of selected) {
      const values = asStringList(child(rule, key));
      if (values) out.push(...values);
    }
    return nonEmpty(out);
  };
}

/** Binding subjects of one kind, rendered by `name` (e.g. `ns:name` for service accounts). */
function subjects(kind: 'User' | 'ServiceAccount' | 'Group', render: (subject: Record<string, unknown>) => string | undefined): Reader {
  return (raw) => {
    const all = get(raw, ['requestObject', 'subjects']);
    if (!Array.isArray(all)) return undefined;
    const out: string[] = [];
    for (const subject of all) {
      if (!isObject(subject) || subject['kind'] !== kind) continue;
      const text = render(subject);
      if (text !== undefined) out.push(text);
    }
    return nonEmpty(out);
  };
}

/** Volume entries of the pod spec. */
function volumes(raw: Record<string, unknown>): unknown[] | undefined {
  const all = get(raw, ['requestObject', 'spec', 'volumes']);
  return Array.isArray(all) ? all : undefined;
}

function perVolume(keys: readonly string[]): Reader {
  return (raw, argument) => {
    const all = volumes(raw);
    if (all === undefined) return undefined;
    const selected = argument === undefined ? all : all[Number(argument)] === undefined ? [] : [all[Number(argument)]];
    const out: string[] = [];
    for (const volume of selected) {
      const text = asString(get(volume, keys));
      if (text !== undefined) out.push(text);
    }
    return argument === undefined ? nonEmpty(out) : out[0];
  };
}

/** Query parameter `key` of requestURI (first value, decoded as Go's url.ParseQuery does). */
function uriParam(raw: Record<string, unknown>, key: string | undefined): FieldValue {
  const uri = raw['requestURI'];
  if (typeof uri !== 'string' || key === undefined) return undefined;
  const question = uri.indexOf('?');
  if (question < 0) return undefined;
  const hash = uri.indexOf('#', question);
  const query = uri.slice(question + 1, hash < 0 ? undefined : hash);
  try {
    return new URLSearchParams(query).get(key) ?? undefined;
  } catch {
    return undefined;
  }
}

const SPECS: Array<Spec | FieldDefinition> = [
  { name: 'ka.auditid', description: 'The unique id of the audit event', read: at('auditID') },
  { name: 'ka.stage', description: 'Stage of the request (e.g. RequestReceived, ResponseComplete, etc.)', read: at('stage') },
  { name: 'ka.auth.decision', description: 'The authorization decision', read: at('annotations', 'authorization.k8s.io/decision') },
  { name: 'ka.auth.reason', description: 'The authorization reason', read: at('annotations', 'authorization.k8s.io/reason') },
  {
    name: 'ka.auth.openshift.decision',
    description: 'The authentication decision of the openshift apiserver extension. Only available on openshift clusters',
    read: at('annotations', 'authentication.openshift.io/decision'),
  },
  {
    name: 'ka.auth.openshift.username',
    description: 'The user name performing the openshift authentication operation. Only available on openshift clusters',
    read: at('annotations', 'authentication.openshift.io/username'),
  },
  {
    name: 'ka.validations.admission.policy.failure',
    description: 'The validation failure reason from a Validation Admission Policy',
    read: at('annotations', 'validation.policy.admission.k8s.io/validation_failure'),
  },
  { name: 'ka.security.pod.violations', description: 'The violation reason for pod security policy', read: at('annotations', 'pod-security.kubernetes.io/audit-violations') },
  { name: 'ka.user.name', description: 'The user name performing the request', read: at('user', 'username') },
  { name: 'ka.user.groups', description: 'The groups to which the user belongs', list: true, read: listAt('user', 'groups') },
  {
    name: 'ka.user.extra',
    description: "Peregrine extension: the values of one key of the user's extra attributes (e.g. ka.user.extra[authentication.kubernetes.io/pod-name])",
    list: true,
    argument: 'key',
    argumentRequired: true,
    extension: true,
    read: (raw, key) => pickIndex(asStringList(get(raw, ['user', 'extra', key ?? ''])), undefined),
  },
  { name: 'ka.impuser.name', description: 'The impersonated user name', read: at('impersonatedUser', 'username') },
  { name: 'ka.verb', description: 'The action being performed', read: at('verb') },
  { name: 'ka.uri', description: 'The request URI as sent from client to server', read: at('requestURI') },
  {
    name: 'ka.uri.param',
    description: 'The value of a given query parameter in the uri (e.g. when uri=/foo?key=val, ka.uri.param[key] is val).',
    argument: 'key',
    argumentRequired: true,
    read: uriParam,
  },
  { name: 'ka.target.name', description: 'The target object name', read: at('objectRef', 'name') },
  { name: 'ka.target.namespace', description: 'The target object namespace', read: at('objectRef', 'namespace') },
  { name: 'ka.target.resource', description: 'The target object resource', read: at('objectRef', 'resource') },
  { name: 'ka.target.subresource', description: 'The target object subresource', read: at('objectRef', 'subresource') },
  {
    name: 'ka.target.pod.name',
    description: 'The target pod name (the target object name when the resource is pods)',
    read: (raw) => (get(raw, ['objectRef', 'resource']) === 'pods' ? asString(get(raw, ['objectRef', 'name'])) : undefined),
  },
  {
    name: 'ka.req.binding.subjects',
    description: 'When the request object refers to a cluster role binding, the subject (e.g. account/users) being linked by the binding',
    list: true,
    read: listAt('requestObject', 'subjects'),
  },
  {
    name: 'ka.req.binding.subjects.user_names',
    description: 'When the request object refers to a cluster role binding, the subject user names being linked by the binding',
    list: true,
    read: subjects('User', (s) => asString(s['name'])),
  },
  {
    name: 'ka.req.binding.subjects.serviceaccount_names',
    description: 'When the request object refers to a cluster role binding, the subject service account names being linked by the binding',
    list: true,
    read: subjects('ServiceAccount', (s) => asString(s['name'])),
  },
  {
    name: 'ka.req.binding.subjects.serviceaccount_ns_names',
    description: 'When the request object refers to a cluster role binding, the subject serviceaccount namespaced names (namespace:name) being linked by the binding',
    list: true,
    read: subjects('ServiceAccount', (s) => (s['name'] === undefined ? undefined : `${asString(s['namespace']) ?? ''}:${asString(s['name']) ?? ''}`)),
  },
  {
    name: 'ka.req.binding.subjects.group_names',
    description: 'When the request object refers to a cluster role binding, the subject group names being linked by the binding',
    list: true,
    read: subjects('Group', (s) => asString(s['name'])),
  },
  { name: 'ka.req.binding.role', description: 'When the request object refers to a cluster role binding, the role being linked by the binding', read: at('requestObject', 'roleRef', 'name') },
  {
    name: 'ka.req.binding.subject.has_name',
    description: 'Deprecated, only provided for backwards compatibility: always "true", as the plugin returns',
    argument: 'key',
    argumentRequired: true,
    deprecated: true,
    read: () => 'true',
  },
  { name: 'ka.req.configmap.name', description: 'If the request object refers to a configmap, the configmap name', read: at('objectRef', 'name') },
  { name: 'ka.req.configmap.obj', description: 'If the request object refers to a configmap, the entire configmap object', read: at('requestObject', 'data') },
  ...containerFields('containers'),
  {
    name: 'ka.req.container.image',
    description: 'Deprecated by ka.req.pod.containers.image. Returns the image of the first container only',
    deprecated: true,
    read: (raw) => asString(get(raw, ['requestObject', 'spec', 'containers', '0', 'image'])),
  },
  {
    name: 'ka.req.container.image.repository',
    description: 'Deprecated by ka.req.pod.containers.image.repository. Returns the repository of the first container only',
    deprecated: true,
    read: (raw) => {
      const image = asString(get(raw, ['requestObject', 'spec', 'containers', '0', 'image']));
      return image === undefined ? undefined : imageRepository(image);
    },
  },
  { name: 'ka.req.pod.host_ipc', description: 'When the request object refers to a pod, the value of the hostIPC flag.', read: at('requestObject', 'spec', 'hostIPC') },
  { name: 'ka.req.pod.host_network', description: 'When the request object refers to a pod, the value of the hostNetwork flag.', read: at('requestObject', 'spec', 'hostNetwork') },
  {
    name: 'ka.req.container.host_network',
    description: 'Deprecated alias for ka.req.pod.host_network',
    deprecated: true,
    read: at('requestObject', 'spec', 'hostNetwork'),
  },
  { name: 'ka.req.pod.host_pid', description: 'When the request object refers to a pod, the value of the hostPID flag.', read: at('requestObject', 'spec', 'hostPID') },
  {
    name: 'ka.req.container.privileged',
    description: 'Deprecated by ka.req.pod.containers.privileged. Returns true if any container has privileged=true',
    deprecated: true,
    read: (raw) => {
      const containers = get(raw, ['requestObject', 'spec', 'containers']);
      if (!Array.isArray(containers)) return undefined;
      return containers.some((c) => get(c, ['securityContext', 'privileged']) === true) ? 'true' : 'false';
    },
  },
  {
    name: 'ka.req.pod.run_as_user',
    description: 'When the request object refers to a pod, the runAsUser uid specified in the security context for the pod',
    read: at('requestObject', 'spec', 'securityContext', 'runAsUser'),
  },
  {
    name: 'ka.req.pod.run_as_group',
    description: 'When the request object refers to a pod, the runAsGroup gid specified in the security context for the pod',
    read: at('requestObject', 'spec', 'securityContext', 'runAsGroup'),
  },
  { name: 'ka.req.role.rules', description: 'When the request object refers to a role/cluster role, the rules associated with the role', list: true, read: listAt('requestObject', 'rules') },
  ...(['apiGroups', 'nonResourceURLs', 'verbs', 'resources'] as const).map((key) => ({
    name: `ka.req.role.rules.${key}`,
    description: `When the request object refers to a role/cluster role, the ${key} associated with the role's rules`,
    list: true,
    argument: 'index' as const,
    read: roleRules(key),
  })),
  { name: 'ka.req.pod.fs_group', description: 'When the request object refers to a pod, the fsGroup gid specified by the security context.', read: at('requestObject', 'spec', 'securityContext', 'fsGroup') },
  {
    name: 'ka.req.pod.supplemental_groups',
    description: 'When the request object refers to a pod, the supplementalGroup gids specified by the security context.',
    list: true,
    read: listAt('requestObject', 'spec', 'securityContext', 'supplementalGroups'),
  },
  { name: 'ka.req.service.type', description: 'When the request object refers to a service, the service type', read: at('requestObject', 'spec', 'type') },
  { name: 'ka.req.service.ports', description: "When the request object refers to a service, the service's ports", list: true, argument: 'index', read: listAt('requestObject', 'spec', 'ports') },
  {
    name: 'ka.req.pod.volumes.hostpath',
    description: 'When the request object refers to a pod, all hostPath paths specified for all volumes',
    list: true,
    argument: 'index',
    read: perVolume(['hostPath', 'path']),
  },
  {
    name: 'ka.req.volume.hostpath',
    description: 'Deprecated by ka.req.pod.volumes.hostpath. "true" if the given (host) path is used by any volume; a trailing * makes it a prefix',
    argument: 'key',
    argumentRequired: true,
    deprecated: true,
    read: (raw, key) => {
      const all = volumes(raw);
      if (all === undefined || key === undefined) return undefined;
      const prefix = key.endsWith('*') ? key.slice(0, -1) : undefined;
      for (const volume of all) {
        const path = asString(get(volume, ['hostPath', 'path']));
        if (path !== undefined && (prefix !== undefined ? path.startsWith(prefix) : path === key)) return 'true';
      }
      return 'false';
    },
  },
  {
    name: 'ka.req.pod.volumes.flexvolume_driver',
    description: 'When the request object refers to a pod, all flexvolume drivers specified for all volumes',
    list: true,
    argument: 'index',
    read: perVolume(['flexVolume', 'driver']),
  },
  {
    name: 'ka.req.pod.volumes.volume_type',
    description: 'When the request object refers to a pod, all volume types for all volumes',
    list: true,
    argument: 'index',
    read: (raw, argument) => {
      const all = volumes(raw);
      if (all === undefined) return undefined;
      const selected = argument === undefined ? all : all[Number(argument)] === undefined ? [] : [all[Number(argument)]];
      const out: string[] = [];
      for (const volume of selected) if (isObject(volume)) for (const key of Object.keys(volume)) if (key !== 'name') out.push(key);
      return nonEmpty(out);
    },
  },
  { name: 'ka.resp.name', description: 'The response object name', read: at('responseObject', 'metadata', 'name') },
  { name: 'ka.response.code', description: 'The response code', read: at('responseStatus', 'code') },
  { name: 'ka.response.reason', description: 'The response reason (usually present only for failures)', read: at('responseStatus', 'reason') },
  { name: 'ka.useragent', description: 'The useragent of the client who made the request to the apiserver', read: at('userAgent') },
  { name: 'ka.sourceips', description: 'The IP addresses of the client who made the request to the apiserver', list: true, argument: 'index', read: listAt('sourceIPs') },
  {
    name: 'ka.cluster.name',
    description: "The name of the k8s cluster: set by the plugin's configuration in Falco; audit events do not carry it, so always absent here",
    read: () => undefined,
  },
  ...containerFields('initContainers'),
  ...containerFields('ephemeralContainers'),
];

export const K8S_AUDIT_FIELDS: readonly FieldDefinition[] = SPECS.map((entry) => ('bind' in entry ? entry : define(entry)));
