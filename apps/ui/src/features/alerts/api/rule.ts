import { useQuery } from '@tanstack/react-query';
import type { RulesList, RuleView } from '../../../lib/api/types';
import { getJson } from '../../../lib/http';
import { alertKeys } from './alerts';

/**
 * The rule in force with this name, for alerts Peregrine's engine raised (Kubernetes audit
 * events); undefined when none is loaded any more (renamed, removed) or the alert is Falco's.
 * A failure to ask reads as "no such rule": the alert itself is what the drawer is for.
 */
export function useFiredRule(name: string | undefined): { rule: RuleView | undefined; loading: boolean } {
  const query = useQuery({
    queryKey: alertKeys.rulesInForce,
    queryFn: ({ signal }) => getJson<RulesList>('api/v1/rules', signal),
    enabled: name !== undefined,
    select: (list) => list.rules.find((rule) => rule.name === name),
  });
  return { rule: name === undefined || query.isError ? undefined : query.data, loading: name !== undefined && query.isLoading };
}
