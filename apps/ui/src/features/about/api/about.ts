import { useQuery } from '@tanstack/react-query';
import type { About } from '../../../lib/api/types';
import { describeError } from '../../../lib/errors';
import { getJson } from '../../../lib/http';

export interface AboutState {
  about: About | undefined;
  error: string | undefined;
}

/** `GET /api/v1/about`: what is running and how it is configured, secrets masked by the server. */
export function useAbout(): AboutState {
  const query = useQuery({
    queryKey: ['about'],
    queryFn: ({ signal }) => getJson<About>('api/v1/about', signal),
  });
  return { about: query.data, error: query.error ? describeError(query.error) : undefined };
}
