import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { SyncConflict } from "../../api";
import { formatDateTime } from "../../lib/format";
import { eventBus } from "../../test/eventBus";
import { callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { SyncConflictsNotice } from "./SyncConflictsNotice";

const conflict: SyncConflict = {
  id: "k1",
  record_id: "c1",
  kind: "contact",
  record_label: "Ada Lovelace",
  field: "company",
  field_label: "Organization",
  chosen: "Alpha Clinic",
  other: "Beta Studio",
  other_by: null,
  other_at: null,
  detected_at: "2026-12-07T10:00:00.000Z",
};

function renderNotice(onSettled = () => {}) {
  return render(
    <ToastProvider>
      <SyncConflictsNotice recordId="c1" refreshToken={0} onSettled={onSettled} />
    </ToastProvider>,
  );
}

describe("SyncConflictsNotice", () => {
  it("shows nothing when no field was changed on two devices at once", async () => {
    mockCommands({ sync_conflicts: () => [] });
    const { container } = renderNotice();
    await waitFor(() => expect(callsTo("sync_conflicts")).toEqual([{ recordId: "c1" }]));
    expect(container.querySelector("[data-testid='sync-conflicts']")).toBeNull();
  });

  it("says which value every device kept over which, in plain words, and switches to the other", async () => {
    let conflicts = [conflict];
    mockCommands({
      sync_conflicts: () => conflicts,
      sync_resolve_conflict: () => {
        conflicts = [];
        return { record_id: "c1", field_label: "Organization", value: "Beta Studio", batch_id: "sync:b1" };
      },
      changes_undo_batch: () => ({ batch_id: "sync:b1", undone: 1, conflicts: [] }),
    });
    const onSettled = vi.fn();
    const user = userEvent.setup();
    renderNotice(onSettled);
    const notice = await screen.findByTestId("sync-conflicts");
    expect(notice.textContent).toContain("Changed on two devices at the same time");
    expect(notice.textContent).toContain("Organization: every device shows “Alpha Clinic”; the other change was “Beta Studio”.");
    expect(notice.textContent).not.toContain("company");

    await user.click(screen.getByRole("button", { name: "Use “Beta Studio” for Organization" }));
    expect(callsTo("sync_resolve_conflict")).toEqual([{ id: "k1", choice: "use_other" }]);
    await waitFor(() => expect(screen.queryByTestId("sync-conflicts")).toBeNull());
    expect(onSettled).toHaveBeenCalledTimes(1);
    expect(await screen.findByText("Organization is now “Beta Studio” on every device.")).toBeTruthy();
    await user.click(screen.getByTestId("sync-conflict-undo"));
    expect(callsTo("changes_undo_batch")).toEqual([{ batchId: "sync:b1" }]);
  });

  it("says which teammate wrote the other value, and when", async () => {
    mockCommands({
      sync_conflicts: () => [{ ...conflict, other_by: "Kim", other_at: "2026-12-07T09:58:00.000Z" }],
    });
    renderNotice();
    const notice = await screen.findByTestId("sync-conflicts");
    expect(notice.textContent).toContain(
      `the other change was “Beta Studio”, by Kim on ${formatDateTime("2026-12-07T09:58:00.000Z")}.`,
    );
    expect(notice.querySelector("time")?.getAttribute("datetime")).toBe("2026-12-07T09:58:00.000Z");
    expect(notice.textContent).not.toContain("Noticed");
  });

  it("appears when a sync brings a conflict in, and keeps the chosen value on request", async () => {
    let conflicts: SyncConflict[] = [];
    mockCommands({
      sync_conflicts: () => conflicts,
      sync_resolve_conflict: () => {
        conflicts = [];
        return { record_id: "c1", field_label: "Organization", value: "Alpha Clinic", batch_id: null };
      },
    });
    const user = userEvent.setup();
    renderNotice();
    await waitFor(() => expect(callsTo("sync_conflicts").length).toBe(1));
    conflicts = [{ ...conflict, chosen: "", other: "Beta Studio" }];
    await act(async () =>
      eventBus.emit("team-sync-changed", {
        state: { status: {}, syncing: false, last_report: null, next_retry_at: null },
      }),
    );
    const notice = await screen.findByTestId("sync-conflicts");
    expect(notice.textContent).toContain("every device shows (empty)");
    await user.click(screen.getByTestId("sync-conflict-keep-company"));
    expect(callsTo("sync_resolve_conflict")).toEqual([{ id: "k1", choice: "keep_chosen" }]);
    await waitFor(() => expect(screen.queryByTestId("sync-conflicts")).toBeNull());
  });
});
