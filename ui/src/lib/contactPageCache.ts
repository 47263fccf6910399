// Pure paging logic for the virtualized contacts table: turns the user's filters into
// ContactListQuery values, works out which pages a visible row range needs, and keeps
// the loaded pages in a Map keyed by page index. No React, no I/O: fully unit-tested.

import type {
  ClientStatus,
  ContactListQuery,
  ContactPage,
  ContactSort,
  ContactSource,
  ContactSummary,
  LifecycleStage,
  SortDirection,
} from "../api";

export const PAGE_SIZE = 100;

export type ContactFilters = {
  search: string;
  stage: LifecycleStage | null;
  status: ClientStatus | null;
  tag: string | null;
  source: ContactSource | null;
  sort: ContactSort;
  direction: SortDirection;
};

export const DEFAULT_FILTERS: ContactFilters = {
  search: "",
  stage: null,
  status: null,
  tag: null,
  source: null,
  sort: "name",
  direction: "asc",
};

/** The direction a column sorts in when it is first chosen. */
export const DEFAULT_DIRECTION: Record<ContactSort, SortDirection> = {
  name: "asc",
  updated: "desc",
  stage: "asc",
};

/** Clicking a sortable header: same column flips direction, a new column uses its default. */
export function nextSort(filters: ContactFilters, column: ContactSort): ContactFilters {
  if (filters.sort === column) {
    return { ...filters, direction: filters.direction === "asc" ? "desc" : "asc" };
  }
  return { ...filters, sort: column, direction: DEFAULT_DIRECTION[column] };
}

/** True when search or any filter narrows the list (sorting does not count). */
export function hasActiveFilters(filters: ContactFilters): boolean {
  return (
    filters.search.trim().length > 0 ||
    filters.stage !== null ||
    filters.status !== null ||
    filters.tag !== null ||
    filters.source !== null
  );
}

export function clearFilters(filters: ContactFilters): ContactFilters {
  return { ...DEFAULT_FILTERS, sort: filters.sort, direction: filters.direction };
}

/** Identity of a result set: two filter values with the same key list the same rows. */
export function queryKey(filters: ContactFilters): string {
  return JSON.stringify([
    filters.search.trim(),
    filters.stage,
    filters.status,
    filters.tag,
    filters.source,
    filters.sort,
    filters.direction,
  ]);
}

export function buildListQuery(
  filters: ContactFilters,
  pageIndex: number,
  pageSize: number = PAGE_SIZE,
): ContactListQuery {
  const search = filters.search.trim();
  return {
    search: search.length > 0 ? search : null,
    stage: filters.stage,
    status: filters.status,
    tag: filters.tag,
    source: filters.source,
    sort: filters.sort,
    direction: filters.direction,
    offset: pageIndex * pageSize,
    limit: pageSize,
  };
}

export function pageIndexForRow(rowIndex: number, pageSize: number = PAGE_SIZE): number {
  return Math.floor(Math.max(0, rowIndex) / pageSize);
}

/**
 * Page indexes covering rows `firstRow..=lastRow`. With a known total, pages past
 * the end are left out; an empty range (lastRow < firstRow) needs no pages.
 */
export function pagesForRange(
  firstRow: number,
  lastRow: number,
  pageSize: number = PAGE_SIZE,
  total: number | null = null,
): number[] {
  if (lastRow < firstRow) return [];
  let last = lastRow;
  if (total !== null) {
    if (total <= 0) return [];
    last = Math.min(last, total - 1);
  }
  const firstPage = pageIndexForRow(firstRow, pageSize);
  const lastPage = pageIndexForRow(last, pageSize);
  const pages: number[] = [];
  for (let page = firstPage; page <= lastPage; page += 1) pages.push(page);
  return pages;
}

/**
 * Loaded pages of one result set. `generation` changes whenever the cache is reset or
 * invalidated, so a response that was requested before that is recognised as stale
 * and dropped.
 */
export class ContactPageCache {
  readonly pageSize: number;
  private currentKey: string | null = null;
  private currentGeneration = 0;
  private knownTotal: number | null = null;
  private pages = new Map<number, ContactSummary[]>();
  /** Pages kept from before an invalidation or a query change, shown until fresh data arrives. */
  private stalePages = new Map<number, ContactSummary[]>();
  /** True while stalePages hold rows of the previous query (not just older copies of this one). */
  private staleIsPreviousQuery = false;
  private previousTotal: number | null = null;
  private pending = new Set<number>();
  private failed = new Set<number>();

  constructor(pageSize: number = PAGE_SIZE) {
    this.pageSize = pageSize;
  }

  get key(): string | null {
    return this.currentKey;
  }

  get generation(): number {
    return this.currentGeneration;
  }

  /** Row count of the result set, or null until the first page has arrived. */
  get total(): number | null {
    return this.knownTotal;
  }

