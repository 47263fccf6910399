import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ImportSummary } from "../../api";
import { callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { DataSection } from "./DataSection";

const entry: ImportSummary = {
  id: "batch-1",
  file_name: "clients.vcf",
  format: "vcard",
  undone: false,
  counts: { create: 12, update: 3, merge: 0, skip: 1, invalid: 0 },
  created_at: "2026-11-22T10:00:00Z",
  undone_at: null,
};

function renderSection() {
  return render(
    <ToastProvider>
      <DataSection />
    </ToastProvider>,
  );
}

describe("DataSection", () => {
  it("exports and shows where the file was written", async () => {
    mockCommands({
      imports_list: () => [],
      export_write: () => ({ path: "/home/ada/Downloads/omnicrm-contacts-2026-11-22.vcf", contacts: 42, bytes: 9000 }),
    });
    const user = userEvent.setup();
    renderSection();
    await screen.findByTestId("imports-empty");
    // Exports stay plain even when the data is encrypted: the user is told before exporting.
    expect(screen.getByTestId("export-not-encrypted").textContent).toContain("not encrypted");
    await user.click(screen.getByTestId("export-vcard"));
    expect((await screen.findByTestId("export-path")).textContent).toBe("/home/ada/Downloads/omnicrm-contacts-2026-11-22.vcf");
    expect(screen.getByTestId("export-result").textContent).toContain("42 contacts");
    expect(callsTo("export_write")).toEqual([{ format: "vcard", contactId: null }]);
  });

  it("lists imports and undoes one", async () => {
    let imports = [entry];
    mockCommands({
      imports_list: () => imports,
      imports_undo: () => {
        imports = [{ ...entry, undone: true, undone_at: "2026-11-22T11:00:00Z" }];
        return { batch_id: "batch-1", undone: 15 };
      },
    });
    const user = userEvent.setup();
    renderSection();
    const row = await screen.findByTestId("import-row");
    expect(row.textContent).toContain("clients.vcf");
    await user.click(within(row).getByTestId("import-row-undo"));
    await waitFor(() => expect(callsTo("imports_undo")).toEqual([{ importId: "batch-1" }]));
    await waitFor(() => expect(screen.getByTestId("import-row").textContent).toContain("Undone"));
  });

  it("keeps Delete disabled until the exact phrase is typed", async () => {
    mockCommands({
      imports_list: () => [],
      data_delete_all: () => ({ contacts: 5, backups: 2 }),
    });
    const user = userEvent.setup();
    renderSection();
    await screen.findByTestId("imports-empty");
    await user.click(screen.getByTestId("delete-all-open"));
    const dialog = await screen.findByTestId("delete-all-dialog");
    const confirm = within(dialog).getByTestId("delete-all-confirm");
    expect(confirm.hasAttribute("disabled")).toBe(true);
    const input = within(dialog).getByLabelText("Confirmation phrase");
    await user.type(input, "delete all my data");
    expect(confirm.hasAttribute("disabled")).toBe(true);
    await user.clear(input);
    await user.type(input, "DELETE ALL MY DATA");
    expect(confirm.hasAttribute("disabled")).toBe(false);
    await user.click(confirm);
    await waitFor(() => expect(callsTo("data_delete_all")).toEqual([{ confirmation: "DELETE ALL MY DATA" }]));
    await waitFor(() => expect(screen.queryByTestId("delete-all-dialog")).toBeNull());
  });
});
