import { useEffect, useState } from 'react';
import { ApiError, getJson } from '../../../lib/http';

/** `GET /api/v1/about`: what is running and how it is configured, secrets masked by the server. */
export interface About {
  version: string;
  /** Node.js version of the server, e.g. `v20.19.5`. */
  node: string;
  startedAt: string;
  config: Record<string, unknown>;
  /** Relative to the dashboard's base, so they work under a sub-path. */
  links: { metrics: string; apiDocs: string };
}

export interface AboutState {
  about: About | undefined;
  error: string | undefined;
}

export function useAbout(): AboutState {
  const [about, setAbout] = useState<About>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const controller = new AbortController();
    getJson<About>('api/v1/about', controller.signal)
      .then((result) => {
        setAbout(result);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err instanceof ApiError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));
      });
    return () => controller.abort();
  }, []);
  return { about, error };
}
