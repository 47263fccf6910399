import { describe, expect, it } from "vitest";
import type { ContactPage, ContactSummary } from "../api";
import {
  buildListQuery,
  clearFilters,
  ContactPageCache,
  DEFAULT_FILTERS,
  hasActiveFilters,
  nextSort,
  pageIndexForRow,
  pagesForRange,
  queryKey,
} from "./contactPageCache";

function contact(index: number): ContactSummary {
  return {
    id: `c${index}`,
    display_name: `Contact ${index}`,
    organization: null,
    primary_email: null,
    primary_phone: null,
    lifecycle_stage: null,
    client_status: "active",
    source: "manual",
    tags: [],
    updated_at: "2026-01-01T00:00:00Z",
  };
}

function page(pageIndex: number, pageSize: number, total: number): ContactPage {
  const start = pageIndex * pageSize;
  const end = Math.min(total, start + pageSize);
  return { items: Array.from({ length: Math.max(0, end - start) }, (_, offset) => contact(start + offset)), total, offset: start };
}

describe("query building", () => {
  it("maps filters to a ContactListQuery with offset from the page index", () => {
    const filters = { ...DEFAULT_FILTERS, search: "  ada ", stage: "vip_client" as const, tag: "yoga" };
    expect(buildListQuery(filters, 3, 100)).toEqual({
      search: "ada",
      stage: "vip_client",
      status: null,
      tag: "yoga",
      source: null,
      sort: "name",
      direction: "asc",
      offset: 300,
      limit: 100,
    });
  });

  it("sends null for a blank search", () => {
    expect(buildListQuery({ ...DEFAULT_FILTERS, search: "   " }, 0).search).toBeNull();
  });

  it("gives equal keys to filters that list the same rows", () => {
    expect(queryKey({ ...DEFAULT_FILTERS, search: "ada " })).toBe(queryKey({ ...DEFAULT_FILTERS, search: "ada" }));
    expect(queryKey({ ...DEFAULT_FILTERS, sort: "updated" })).not.toBe(queryKey(DEFAULT_FILTERS));
    expect(queryKey({ ...DEFAULT_FILTERS, status: "churned" })).not.toBe(queryKey(DEFAULT_FILTERS));
  });

  it("toggles sort direction on the same column and uses the column default otherwise", () => {
    const byName = nextSort(DEFAULT_FILTERS, "name");
    expect(byName).toMatchObject({ sort: "name", direction: "desc" });
    expect(nextSort(byName, "updated")).toMatchObject({ sort: "updated", direction: "desc" });
    expect(nextSort(DEFAULT_FILTERS, "stage")).toMatchObject({ sort: "stage", direction: "asc" });
  });

  it("knows when filters narrow the list and how to clear them but keep the sort", () => {
    expect(hasActiveFilters(DEFAULT_FILTERS)).toBe(false);
    expect(hasActiveFilters({ ...DEFAULT_FILTERS, sort: "stage" })).toBe(false);
    expect(hasActiveFilters({ ...DEFAULT_FILTERS, source: "upload" })).toBe(true);
    const cleared = clearFilters({ ...DEFAULT_FILTERS, search: "x", tag: "t", sort: "updated", direction: "asc" });
    expect(cleared).toEqual({ ...DEFAULT_FILTERS, sort: "updated", direction: "asc" });
  });
});

describe("page arithmetic", () => {
  it("finds the page of a row", () => {
    expect(pageIndexForRow(0, 100)).toBe(0);
    expect(pageIndexForRow(99, 100)).toBe(0);
    expect(pageIndexForRow(100, 100)).toBe(1);
    expect(pageIndexForRow(-5, 100)).toBe(0);
  });

  it("lists the pages a row range needs, clamped to the total", () => {
    expect(pagesForRange(0, 30, 100)).toEqual([0]);
    expect(pagesForRange(95, 205, 100)).toEqual([0, 1, 2]);
    expect(pagesForRange(95, 205, 100, 150)).toEqual([0, 1]);
    expect(pagesForRange(0, 10, 100, 0)).toEqual([]);
    expect(pagesForRange(10, 5, 100)).toEqual([]);
  });
});