  /**
   * The row count to lay out now: the real total, or while a new query's first page
   * is on its way, the previous query's total (its rows stay visible meanwhile, so
   * typing in the search box does not flash an empty table).
   */
  get displayTotal(): number | null {
    if (this.knownTotal !== null) return this.knownTotal;
    return this.staleIsPreviousQuery ? this.previousTotal : null;
  }

  /**
   * Switch to the result set for `key`. A different key drops the loaded pages (kept
   * only as placeholders until the new data arrives); the same key keeps the cache.
   * Returns true when the cache was reset.
   */
  useKey(key: string): boolean {
    if (key === this.currentKey) return false;
    this.currentKey = key;
    this.currentGeneration += 1;
    const previousRows = new Map([...this.stalePages, ...this.pages]);
    const previousTotal = this.displayTotal;
    this.knownTotal = null;
    this.pages.clear();
    this.stalePages = previousTotal !== null && previousTotal > 0 ? previousRows : new Map();
    this.staleIsPreviousQuery = this.stalePages.size > 0;
    this.previousTotal = this.staleIsPreviousQuery ? previousTotal : null;
    this.pending.clear();
    this.failed.clear();
    return true;
  }

  /**
   * The data changed underneath (contacts created, edited, deleted). Loaded rows stay
   * visible as stale copies while every page is fetched again.
   */
  invalidate(): void {
    this.currentGeneration += 1;
    for (const [index, rows] of this.pages) this.stalePages.set(index, rows);
    this.pages.clear();
    this.pending.clear();
    this.failed.clear();
  }

  hasPage(pageIndex: number): boolean {
    return this.pages.has(pageIndex);
  }

  isPending(pageIndex: number): boolean {
    return this.pending.has(pageIndex);
  }

  /** Pages among `pageIndexes` that are neither loaded, in flight, nor failed. */
  missingPages(pageIndexes: number[]): number[] {
    return pageIndexes.filter(
      (index) => !this.pages.has(index) && !this.pending.has(index) && !this.failed.has(index),
    );
  }

  /** Pages needed to show rows `firstRow..=lastRow` that still have to be requested. */
  missingPagesForRows(firstRow: number, lastRow: number): number[] {
    return this.missingPages(pagesForRange(firstRow, lastRow, this.pageSize, this.knownTotal));
  }

  markPending(pageIndex: number): void {
    this.pending.add(pageIndex);
    this.failed.delete(pageIndex);
  }

  /** Stores a page fetched under `generation`. Returns false (and ignores it) when stale. */
  storePage(generation: number, pageIndex: number, page: ContactPage): boolean {
    if (generation !== this.currentGeneration) return false;
    if (this.staleIsPreviousQuery) {
      // Rows of another query must not mix with this one's.
      this.stalePages.clear();
      this.staleIsPreviousQuery = false;
      this.previousTotal = null;
    }
    this.pending.delete(pageIndex);
    this.pages.set(pageIndex, page.items);
    this.stalePages.delete(pageIndex);
    const previousTotal = this.knownTotal;
    this.knownTotal = page.total;
    if (previousTotal !== null && page.total < previousTotal) {
      // The list shrank: drop stale rows that now lie past the end.
      const lastPage = page.total === 0 ? -1 : pageIndexForRow(page.total - 1, this.pageSize);
      for (const index of [...this.stalePages.keys()]) {
        if (index > lastPage) this.stalePages.delete(index);
      }
    }
    return true;
  }

  /** Records a failed request so it is not retried in a loop; `retry` clears it. */
  failPage(generation: number, pageIndex: number): void {
    if (generation !== this.currentGeneration) return;
    this.pending.delete(pageIndex);
    this.failed.add(pageIndex);
  }

  retryFailed(): void {
    this.failed.clear();
  }

  /** The row at `rowIndex`, from a fresh page or else a stale one; undefined if not loaded. */
  getRow(rowIndex: number): ContactSummary | undefined {
    const total = this.displayTotal;
    if (total !== null && rowIndex >= total) return undefined;
    const pageIndex = pageIndexForRow(rowIndex, this.pageSize);
    const offset = rowIndex - pageIndex * this.pageSize;
    const page = this.pages.get(pageIndex) ?? this.stalePages.get(pageIndex);
    return page?.[offset];
  }

  /** Every row currently loaded, with its row index, in order. */
  loadedRows(): Array<{ index: number; contact: ContactSummary }> {
    const rows: Array<{ index: number; contact: ContactSummary }> = [];
    if (this.staleIsPreviousQuery) return rows;
    const pageIndexes = new Set([...this.pages.keys(), ...this.stalePages.keys()]);
    for (const pageIndex of [...pageIndexes].sort((a, b) => a - b)) {
      const page = this.pages.get(pageIndex) ?? this.stalePages.get(pageIndex) ?? [];
      page.forEach((contact, offset) => {
        const index = pageIndex * this.pageSize + offset;
        if (this.knownTotal === null || index < this.knownTotal) rows.push({ index, contact });
      });
    }
    return rows;
  }

  get loadedPageCount(): number {
    return this.pages.size;
  }
}
