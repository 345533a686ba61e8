import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { type AlertFilters, filtersFromSearch, filtersToSearch } from './filters';

/** The filters of the page URL, and a setter that writes them back (a new history entry). */
export function useUrlFilters(): [AlertFilters, (next: AlertFilters) => void] {
  const [search, setSearch] = useSearchParams();
  const key = search.toString();
  // Parsed once per distinct URL, so hooks keyed on the filters do not refire every render.
  const filters = useMemo(() => filtersFromSearch(new URLSearchParams(key)), [key]);
  const setFilters = useCallback((next: AlertFilters) => setSearch(filtersToSearch(next)), [setSearch]);
  return [filters, setFilters];
}
