import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ContactListQuery } from "../api";
import { ToastProvider } from "../components/Toasts";
import { eventBus } from "../test/eventBus";
import { contactFixture, emptyContactExtras, listFrom, summaryFixture } from "../test/fixtures";
import { cascadedValue, loadAppStyles } from "../test/appStyles";
import { callsTo, mockCommands } from "../test/tauriMock";
import { ContactsPage } from "./ContactsPage";

// jsdom has no layout: give every element a size so the virtualizer renders rows.
const sizeProperties = ["clientWidth", "clientHeight"] as const;
beforeEach(() => {
  Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 1200 });
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
});
afterEach(() => {
  for (const property of sizeProperties) delete (HTMLElement.prototype as unknown as Record<string, unknown>)[property];
});

function renderPage() {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <ContactsPage command={null} />
    </ToastProvider>,
  );
  return { user };
}

describe("ContactsPage", () => {
  it("shows the empty state and loads demo data with a progress bar driven by events", async () => {
    let finishDemo: (value: unknown) => void = () => {};
    mockCommands({
      contacts_list: () => ({ items: [], total: 0, offset: 0 }),
      tags_list: () => [],
      demo_generate: () => new Promise((resolve) => (finishDemo = resolve)),
    });
    const { user } = renderPage();

    const empty = await screen.findByTestId("contacts-empty");
    await user.click(within(empty).getByTestId("demo-data-button"));
    expect(callsTo("demo_generate")).toEqual([{ contacts: 200 }]);

    await waitFor(() => expect(eventBus.count("demo-progress")).toBeGreaterThan(0));
    act(() => eventBus.emit("demo-progress", { done: 50, total: 200 }));
    const bar = await screen.findByRole("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("50");
    expect(bar.getAttribute("aria-valuemax")).toBe("200");

    await act(async () => finishDemo({ contacts: 200, notes: 10, tags: 5 }));
    await waitFor(() => expect(screen.queryByRole("progressbar")).toBeNull());
  });

  it("lists rows lazily in pages of 100 and fetches more as needed", async () => {
    const rows = Array.from({ length: 1000 }, (_, index) => summaryFixture(index));
    mockCommands({ contacts_list: listFrom(rows), tags_list: () => [] });
    renderPage();

    const table = await screen.findByTestId("contacts-table");
    const rendered = await within(table).findAllByTestId("contacts-row");
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(100);
    expect(rendered[0].getAttribute("data-contact-id")).toBe("c0");
    expect(rendered[0].textContent).toContain("Person 0000");
    expect(screen.getByText("1,000 contacts")).toBeTruthy();

    const first = callsTo("contacts_list")[0].query as ContactListQuery;
    expect(first).toMatchObject({ offset: 0, limit: 100, search: null, sort: "name", direction: "asc" });
    // Only the first page was needed for the visible rows.
    const offsets = () => new Set(callsTo("contacts_list").map((call) => (call.query as ContactListQuery).offset));
    expect(offsets()).toEqual(new Set([0]));

    // Scrolling to row ~350 loads page 3 (offset 300) and shows those rows.
    act(() => {
      table.scrollTop = 350 * 52;
      table.dispatchEvent(new Event("scroll"));
    });
    await waitFor(() => expect(offsets().has(300)).toBe(true));
    const row = await within(table).findByText("Person 0350");
    expect(row.closest("[data-testid='contacts-row']")?.getAttribute("data-contact-id")).toBe("c350");
    expect(offsets().has(100)).toBe(false);
  });

  it("searches as you type (debounced) and shows a no-results state", async () => {
    const rows = [summaryFixture(1, { display_name: "Ada Lovelace" }), summaryFixture(2, { display_name: "Grace Hopper" })];
    mockCommands({ contacts_list: listFrom(rows), tags_list: () => [] });
    const { user } = renderPage();
    await screen.findAllByTestId("contacts-row");

    await user.type(screen.getByTestId("contacts-search"), "grace");
    await waitFor(() => expect(screen.getAllByTestId("contacts-row")).toHaveLength(1));
    expect(screen.getByTestId("contacts-row").textContent).toContain("Grace Hopper");
    const searches = callsTo("contacts_list").map((call) => (call.query as ContactListQuery).search);
    // Debounced: not one request per keystroke.
    expect(searches.filter((search) => search !== null && search !== "grace")).toHaveLength(0);
    expect(searches).toContain("grace");

    await user.clear(screen.getByTestId("contacts-search"));
    await user.type(screen.getByTestId("contacts-search"), "nobody");
    await screen.findByTestId("contacts-no-results");
    expect(screen.queryByTestId("contacts-empty")).toBeNull();
  });

  it("moves the highlighted row with arrow keys and opens it with Enter", async () => {
    const rows = Array.from({ length: 3 }, (_, index) => summaryFixture(index));
    mockCommands({
      contacts_list: listFrom(rows),
      tags_list: () => [],
      contacts_get: (args) => contactFixture(rows.find((row) => row.id === args.id)!),
      ...emptyContactExtras,
    });
    const { user } = renderPage();
    await screen.findAllByTestId("contacts-row");
    const table = screen.getByTestId("contacts-table");
    table.focus();
    await user.keyboard("{ArrowDown}{ArrowDown}");
    await waitFor(() => expect(screen.getAllByTestId("contacts-row")[2].className).toContain("is-active"));
    await user.keyboard("{Enter}");
    const detail = await screen.findByTestId("contact-detail");
    await waitFor(() => expect(within(detail).getByTestId("contact-detail-name").textContent).toBe("Person 0002"));
    expect(await within(detail).findByTestId("timeline-empty")).toBeTruthy();
  });

  it("deletes from the detail view and restores with Undo", async () => {
    let rows = [summaryFixture(1, { display_name: "Ada Lovelace" }), summaryFixture(2, { display_name: "Grace Hopper" })];
    const removed = new Map<string, (typeof rows)[number]>();
    mockCommands({
      contacts_list: (args) => listFrom(rows)(args),
      tags_list: () => [],
      contacts_get: (args) => contactFixture(rows.find((row) => row.id === args.id)!),
      ...emptyContactExtras,
      contacts_delete: (args) => {
        const row = rows.find((item) => item.id === args.id)!;
        rows = rows.filter((item) => item.id !== args.id);
        removed.set(`change-${row.id}`, row);
        return { change_id: `change-${row.id}` };
      },
      changes_undo: (args) => {
        const row = removed.get(args.changeId as string)!;
        rows = [...rows, row];
        return { change_id: args.changeId, entity: "contact", entity_id: row.id };
      },
    });
    const { user } = renderPage();
    const [firstRow] = await screen.findAllByTestId("contacts-row");
    await user.click(firstRow);
    const detail = await screen.findByTestId("contact-detail");
    await waitFor(() => expect(within(detail).getByTestId("contact-detail-name").textContent).toBe("Ada Lovelace"));

    await user.click(within(detail).getByTestId("contact-delete-button"));
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Deleted Ada Lovelace");
    await waitFor(() => expect(screen.queryByTestId("contact-detail")).toBeNull());
    await waitFor(() => expect(screen.getAllByTestId("contacts-row")).toHaveLength(1));

    await user.click(within(toast).getByTestId("toast-undo-button"));
    expect(callsTo("changes_undo")).toEqual([{ changeId: "change-c1" }]);
    await waitFor(() => expect(screen.getAllByTestId("contacts-row")).toHaveLength(2));
    await waitFor(() => expect(screen.queryByTestId("toast")).toBeNull());
  });

  it("multi-selects with shift-click and deletes the selection as one batch with one undo", async () => {
    let rows = Array.from({ length: 6 }, (_, index) => summaryFixture(index));
    mockCommands({
      contacts_list: (args) => listFrom(rows)(args),
      tags_list: () => [],
      contacts_delete_many: (args) => {
        const ids = args.ids as string[];
        rows = rows.filter((row) => !ids.includes(row.id));
        return { batch_id: "batch-1", changed: ids.length };
      },
      changes_undo_batch: (args) => ({ batch_id: args.batchId, undone: 3 }),
    });
    const { user } = renderPage();
    await screen.findAllByTestId("contacts-row");
    const checkbox = (name: string) => screen.getByRole("checkbox", { name: `Select ${name}` });

    await user.click(checkbox("Person 0001"));
    await user.keyboard("{Shift>}");
    await user.click(checkbox("Person 0003"));
    await user.keyboard("{/Shift}");
    expect(screen.getByTestId("selection-bar").textContent).toContain("3 contacts selected");

    await user.click(screen.getByTestId("delete-selected-button"));
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Deleted 3 contacts");
    expect(callsTo("contacts_delete_many")).toEqual([{ ids: ["c1", "c2", "c3"] }]);
    await waitFor(() => expect(screen.queryByTestId("selection-bar")).toBeNull());
    await user.click(within(toast).getByTestId("toast-undo-button"));
    await waitFor(() => expect(callsTo("changes_undo_batch")).toEqual([{ batchId: "batch-1" }]));
  });

  it("shows the selection bar over the table instead of above it, so the rows under the pointer stay put", async () => {
    const unloadStyles = loadAppStyles();
    try {
      const rows = Array.from({ length: 4 }, (_, index) => summaryFixture(index));
      mockCommands({ contacts_list: (args) => listFrom(rows)(args), tags_list: () => [] });
      const { user } = renderPage();
      await screen.findAllByTestId("contacts-row");
      const table = screen.getByTestId("contacts-table");
      const nodesBeforeTable = () => {
        const content = table.closest(".page__content");
        if (!content?.parentElement) throw new Error("table outside the page content");
        return Array.from(content.parentElement.children).indexOf(content);
      };
      const before = nodesBeforeTable();

      await user.click(screen.getByRole("checkbox", { name: "Select Person 0001" }));
      const bar = screen.getByTestId("selection-bar");
      // Nothing new in the page's flow above the table...
      expect(nodesBeforeTable()).toBe(before);
      // ...the bar is laid over the table area, out of the flow.
      expect(bar.parentElement).toBe(table.closest(".page__content"));
      expect(cascadedValue(bar, "position")).toBe("absolute");
      // The table keeps room to scroll its last rows out from under the bar.
      expect(cascadedValue(table, "padding-bottom")).not.toBe("");
    } finally {
      unloadStyles();
    }
  });

  it("shows phone numbers formatted for the user's region, and emails whole on hover", async () => {
    const rows = [
      summaryFixture(0, { primary_phone: "+12068727755" }),
      summaryFixture(1, { primary_phone: "+442079460958", primary_email: "a.very.long.address@example-clinic.com" }),
      summaryFixture(2, { primary_phone: "call the front desk" }),
    ];
    mockCommands({ contacts_list: (args) => listFrom(rows)(args), tags_list: () => [] });
    renderPage();
    const rendered = await screen.findAllByTestId("contacts-row");
    const phoneOf = (row: HTMLElement) => row.querySelector(".contacts-grid__cell--phone")?.textContent;
    // jsdom's locale is en-US.
    expect(phoneOf(rendered[0])).toBe("(206) 872-7755");
    expect(phoneOf(rendered[1])).toBe("+44 20 7946 0958");
    expect(phoneOf(rendered[2])).toBe("call the front desk");
    expect(rendered[1].querySelector(".contacts-grid__cell--email [title]")?.getAttribute("title")).toBe(
      "a.very.long.address@example-clinic.com",
    );
  });

  it("at the smallest window leaves out the columns that do not fit instead of scrolling sideways", async () => {
    Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 770 });
    const rows = Array.from({ length: 3 }, (_, index) => summaryFixture(index, { tags: ["reiki"] }));
    mockCommands({ contacts_list: (args) => listFrom(rows)(args), tags_list: () => [] });
    renderPage();
    const [row] = await screen.findAllByTestId("contacts-row");
    const table = screen.getByTestId("contacts-table");
    await waitFor(() => expect(table.dataset.columns).toBe("name email phone stage status"));
    expect(within(table).queryByRole("columnheader", { name: "Updated" })).toBeNull();
    expect(within(table).queryByRole("columnheader", { name: "Tags" })).toBeNull();
    expect(row.querySelector(".contacts-grid__cell--tags")).toBeNull();
    expect(table.getAttribute("aria-colcount")).toBe("6");
    // The grid's minimum width is what the shown columns need, so no sideways scrolling.
    expect(Number.parseInt(table.style.getPropertyValue("--contacts-min-width"), 10)).toBeLessThanOrEqual(770);
  });

  it("lets the user hide and show columns, and remembers the choice", async () => {
    const rows = Array.from({ length: 3 }, (_, index) => summaryFixture(index));
    mockCommands({ contacts_list: (args) => listFrom(rows)(args), tags_list: () => [] });
    const { user } = renderPage();
    await screen.findAllByTestId("contacts-row");
    await user.click(screen.getByTestId("column-menu-toggle"));
    expect((screen.getByTestId("column-toggle-name") as HTMLInputElement).disabled).toBe(true);
    await user.click(screen.getByTestId("column-toggle-phone"));
    const table = screen.getByTestId("contacts-table");
    await waitFor(() => expect(table.dataset.columns).toBe("name email stage status tags updated"));
    expect(within(table).queryByRole("columnheader", { name: "Phone" })).toBeNull();
    expect(JSON.parse(window.localStorage.getItem("omnicrm.contactColumns") ?? "null")).toEqual([
      "name",
      "email",
      "stage",
      "status",
      "tags",
      "updated",
    ]);
    cleanup();

    renderPage();
    await screen.findAllByTestId("contacts-row");
    expect(screen.getByTestId("contacts-table").dataset.columns).toBe("name email stage status tags updated");
  });

  it("tags the selected contacts in one batch and undoes it with undo_batch", async () => {
    const rows = Array.from({ length: 4 }, (_, index) => summaryFixture(index));
    mockCommands({
      contacts_list: (args) => listFrom(rows)(args),
      tags_list: () => [],
      tags_tag_contacts: () => ({ batch_id: "batch-tag", changed: 2 }),
      changes_undo_batch: (args) => ({ batch_id: args.batchId, undone: 2 }),
    });
    const { user } = renderPage();
    await screen.findAllByTestId("contacts-row");
    await user.click(screen.getByRole("checkbox", { name: "Select Person 0000" }));
    await user.click(screen.getByRole("checkbox", { name: "Select Person 0002" }));

    await user.type(screen.getByTestId("bulk-tag-input"), "reiki, evenings");
    await user.click(screen.getByTestId("bulk-tag-button"));
    await waitFor(() =>
      expect(callsTo("tags_tag_contacts")).toEqual([{ contactIds: ["c0", "c2"], tagNames: ["reiki", "evenings"] }]),
    );
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("Tagged 2 contacts");
    await user.click(within(toast).getByTestId("toast-undo-button"));
    await waitFor(() => expect(callsTo("changes_undo_batch")).toEqual([{ batchId: "batch-tag" }]));
  });

  it("sets the stage of the selected contacts with bulk edit", async () => {
    const rows = Array.from({ length: 3 }, (_, index) => summaryFixture(index));
    mockCommands({
      contacts_list: (args) => listFrom(rows)(args),
      tags_list: () => [],
      contacts_bulk_edit: () => ({ batch_id: "batch-stage", changed: 1 }),
    });
    const { user } = renderPage();
    await screen.findAllByTestId("contacts-row");
    await user.click(screen.getByRole("checkbox", { name: "Select Person 0001" }));
    await user.selectOptions(screen.getByTestId("bulk-stage-select"), "vip_client");
    await waitFor(() =>
      expect(callsTo("contacts_bulk_edit")).toEqual([{ ids: ["c1"], edit: { lifecycle_stage: "vip_client", client_status: null } }]),
    );
    expect((await screen.findByTestId("toast")).textContent).toContain("VIP Client");
  });

  it("shows an error toast when a command fails", async () => {
    mockCommands({
      contacts_list: () => {
        throw { code: "database", message: "disk I/O error", details: null };
      },
      tags_list: () => [],
    });
    renderPage();
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("disk I/O error");
    expect(toast.getAttribute("role")).toBe("alert");
  });

  it("refreshes when the backend reports changed contacts", async () => {
    let rows = [summaryFixture(1)];
    mockCommands({ contacts_list: (args) => listFrom(rows)(args), tags_list: () => [] });
    renderPage();
    await screen.findAllByTestId("contacts-row");
    await waitFor(() => expect(eventBus.count("contacts-changed")).toBeGreaterThan(0));
    rows = [...rows, summaryFixture(2)];
    act(() => eventBus.emit("contacts-changed", { ids: ["c2"], reason: "created" }));
    await waitFor(() => expect(screen.getAllByTestId("contacts-row")).toHaveLength(2), { timeout: 2000 });
  });
});

vi.setConfig({ testTimeout: 15000 });
