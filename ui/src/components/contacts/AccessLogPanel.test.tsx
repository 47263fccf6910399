import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { AccessAction, AccessEntry } from "../../api";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ACCESS_LOG_PAGE, AccessLogPanel } from "./AccessLogPanel";

function entryFixture(id: string, action: AccessAction, occurredAt: string, overrides: Partial<AccessEntry> = {}): AccessEntry {
  return { id, occurred_at: occurredAt, contact_id: "c1", contact_name: "Ada Lovelace", action, detail: "", device: "Studio laptop", ...overrides };
}

const entries: AccessEntry[] = [
  entryFixture("a3", "viewed", "2026-03-03T10:00:00Z", { detail: "opened in the app" }),
  entryFixture("a2", "sent_to_ai", "2026-03-02T10:00:00Z", { detail: "to OpenAI (gpt-4o-mini), redacted: notes", device: "Front desk" }),
  entryFixture("a1", "shared_with_team", "2026-03-01T10:00:00Z", { detail: "their record, to https://team.example.com" }),
  entryFixture("a0", "exported", "2026-02-01T10:00:00Z", { detail: "their data as JSON" }),
];

describe("AccessLogPanel", () => {
  it("stays closed until asked, then lists who saw the data newest first in plain words", async () => {
    mockCommands({ access_log_list: () => entries });
    const user = userEvent.setup();
    render(<AccessLogPanel contactId="c1" />);

    const toggle = screen.getByTestId("access-log-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(callsTo("access_log_list")).toHaveLength(0);

    toggle.focus();
    await user.keyboard("{Enter}");
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    const rows = await screen.findAllByTestId("access-log-entry");
    expect(callsTo("access_log_list")).toEqual([{ contactId: "c1", limit: ACCESS_LOG_PAGE }]);
    expect(document.getElementById(toggle.getAttribute("aria-controls") ?? "")).toBeTruthy();

    expect(rows.map((row) => within(row).getByTestId("access-log-action").textContent)).toEqual([
      "Viewed",
      "Sent to an AI provider",
      "Shared with the team",
      "Exported",
    ]);
    expect(within(rows[1]).getByTestId("access-log-detail").textContent).toContain("to OpenAI (gpt-4o-mini), redacted: notes");
    expect(within(rows[1]).getByTestId("access-log-device").textContent).toBe("on Front desk");
    // When: relative in the text, the exact time on hover and for screen readers.
    const when = rows[0].querySelector("time");
    expect(when?.getAttribute("dateTime")).toBe("2026-03-03T10:00:00Z");
    expect(when?.getAttribute("title")).toMatch(/2026/);
    expect(screen.getByTestId("access-log-panel").textContent).not.toMatch(/sent_to_ai|shared_with_team/);
    // A short page has nothing older to show.
    expect(screen.queryByTestId("access-log-more")).toBeNull();

    await user.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByTestId("access-log-list")).toBeNull();
  });

  it("says so in plain words when nobody has seen the data", async () => {
    mockCommands({ access_log_list: () => [] });
    const user = userEvent.setup();
    render(<AccessLogPanel contactId="c1" />);
    await user.click(screen.getByTestId("access-log-toggle"));
    expect((await screen.findByTestId("access-log-empty")).textContent).toBe("Nobody has viewed, exported or shared this client's data yet.");
  });

  it("shows a failure to load in the panel", async () => {
    mockCommands({
      access_log_list: () => {
        throw appError("internal", "the database is busy");
      },
    });
    const user = userEvent.setup();
    render(<AccessLogPanel contactId="c1" />);
    await user.click(screen.getByTestId("access-log-toggle"));
    expect((await screen.findByTestId("access-log-error")).textContent).toContain("Could not load the record");
  });

  it("loads older entries when a full page came back", async () => {
    const many = Array.from({ length: ACCESS_LOG_PAGE + 3 }, (_, index) =>
      entryFixture(`e${index}`, "viewed", new Date(Date.UTC(2026, 0, 1) - index * 3_600_000).toISOString()),
    );
    mockCommands({ access_log_list: (args) => many.slice(0, args.limit as number) });
    const user = userEvent.setup();
    render(<AccessLogPanel contactId="c1" />);
    await user.click(screen.getByTestId("access-log-toggle"));
    await waitFor(() => expect(screen.getAllByTestId("access-log-entry")).toHaveLength(ACCESS_LOG_PAGE));
    await user.click(screen.getByTestId("access-log-more"));
    await waitFor(() => expect(screen.getAllByTestId("access-log-entry")).toHaveLength(ACCESS_LOG_PAGE + 3));
    expect(callsTo("access_log_list").map((args) => args.limit)).toEqual([ACCESS_LOG_PAGE, ACCESS_LOG_PAGE * 2]);
    expect(screen.queryByTestId("access-log-more")).toBeNull();
  });
});
