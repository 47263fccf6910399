import { useCallback, useEffect, useReducer, useRef } from "react";
import { api } from "../api";
import {
  buildListQuery,
  ContactPageCache,
  PAGE_SIZE,
  pagesForRange,
  queryKey,
  type ContactFilters,
} from "../lib/contactPageCache";

/** How long the visible range must stay put before missing pages are fetched. */
const RANGE_SETTLE_MS = 40;

/**
 * loading: nothing known yet; refreshing: a new query is loading while the previous
 * rows stay on screen; ready: the total is known; error: the first page failed.
 */
export type ContactPagesStatus = "loading" | "refreshing" | "ready" | "error";

/**
 * React glue around ContactPageCache: fetches pages lazily for the visible row range,
 * starts over when the filters change, and refetches when `refresh` is called.
 */
export function useContactPages(filters: ContactFilters, onError: (error: unknown) => void) {
  const cacheRef = useRef<ContactPageCache | null>(null);
  cacheRef.current ??= new ContactPageCache(PAGE_SIZE);
  const cache = cacheRef.current;

  const [version, bump] = useReducer((count: number) => count + 1, 0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;
  const rangeRef = useRef({ first: 0, last: 0 });
  const timerRef = useRef<number | null>(null);
  const initialFailedRef = useRef(false);

  const key = queryKey(filters);
  // Switching result sets must happen before rendering rows, so do it during render.
  // useKey is idempotent for the same key.
  if (cache.key !== key) {
    cache.useKey(key);
    initialFailedRef.current = false;
  }

  const fetchPage = useCallback(
    (pageIndex: number) => {
      const generation = cache.generation;
      cache.markPending(pageIndex);
      api.listContacts(buildListQuery(filtersRef.current, pageIndex, cache.pageSize)).then(
        (page) => {
          if (cache.storePage(generation, pageIndex, page)) {
            initialFailedRef.current = false;
            bump();
          }
        },
        (error: unknown) => {
          if (generation !== cache.generation) return;
          cache.failPage(generation, pageIndex);
          if (cache.total === null) initialFailedRef.current = true;
          onErrorRef.current(error);
          bump();
        },
      );
    },
    [cache],
  );

  const fetchMissing = useCallback(() => {
    const { first, last } = rangeRef.current;
    let missing = cache.missingPagesForRows(first, last);
    if (cache.total === null && missing.length === 0 && !cache.isPending(0) && !cache.hasPage(0)) {
      missing = cache.missingPages([0]);
    }
    missing.forEach(fetchPage);
  }, [cache, fetchPage]);

  // A new result set: load its first page right away.
  useEffect(() => {
    const visibleRows = rangeRef.current.last - rangeRef.current.first;
    rangeRef.current = { first: 0, last: Math.min(Math.max(visibleRows, 0), PAGE_SIZE - 1) };
    fetchMissing();
  }, [key, cache, fetchMissing, fetchPage]);

  useEffect(
    () => () => {
      if (timerRef.current !== null) window.clearTimeout(timerRef.current);
    },
    [],
  );

  /** Tell the hook which rows are on screen (inclusive). Fetching waits for scrolling to settle. */
  const requestRange = useCallback(
    (first: number, last: number) => {
      rangeRef.current = { first, last };
      if (cache.missingPagesForRows(first, last).length === 0) return;
      if (timerRef.current !== null) window.clearTimeout(timerRef.current);
      timerRef.current = window.setTimeout(() => {
        timerRef.current = null;
        fetchMissing();
      }, RANGE_SETTLE_MS);
    },
    [cache, fetchMissing],
  );

  /** The data changed: refetch what is on screen, keeping the old rows until then. */
  const refresh = useCallback(() => {
    cache.invalidate();
    const { first, last } = rangeRef.current;
    let pages = pagesForRange(first, last, cache.pageSize, null);
    if (!pages.includes(0) && (cache.total === null || cache.total === 0)) pages = [0, ...pages];
    if (pages.length === 0) pages = [0];
    pages.forEach(fetchPage);
    bump();
  }, [cache, fetchPage]);

  const retry = useCallback(() => {
    cache.retryFailed();
    initialFailedRef.current = false;
    fetchMissing();
    if (cache.total === null && cache.missingPages([0]).length > 0) fetchPage(0);
    bump();
  }, [cache, fetchMissing, fetchPage]);

  const getRow = useCallback((index: number) => cache.getRow(index), [cache]);
  const loadedRows = useCallback(() => cache.loadedRows(), [cache]);

  let status: ContactPagesStatus = "loading";
  if (cache.total !== null) status = "ready";
  else if (initialFailedRef.current) status = "error";
  else if (cache.displayTotal !== null) status = "refreshing";

  return {
    key,
    version,
    status,
    /** Rows to lay out: the real total, or the previous query's while "refreshing". */
    total: cache.displayTotal ?? 0,
    getRow,
    loadedRows,
    requestRange,
    refresh,
    retry,
  };
}
