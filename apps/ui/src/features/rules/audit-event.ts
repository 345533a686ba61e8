/** What a person needs to recognise an audit event in a list. */
export interface AuditEventSummary {
  verb: string;
  /** `deployments/scale` when the request hit a subresource. */
  resource: string;
  namespace: string;
  name: string;
  user: string;
  /** Status code of the response, when the event carries one. */
  code: number | undefined;
  auditId: string;
}

/**
 * Reads the fields of a raw `audit.k8s.io` Event defensively: recent events are whatever the
 * apiserver sent, and non-resource requests (`/healthz`) carry no `objectRef`.
 */
export function summarizeAuditEvent(event: unknown): AuditEventSummary {
  const root = asRecord(event);
  const objectRef = asRecord(root['objectRef']);
  const resource = text(objectRef['resource']);
  const subresource = text(objectRef['subresource']);
  const code = asRecord(root['responseStatus'])['code'];
  return {
    verb: text(root['verb']),
    resource: resource === '' ? text(root['requestURI']) : subresource === '' ? resource : `${resource}/${subresource}`,
    namespace: text(objectRef['namespace']),
    name: text(objectRef['name']),
    user: text(asRecord(root['user'])['username']),
    code: typeof code === 'number' ? code : undefined,
    auditId: text(root['auditID']),
  };
}

export type ParsedEvent = { ok: true; event: object } | { ok: false; message: string };

/** Parses the event text pasted in the editor; says what is wrong rather than throwing. */
export function parseEventText(input: string): ParsedEvent {
  if (input.trim() === '') return { ok: false, message: 'Paste an audit event (JSON) or pick a recent one.' };
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch (error) {
    return { ok: false, message: `The event is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, message: 'The event must be a JSON object (an audit Event or EventList).' };
  return { ok: true, event: value };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