describe("ContactPageCache", () => {
  it("stores pages, learns the total and serves rows by index", () => {
    const cache = new ContactPageCache(10);
    cache.useKey("a");
    expect(cache.total).toBeNull();
    expect(cache.missingPagesForRows(0, 15)).toEqual([0, 1]);
    cache.markPending(0);
    cache.markPending(1);
    expect(cache.missingPagesForRows(0, 15)).toEqual([]);
    expect(cache.storePage(cache.generation, 1, page(1, 10, 25))).toBe(true);
    expect(cache.total).toBe(25);
    expect(cache.getRow(12)?.id).toBe("c12");
    expect(cache.getRow(3)).toBeUndefined();
    expect(cache.getRow(30)).toBeUndefined();
    expect(cache.missingPagesForRows(0, 100)).toEqual([2]);
  });

  it("drops responses that were requested before a reset (stale generation)", () => {
    const cache = new ContactPageCache(10);
    cache.useKey("first");
    const oldGeneration = cache.generation;
    cache.markPending(0);
    expect(cache.useKey("second")).toBe(true);
    expect(cache.storePage(oldGeneration, 0, page(0, 10, 99))).toBe(false);
    expect(cache.total).toBeNull();
    expect(cache.getRow(0)).toBeUndefined();
    // After the reset page 0 is no longer pending, so it will be requested again.
    expect(cache.missingPagesForRows(0, 5)).toEqual([0]);
  });

  it("shows the previous query's rows until the new query's first page arrives", () => {
    const cache = new ContactPageCache(10);
    cache.useKey("all");
    cache.storePage(cache.generation, 0, page(0, 10, 40));
    cache.storePage(cache.generation, 3, page(3, 10, 40));
    cache.useKey("search");
    expect(cache.total).toBeNull();
    expect(cache.displayTotal).toBe(40);
    expect(cache.getRow(2)?.id).toBe("c2");
    // Placeholders are not real results: nothing to "select all" yet, page 0 is needed.
    expect(cache.loadedRows()).toEqual([]);
    expect(cache.missingPagesForRows(0, 5)).toEqual([0]);
    const result: ContactPage = { items: [contact(7)], total: 1, offset: 0 };
    cache.storePage(cache.generation, 0, result);
    expect(cache.displayTotal).toBe(1);
    expect(cache.getRow(0)?.id).toBe("c7");
    expect(cache.getRow(35)).toBeUndefined();
  });

  it("has nothing to display for a new query when the previous one was empty", () => {
    const cache = new ContactPageCache(10);
    cache.useKey("a");
    cache.storePage(cache.generation, 0, page(0, 10, 0));
    cache.useKey("b");
    expect(cache.displayTotal).toBeNull();
  });

  it("keeps everything when the same key is used again", () => {
    const cache = new ContactPageCache(10);
    cache.useKey("k");
    cache.storePage(cache.generation, 0, page(0, 10, 10));
    expect(cache.useKey("k")).toBe(false);
    expect(cache.getRow(9)?.id).toBe("c9");
  });

  it("invalidate keeps old rows visible until fresh pages replace them", () => {
    const cache = new ContactPageCache(10);
    cache.useKey("k");
    cache.storePage(cache.generation, 0, page(0, 10, 30));
    cache.storePage(cache.generation, 2, page(2, 10, 30));
    const before = cache.generation;
    cache.invalidate();
    expect(cache.generation).toBe(before + 1);
    expect(cache.getRow(5)?.id).toBe("c5");
    expect(cache.hasPage(0)).toBe(false);
    expect(cache.missingPagesForRows(0, 5)).toEqual([0]);
    expect(cache.storePage(before, 0, page(0, 10, 30))).toBe(false);
    const fresh: ContactPage = { items: [contact(100)], total: 11, offset: 0 };
    expect(cache.storePage(cache.generation, 0, fresh)).toBe(true);
    expect(cache.getRow(0)?.id).toBe("c100");
    // The list shrank to 11 rows: the stale third page is gone.
    expect(cache.getRow(20)).toBeUndefined();
    expect(cache.loadedRows().map((row) => row.index)).toEqual([0]);
  });

  it("does not retry a failed page until asked", () => {
    const cache = new ContactPageCache(10);
    cache.useKey("k");
    cache.markPending(0);
    cache.failPage(cache.generation, 0);
    expect(cache.missingPagesForRows(0, 5)).toEqual([]);
    cache.retryFailed();
    expect(cache.missingPagesForRows(0, 5)).toEqual([0]);
  });

  it("lists loaded rows in order with their indexes", () => {
    const cache = new ContactPageCache(2);
    cache.useKey("k");
    cache.storePage(cache.generation, 2, page(2, 2, 6));
    cache.storePage(cache.generation, 0, page(0, 2, 6));
    expect(cache.loadedRows().map((row) => [row.index, row.contact.id])).toEqual([
      [0, "c0"],
      [1, "c1"],
      [4, "c4"],
      [5, "c5"],
    ]);
  });
});
