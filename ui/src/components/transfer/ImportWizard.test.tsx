import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { CsvPreview, ImportPreview, ImportSummary } from "../../api";
import { eventBus } from "../../test/eventBus";
import { jobChange, jobFixture } from "../../test/fixtures";
import { appError, callsTo, mockCommands } from "../../test/tauriMock";
import { ToastProvider } from "../Toasts";
import { ImportWizard } from "./ImportWizard";

const VCARD = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada Abbott\r\nEND:VCARD\r\n";
const CSV = "Full Name,E-mail,Colour\nAda Abbott,ada@example.com,blue\n";

const counts = { create: 1, update: 0, merge: 0, skip: 0, invalid: 0 };
const vcardPreview: ImportPreview = {
  format: "vcard",
  records: 1,
  counts,
  items: [{ location: "line 1", display_name: "Ada Abbott", action: "create", reason: "new contact", contact_id: null }],
};
const summary: ImportSummary = {
  id: "job-1",
  file_name: "clients.vcf",
  format: "vcard",
  undone: false,
  counts,
  created_at: "2026-11-22T10:00:00Z",
  undone_at: null,
};

const queuedJob = jobFixture("job-1", { kind: "import.apply", subject: "clients.vcf" });
const doneJob = { ...queuedJob, status: "succeeded" as const, attempts: 1, updated_at: "2026-11-22T10:00:00.000Z" };

function renderWizard() {
  return render(
    <ToastProvider>
      <ImportWizard open onClose={() => {}} />
    </ToastProvider>,
  );
}

