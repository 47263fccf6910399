import { useCallback, useEffect, useId, useState } from "react";
import {
  api,
  DELETE_ALL_CONFIRMATION,
  onContactsChanged,
  toAppError,
  type AppError,
  type ExportFormat,
  type ExportSummary,
  type ImportSummary,
} from "../../api";
import { useEventSubscription } from "../../hooks/useEventSubscription";
import { formatDateTime, formatNumber } from "../../lib/format";
import { Button } from "../Button";
import { Overlay } from "../Overlay";
import { useToasts } from "../Toasts";
import { ErrorAlert } from "./ErrorAlert";
import { IMPORT_FORMAT_LABELS } from "./transferLabels";

const EXPORTS: Array<{ format: ExportFormat; label: string; hint: string }> = [
  { format: "vcard", label: "Export vCard", hint: "Contacts for other address books" },
  { format: "google_csv", label: "Export Google CSV", hint: "Contacts for Google Contacts or a spreadsheet" },
  { format: "json", label: "Export everything (JSON)", hint: "All your data: contacts, notes, tasks and more" },
  { format: "ics", label: "Export reminders (calendar)", hint: "Reminders and birthdays for your calendar app" },
];

/** Exports, the import history with undo, and deleting all data. */
export function DataSection() {
  const { showToast, showError } = useToasts();
  const phraseId = useId();
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [exported, setExported] = useState<ExportSummary | null>(null);
  const [imports, setImports] = useState<ImportSummary[] | null>(null);
  const [undoing, setUndoing] = useState<string | null>(null);
  const [deleteOpen, setDeleteOpen] = useState(false);
  const [phrase, setPhrase] = useState("");
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<AppError | null>(null);

  const load = useCallback(() => {
    api.importsList().then(setImports, (error: unknown) => showError(error, "Could not list imports"));
  }, [showError]);
  useEffect(load, [load]);
  useEventSubscription(onContactsChanged, load);

  const runExport = async (format: ExportFormat) => {
    setExporting(format);
    try {
      const summary = await api.exportWrite(format, null);
      setExported(summary);
      const what = format === "ics" ? "reminders and birthdays" : "contacts";
      showToast({ tone: "success", message: `Exported ${formatNumber(summary.contacts)} ${what} to ${summary.path}` });
    } catch (error) {
      showError(error, "Could not export");
    } finally {
      setExporting(null);
    }
  };

  const undoImport = async (entry: ImportSummary) => {
    setUndoing(entry.id);
    try {
      await api.importsUndo(entry.id);
      showToast({ tone: "success", message: `Import of ${entry.file_name ?? "the file"} undone` });
      load();
    } catch (error) {
      showError(error, "Could not undo the import");
    } finally {
      setUndoing(null);
    }
  };

  const closeDelete = () => {
    if (deleting) return;
    setDeleteOpen(false);
    setPhrase("");
    setDeleteError(null);
  };

  const deleteAll = async () => {
    setDeleting(true);
    setDeleteError(null);
    try {
      const summary = await api.deleteAllData(phrase);
      setDeleteOpen(false);
      setPhrase("");
      showToast({
        tone: "success",
        message: `Deleted ${formatNumber(summary.contacts)} contacts and ${formatNumber(summary.backups)} backups`,
      });
      load();
    } catch (error) {
      setDeleteError(toAppError(error));
    } finally {
      setDeleting(false);
    }
  };

  const phraseMatches = phrase.trim() === DELETE_ALL_CONFIRMATION;

  return (
    <div className="data-section" data-testid="data-section">
      <h3 className="transfer__subtitle">Export</h3>
      <p className="muted" data-testid="export-not-encrypted">
        Exported files are not encrypted: anyone who gets one can read it. Keep them somewhere safe and delete them when you no
        longer need them.
      </p>
      <div className="transfer__exports">
        {EXPORTS.map((entry) => (
          <Button
            key={entry.format}
            icon="upload"
            busy={exporting === entry.format}
            disabled={exporting !== null && exporting !== entry.format}
            onClick={() => runExport(entry.format)}
            title={entry.hint}
            data-testid={`export-${entry.format}`}
          >
            {entry.label}
          </Button>
        ))}
      </div>
      {exported ? (
        <p className="transfer__exported" role="status" data-testid="export-result">
          {formatNumber(exported.contacts)} {exported.contacts === 1 ? "contact" : "contacts"} written to{" "}
          <code data-testid="export-path">{exported.path}</code>
        </p>
      ) : null}

      <h3 className="transfer__subtitle">Import history</h3>
      {imports === null ? (
        <p className="muted">Loading imports…</p>
      ) : imports.length === 0 ? (
        <p className="muted" data-testid="imports-empty">
          No imports yet. Import contacts from the Contacts page.
        </p>
      ) : (
        <table className="simple-table" data-testid="imports-table">
          <caption className="visually-hidden">Imports</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">File</th>
              <th scope="col">New</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {imports.map((entry) => (
              <tr key={entry.id} data-testid="import-row">
                <td>{formatDateTime(entry.created_at)}</td>
                <td>
                  {entry.file_name ?? "—"} <span className="muted">({IMPORT_FORMAT_LABELS[entry.format]})</span>
                </td>
                <td className="tabular">{formatNumber(entry.counts.create)}</td>
                <td className="tabular">{formatNumber(entry.counts.update + entry.counts.merge)}</td>
                <td>
                  {entry.undone ? (
                    <span className="muted">Undone</span>
                  ) : (
                    <Button
                      size="sm"
                      variant="ghost"
                      icon="undo"
                      busy={undoing === entry.id}
                      onClick={() => undoImport(entry)}
                      aria-label={`Undo import of ${entry.file_name ?? "file"} from ${formatDateTime(entry.created_at)}`}
                      data-testid="import-row-undo"
                    >
                      Undo
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3 className="transfer__subtitle">Delete all my data</h3>
      <p className="muted">
        Erases every contact, note, interaction, task and backup on this computer. This cannot be undone; export
        first if you may need the data again.
      </p>
      <Button variant="danger" icon="trash" onClick={() => setDeleteOpen(true)} data-testid="delete-all-open">
        Delete all my data…
      </Button>

      <Overlay
        open={deleteOpen}
        onClose={closeDelete}
        title="Delete all your data?"
        size="sm"
        testId="delete-all-dialog"
        footer={
          <>
            <Button variant="ghost" onClick={closeDelete} disabled={deleting}>
              Cancel
            </Button>
            <Button
              variant="danger"
              busy={deleting}
              disabled={!phraseMatches}
              onClick={deleteAll}
              data-testid="delete-all-confirm"
            >
              Delete everything
            </Button>
          </>
        }
      >
        {deleteError ? <ErrorAlert error={deleteError} title="Nothing was deleted" /> : null}
        <p>
          Every contact and everything about them, the change history and all backups are erased for good. To confirm,
          type <strong>{DELETE_ALL_CONFIRMATION}</strong> below.
        </p>
        <div className="field">
          <label className="field__label" htmlFor={phraseId}>
            Confirmation phrase
          </label>
          <input
            id={phraseId}
            className="input"
            value={phrase}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setPhrase(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && phraseMatches && !deleting) void deleteAll();
            }}
            data-testid="delete-all-phrase"
          />
        </div>
      </Overlay>
    </div>
  );
}
