import { QueryClient } from '@tanstack/react-query';

/**
 * The dashboard's server-state cache. Nothing is fetched again behind the reader's back: pages
 * that need fresh figures say so (a poll, a live push), and a failed request is shown at once
 * rather than retried (a 401 must bring the sign-in form back, not wait for retries).
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false },
      mutations: { retry: false },
    },
  });
}
