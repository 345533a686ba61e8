import { PeregrineError } from '../common/errors';

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  query: unknown;
}

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;

/**
 * The cluster a sender names with `?cluster=` or the `X-Peregrine-Cluster` header; undefined
 * when it names none (the configured default applies).
 */
export function clusterOf(request: RequestLike): string | undefined {
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.['cluster'];
  const fromHeader = request.headers['x-peregrine-cluster'];
  const candidate = typeof fromQuery === 'string' ? fromQuery : typeof fromHeader === 'string' ? fromHeader : undefined;
  if (candidate === undefined) return undefined;
  if (!CLUSTER_NAME.test(candidate)) {
    throw new PeregrineError('INVALID_FIELD', 'cluster name must be 1-255 characters of letters, digits, "_", ".", ":" or "-", starting with a letter or digit');
  }
  return candidate;
}