describe("ImportWizard", () => {
  // Long (many steps): a generous timeout keeps it from failing on a busy machine.
  it("goes file → preview → confirm → job progress → done, then undoes the import", { timeout: 15_000 }, async () => {
    mockCommands({
      imports_detect_format: () => "vcard",
      imports_preview: () => vcardPreview,
      imports_start: () => queuedJob,
      jobs_get: () => queuedJob,
      imports_get: () => summary,
      imports_undo: () => ({ batch_id: "job-1", undone: 1 }),
    });
    const user = userEvent.setup();
    renderWizard();

    await user.upload(screen.getByTestId("import-file-input"), new File([VCARD], "clients.vcf", { type: "text/vcard" }));
    await waitFor(() => expect((screen.getByTestId("import-format-select") as HTMLSelectElement).value).toBe("vcard"));
    expect(callsTo("imports_detect_format")).toEqual([{ contentBase64: btoa(VCARD), fileName: "clients.vcf" }]);

    await user.click(screen.getByTestId("import-next"));
    const preview = await screen.findByTestId("import-preview");
    expect(within(preview).getByTestId("import-count-create").textContent).toContain("1");
    expect(within(preview).getAllByTestId("import-item")[0].textContent).toContain("Ada Abbott");
    expect(screen.queryByTestId("import-accept-valid")).toBeNull();

    await user.click(screen.getByTestId("import-confirm"));
    expect(await screen.findByTestId("import-progress")).toBeTruthy();
    expect(callsTo("imports_start")).toEqual([
      {
        contentBase64: btoa(VCARD),
        options: { file_name: "clients.vcf", format: "vcard", mapping: null, accept_valid_rows: false },
      },
    ]);
    await waitFor(() => expect(callsTo("jobs_get")).toEqual([{ id: "job-1" }]));
    await waitFor(() => expect(eventBus.count("job-changed")).toBeGreaterThan(0));
    // Another job's progress is not this import's.
    act(() => eventBus.emit("job-changed", { ...jobChange(queuedJob), id: "other", status: "running", progress_done: 9, progress_total: 10 }));
    act(() => eventBus.emit("job-changed", { ...jobChange(queuedJob), status: "running", progress_done: 1, progress_total: 2 }));
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("1");

    await act(async () => eventBus.emit("job-changed", jobChange(doneJob)));
    expect((await screen.findByTestId("import-done")).textContent).toContain("1 new");
    expect(callsTo("imports_get")).toEqual([{ importId: "job-1" }]);
    await user.click(screen.getByTestId("import-undo"));
    await waitFor(() => expect(callsTo("imports_undo")).toEqual([{ importId: "job-1" }]));
    expect((await screen.findByTestId("import-undo")).textContent).toContain("Import undone");
  });

  it("says why each record is imported with proper plurals, not \"note(s)\"", async () => {
    mockCommands({
      imports_detect_format: () => "vcard",
      imports_preview: () => ({
        ...vcardPreview,
        records: 2,
        items: [
          { location: "line 1", display_name: "Ada Abbott", action: "update", reason: "matches Ada Abbott (same email); adds 1 note(s)", contact_id: "c1" },
          { location: "line 9", display_name: "Bo Berg", action: "update", reason: "matches Bo Berg (same email); adds 2 note(s)", contact_id: "c2" },
        ],
      }),
    });
    const user = userEvent.setup();
    renderWizard();
    await user.upload(screen.getByTestId("import-file-input"), new File([VCARD], "clients.vcf", { type: "text/vcard" }));
    await waitFor(() => expect((screen.getByTestId("import-format-select") as HTMLSelectElement).value).toBe("vcard"));
    await user.click(screen.getByTestId("import-next"));
    const items = await within(await screen.findByTestId("import-preview")).findAllByTestId("import-item");
    expect(items[0].textContent).toContain("adds 1 note");
    expect(items[1].textContent).toContain("adds 2 notes");
    expect(items.map((item) => item.textContent).join(" ")).not.toContain("(s)");
  });

  it("says when an attempt failed and will be retried, and shows the error when the job gives up", async () => {
    mockCommands({
      imports_detect_format: () => "vcard",
      imports_preview: () => vcardPreview,
      imports_start: () => queuedJob,
      jobs_get: () => queuedJob,
    });
    const user = userEvent.setup();
    renderWizard();
    await user.upload(screen.getByTestId("import-file-input"), new File([VCARD], "clients.vcf"));
    await waitFor(() => expect(screen.getByTestId("import-next").hasAttribute("disabled")).toBe(false));
    await user.click(screen.getByTestId("import-next"));
    await user.click(await screen.findByTestId("import-confirm"));
    await screen.findByTestId("import-progress");
    await waitFor(() => expect(eventBus.count("job-changed")).toBeGreaterThan(0));

    act(() => eventBus.emit("job-changed", { ...jobChange(queuedJob), status: "failed", attempts: 1, error: "database is locked" }));
    expect((await screen.findByTestId("import-retrying")).textContent).toContain("database is locked");
    act(() => eventBus.emit("job-changed", { ...jobChange(queuedJob), status: "dead", attempts: 3, error: "database is locked" }));
    expect((await screen.findByTestId("import-error")).textContent).toContain("database is locked");
    expect(screen.getByTestId("import-preview")).toBeTruthy();
  });

  it("finishes when the job was done before the wizard listened", async () => {
    mockCommands({
      imports_detect_format: () => "vcard",
      imports_preview: () => vcardPreview,
      imports_start: () => queuedJob,
      jobs_get: () => doneJob,
      imports_get: () => summary,
    });
    const user = userEvent.setup();
    renderWizard();
    await user.upload(screen.getByTestId("import-file-input"), new File([VCARD], "clients.vcf"));
    await waitFor(() => expect(screen.getByTestId("import-next").hasAttribute("disabled")).toBe(false));
    await user.click(screen.getByTestId("import-next"));
    await user.click(await screen.findByTestId("import-confirm"));
    expect((await screen.findByTestId("import-done")).textContent).toContain("1 new");
  });

  it("passes the edited column mapping of a generic CSV file", async () => {
    const csvPreview: CsvPreview = {
      headers: ["Full Name", "E-mail", "Colour"],
      sample_rows: [["Ada Abbott", "ada@example.com", "blue"]],
      suggested_mapping: {
        columns: [
          { header: "Full Name", field: "display_name" },
          { header: "E-mail", field: "email" },
          { header: "Colour", field: "ignore" },
        ],
      },
      delimiter: ",",
    };
    mockCommands({
      imports_detect_format: () => "csv",
      imports_csv_preview: () => csvPreview,
      imports_preview: () => ({ ...vcardPreview, format: "csv" }),
      imports_start: () => queuedJob,
      jobs_get: () => doneJob,
      imports_get: () => ({ ...summary, format: "csv" }),
    });
    const user = userEvent.setup();
    renderWizard();
    await user.upload(screen.getByTestId("import-file-input"), new File([CSV], "people.csv", { type: "text/csv" }));
    await waitFor(() => expect((screen.getByTestId("import-format-select") as HTMLSelectElement).value).toBe("csv"));
    await user.click(screen.getByTestId("import-next"));

    const mapping = await screen.findByTestId("import-mapping");
    expect(within(mapping).getAllByTestId("import-mapping-row")[0].textContent).toContain("Ada Abbott");
    expect((screen.getByLabelText("Field for column E-mail") as HTMLSelectElement).value).toBe("email");
    await user.selectOptions(screen.getByLabelText("Field for column Colour"), "note");
    await user.click(screen.getByTestId("import-mapping-next"));

    const expectedMapping = {
      columns: [
        { header: "Full Name", field: "display_name" },
        { header: "E-mail", field: "email" },
        { header: "Colour", field: "note" },
      ],
    };
    await screen.findByTestId("import-preview");
    expect(callsTo("imports_preview")[0].options).toEqual({
      file_name: "people.csv",
      format: "csv",
      mapping: expectedMapping,
      accept_valid_rows: false,
    });
    await user.click(screen.getByTestId("import-confirm"));
    await screen.findByTestId("import-done");
    expect(callsTo("imports_start")[0].options).toMatchObject({ mapping: expectedMapping, format: "csv" });
  });

  it("keeps Confirm disabled with invalid records until “valid only” is ticked", async () => {
    const withInvalid: ImportPreview = {
      format: "vcard",
      records: 2,
      counts: { ...counts, invalid: 1 },
      items: [
        { location: "line 14", display_name: "", action: "invalid", reason: "vCard started here has no END:VCARD", contact_id: null },
        ...vcardPreview.items,
      ],
    };
    mockCommands({
      imports_detect_format: () => "vcard",
      imports_preview: () => withInvalid,
      imports_start: () => queuedJob,
      jobs_get: () => doneJob,
      imports_get: () => ({ ...summary, counts: withInvalid.counts }),
    });
    const user = userEvent.setup();
    renderWizard();
    await user.upload(screen.getByTestId("import-file-input"), new File([VCARD], "clients.vcf"));
    await waitFor(() => expect(screen.getByTestId("import-next").hasAttribute("disabled")).toBe(false));
    await user.click(screen.getByTestId("import-next"));
    await screen.findByTestId("import-preview");
    const items = screen.getAllByTestId("import-item");
    expect(items[0].getAttribute("data-action")).toBe("invalid");
    expect(items[0].textContent).toContain("no END:VCARD");

    expect(screen.getByTestId("import-confirm").hasAttribute("disabled")).toBe(true);
    await user.click(screen.getByTestId("import-accept-valid"));
    expect(screen.getByTestId("import-confirm").hasAttribute("disabled")).toBe(false);
    await user.click(screen.getByTestId("import-confirm"));
    await screen.findByTestId("import-done");
    expect(callsTo("imports_start")[0].options).toMatchObject({ accept_valid_rows: true });
  });

  it("shows the server's field errors when a file cannot be read", async () => {
    mockCommands({
      imports_detect_format: () => "vcard",
      imports_preview: () => {
        throw appError("validation_failed", "Some fields are invalid", {
          fields: [{ field: "file", message: "line 14: vCard started here has no END:VCARD" }],
        });
      },
    });
    const user = userEvent.setup();
    renderWizard();
    await user.upload(screen.getByTestId("import-file-input"), new File([VCARD], "broken.vcf"));
    await waitFor(() => expect(screen.getByTestId("import-next").hasAttribute("disabled")).toBe(false));
    await user.click(screen.getByTestId("import-next"));
    const alert = await screen.findByTestId("import-error");
    expect(alert.textContent).toContain("file: line 14: vCard started here has no END:VCARD");
    expect(screen.queryByTestId("import-preview")).toBeNull();
  });
});
