import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { SearchHit, SearchResponse } from "../api";
import { callsTo, mockCommands } from "../test/tauriMock";
import { CommandPalette } from "./CommandPalette";

function hit(overrides: Partial<SearchHit>): SearchHit {
  return {
    kind: "note",
    item_id: "n1",
    contact_id: "c1",
    title: "Note on Maya Lindqvist",
    snippet: [
      { text: "Session notes: prefers ", highlighted: false },
      { text: "lavender", highlighted: true },
      { text: " oil", highlighted: false },
    ],
    matched_by: "keyword",
    happened_at: "2026-11-20T09:00:00.000Z",
    score: 1,
    ...overrides,
  };
}

const response = (notice: SearchResponse["notice"] = null): SearchResponse => ({
  mode_requested: "hybrid",
  mode_used: notice ? "keyword" : "hybrid",
  notice,
  groups: [
    { kind: "contact", hits: [hit({ kind: "contact", item_id: "c2", contact_id: "c2", title: "Lavender Studio", snippet: [] })] },
    { kind: "note", hits: [hit({})] },
  ],
});

describe("CommandPalette", () => {
  it("searches as you type, groups the results, shows why each matched, and opens the chosen one with the keyboard", async () => {
    mockCommands({ search_query: () => response() });
    const onOpen = vi.fn();
    const onClose = vi.fn();
    const user = userEvent.setup();
    render(<CommandPalette open onClose={onClose} onOpen={onOpen} />);

    await user.type(screen.getByTestId("palette-input"), "lavender");
    const hits = await screen.findAllByTestId("palette-hit");
    expect(hits.map((element) => element.dataset.kind)).toEqual(["contact", "note"]);
    expect(screen.getByRole("region", { name: "Notes" })).toBeTruthy();
    expect(hits[1].querySelector("mark")?.textContent).toBe("lavender");
    await waitFor(() => expect(callsTo("search_query").at(-1)).toMatchObject({ request: { text: "lavender", mode: "hybrid", limit: 5 } }));

    await user.keyboard("{ArrowDown}{Enter}");
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ kind: "note", contact_id: "c1" }));
    expect(onClose).toHaveBeenCalled();
  });

  it("says when semantic search is off, and when nothing matches", async () => {
    let empty = false;
    mockCommands({
      search_query: () =>
        empty
          ? { mode_requested: "hybrid", mode_used: "keyword", notice: null, groups: [] }
          : response({
              reason: "model_missing",
              message: "semantic search is off until the embedding model is installed (`omnicrm models fetch`, into /home/me/.local/share/omnicrm/models); showing keyword results",
            }),
    });
    const user = userEvent.setup();
    render(<CommandPalette open onClose={() => {}} onOpen={() => {}} />);
    await user.type(screen.getByTestId("palette-input"), "oil");
    const notice = await screen.findByTestId("palette-notice");
    expect(notice.querySelector("a")).toBeNull();
    // Plain words: where to set it up in the app, no command line or folder.
    expect(notice.textContent).toContain("once the search model is set up in Settings");
    expect(notice.textContent).not.toMatch(/omnicrm|models fetch|`|\//);
    empty = true;
    await user.type(screen.getByTestId("palette-input"), "xyz");
    expect((await screen.findByTestId("palette-empty")).textContent).toContain("oilxyz");
  });

  it("offers to open the search settings when searching by meaning is not set up", async () => {
    mockCommands({ search_query: () => response({ reason: "model_missing", message: "off" }) });
    const onClose = vi.fn();
    const onOpenSearchSettings = vi.fn();
    const user = userEvent.setup();
    render(<CommandPalette open onClose={onClose} onOpen={() => {}} onOpenSearchSettings={onOpenSearchSettings} />);
    await user.type(screen.getByTestId("palette-input"), "oil");
    await user.click(await screen.findByRole("link", { name: "Open Semantic search settings" }));
    expect(onClose).toHaveBeenCalled();
    expect(onOpenSearchSettings).toHaveBeenCalledTimes(1);
  });
});
