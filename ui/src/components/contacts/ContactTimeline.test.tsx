import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Note, TimelineItem } from "../../api";
import { callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { ContactTimeline, TIMELINE_PAGE_SIZE } from "./ContactTimeline";

function item(id: string, kind: TimelineItem["kind"], detail: string, title: string | null = null): TimelineItem {
  return { kind, id, at: "2026-03-01T10:00:00Z", detail, title, summary: `${id} summary`, is_private: false };
}

describe("ContactTimeline", () => {
  it("loads older items with the cursor of the previous page", async () => {
    mockCommands({
      timeline_page: (args) =>
        args.cursor === null
          ? { items: [item("i1", "interaction", "call", "Intake call"), item("n1", "note", "typed")], next: { at: "2026-03-01T10:00:00Z", id: "n1" } }
          : { items: [item("t1", "task", "todo", "Send forms")], next: null },
    });
    const user = userEvent.setup();
    const pii: Note = {
      id: "n1",
      contact_id: "c1",
      body: "Card 4111 1111 1111 1111",
      body_html: "<p>Card <strong>4111 1111 1111 1111</strong></p>",
      source_type: "typed",
      pii_kinds: ["card_number"],
      is_private: false,
      created_at: "",
      updated_at: "",
      deleted_at: null,
    };
    render(
      <ToastProvider>
        <ContactTimeline contactId="c1" reloadToken={0} notesById={new Map([["n1", pii]])} />
      </ToastProvider>,
    );
    await waitFor(() => expect(screen.getAllByTestId("timeline-item")).toHaveLength(2));
    expect(screen.getByTestId("pii-badge").textContent).toContain("card number");
    expect(screen.getByText("4111 1111 1111 1111").tagName).toBe("STRONG");

    await user.click(screen.getByTestId("timeline-load-more"));
    await waitFor(() => expect(screen.getAllByTestId("timeline-item")).toHaveLength(3));
    expect(callsTo("timeline_page")).toEqual([
      { contactId: "c1", cursor: null, limit: TIMELINE_PAGE_SIZE },
      { contactId: "c1", cursor: { at: "2026-03-01T10:00:00Z", id: "n1" }, limit: TIMELINE_PAGE_SIZE },
    ]);
    expect(screen.queryByTestId("timeline-load-more")).toBeNull();
    expect(screen.getAllByTestId("timeline-item").map((element) => element.dataset.kind)).toEqual(["interaction", "note", "task"]);
  });

  it("labels tasks and interactions in plain words, not their stored codes", async () => {
    mockCommands({
      timeline_page: () => ({
        items: [
          item("t1", "task", "todo", "Send forms"),
          item("t2", "task", "in_progress", "Plan sessions"),
          item("i1", "interaction", "calendar_event", "Session"),
        ],
        next: null,
      }),
    });
    render(
      <ToastProvider>
        <ContactTimeline contactId="c1" reloadToken={0} notesById={new Map()} />
      </ToastProvider>,
    );
    await waitFor(() => expect(screen.getAllByTestId("timeline-item")).toHaveLength(3));
    const kinds = Array.from(document.querySelectorAll(".timeline-item__kind")).map((element) => element.textContent);
    expect(kinds).toEqual(["Task to do", "Task in progress", "Calendar event"]);
    expect(screen.getByTestId("timeline").textContent).not.toMatch(/todo|in progress ·|Task ·/);
  });
});
