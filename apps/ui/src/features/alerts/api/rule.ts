import { useEffect, useState } from 'react';
import { getJson } from '../../../lib/http';

/** The parts of a loaded rule the alert detail shows (see docs/rules-api.md). */
export interface FiredRule {
  name: string;
  description?: string;
  source: string;
  priority: string;
  condition: string;
  output: string;
  file: string;
  line: number;
  tags: string[];
}

/**
 * The rule in force with this name, for alerts Peregrine's engine raised (Kubernetes audit
 * events); undefined when none is loaded any more (renamed, removed) or the alert is Falco's.
 */
export function useFiredRule(name: string | undefined): { rule: FiredRule | undefined; loading: boolean } {
  const [state, setState] = useState<{ rule: FiredRule | undefined; loading: boolean }>({ rule: undefined, loading: name !== undefined });
  useEffect(() => {
    if (name === undefined) {
      setState({ rule: undefined, loading: false });
      return;
    }
    const controller = new AbortController();
    setState({ rule: undefined, loading: true });
    getJson<{ rules: FiredRule[] }>('api/v1/rules', controller.signal)
      .then((body) => setState({ rule: body.rules.find((rule) => rule.name === name), loading: false }))
      .catch(() => {
        if (!controller.signal.aborted) setState({ rule: undefined, loading: false });
      });
    return () => controller.abort();
  }, [name]);
  return state;
}
