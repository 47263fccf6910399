import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { BackupInfo } from "../../api";
import { callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { BackupsSection } from "./BackupsSection";

const backup: BackupInfo = {
  file_name: "omnicrm-20260301T100000000Z-manual.sqlite3",
  created_at: "2026-03-01T10:00:00Z",
  reason: "manual",
  size_bytes: 2048,
  schema_version: 5,
  contact_count: 120,
  error: null,
};

describe("BackupsSection", () => {
  it("creates a backup with a busy button, then restores one only after confirming", async () => {
    let finishCreate: (value: BackupInfo) => void = () => {};
    let backups: BackupInfo[] = [];
    mockCommands({
      backups_list: () => backups,
      backups_create: () => new Promise<BackupInfo>((resolve) => (finishCreate = resolve)),
      backups_restore: () => ({ restored_from: backup.file_name, previous_saved_as: "omnicrm-x-before_restore.sqlite3" }),
    });
    const user = userEvent.setup();
    render(
      <ToastProvider>
        <BackupsSection />
      </ToastProvider>,
    );
    expect(await screen.findByTestId("backups-empty")).toBeTruthy();
    await user.click(screen.getByTestId("backup-create-button"));
    expect(screen.getByTestId("backup-create-button").getAttribute("aria-busy")).toBe("true");
    backups = [backup];
    finishCreate(backup);
    const row = await screen.findByTestId("backup-row");
    expect(row.textContent).toContain("2.0 KB");
    expect(row.textContent).toContain("120");

    await user.click(within(row).getByTestId("backup-restore-button"));
    const dialog = await screen.findByTestId("restore-confirm-dialog");
    expect(callsTo("backups_restore")).toHaveLength(0);
    await user.click(within(dialog).getByTestId("restore-confirm-button"));
    await waitFor(() => expect(callsTo("backups_restore")).toEqual([{ fileName: backup.file_name }]));
    await waitFor(() => expect(screen.queryByTestId("restore-confirm-dialog")).toBeNull());
  });
});
