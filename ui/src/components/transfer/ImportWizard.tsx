import { useCallback, useEffect, useId, useRef, useState } from "react";
import {
  api,
  bytesToBase64,
  onJobChanged,
  toAppError,
  type AppError,
  type ColumnTarget,
  type CsvPreview,
  type ImportField,
  type ImportFormat,
  type ImportOptions,
  type ImportPreview,
  type ImportSummary,
  type JobChanged,
  type JobInfo,
} from "../../api";
import { useEventSubscription } from "../../hooks/useEventSubscription";
import { fixPlurals, formatNumber } from "../../lib/format";
import { Button } from "../Button";
import { Checkbox } from "../Checkbox";
import { Overlay } from "../Overlay";
import { ProgressBar } from "../ProgressBar";
import { Select } from "../Select";
import { ErrorAlert } from "./ErrorAlert";
import { IMPORT_ACTION_LABELS, IMPORT_FIELD_LABELS, IMPORT_FORMAT_LABELS } from "./transferLabels";

type Step = "file" | "mapping" | "preview" | "running" | "done";

type LoadedFile = { name: string; base64: string };

type Progress = { done: number; total: number };

/** How often the wizard asks for its job's state, in case an event was missed. */
export const JOB_POLL_MS = 2000;

const FORMAT_OPTIONS = (Object.keys(IMPORT_FORMAT_LABELS) as ImportFormat[]).map((value) => ({
  value,
  label: IMPORT_FORMAT_LABELS[value],
}));
const FIELD_OPTIONS = (Object.keys(IMPORT_FIELD_LABELS) as ImportField[]).map((value) => ({
  value,
  label: IMPORT_FIELD_LABELS[value],
}));

function readFile(file: File): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error("The file could not be read"));
    reader.readAsArrayBuffer(file);
  });
}

type ImportWizardProps = {
  open: boolean;
  onClose: () => void;
};

/**
 * Choose a file, map CSV columns, check the plan, import with progress, undo if needed. The
 * import itself is a durable background job (`import.apply`): the wizard follows it through
 * `JobChanged` events, and closing the wizard leaves it running (it shows on the Jobs page).
 */
export function ImportWizard({ open, onClose }: ImportWizardProps) {
  const fileInputId = useId();
  const formatId = useId();
  const [step, setStep] = useState<Step>("file");
  const [file, setFile] = useState<LoadedFile | null>(null);
  const [format, setFormat] = useState<ImportFormat | null>(null);
  const [csv, setCsv] = useState<CsvPreview | null>(null);
  const [mapping, setMapping] = useState<ColumnTarget[]>([]);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [acceptValid, setAcceptValid] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [retrying, setRetrying] = useState<string | null>(null);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [undone, setUndone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  // The job being followed; changes that arrive before its id is known wait in `early`.
  const followed = useRef<string | null>(null);
  const early = useRef(new Map<string, JobChanged | JobInfo>());
  const finishing = useRef(false);

  const follow = useCallback((job: JobChanged | JobInfo) => {
    if (job.id !== followed.current || finishing.current) return;
    if (job.status === "running" && job.progress_total) {
      setProgress({ done: job.progress_done, total: job.progress_total });
    }
    if (job.status === "failed") {
      setRetrying(job.error ?? "The attempt failed");
    } else if (job.status === "running") {
      setRetrying(null);
    }
    if (job.status === "succeeded") {
      finishing.current = true;
      api.importsGet(job.id).then(
        (result) => {
          setSummary(result);
          setStep("done");
        },
        (caught: unknown) => {
          setError(toAppError(caught));
          setStep("preview");
        },
      );
    } else if (job.status === "dead" || job.status === "canceled") {
      finishing.current = true;
      setError({
        code: job.status === "canceled" ? "cancelled" : "internal",
        message: job.status === "canceled" ? "The import was canceled; nothing was written." : (job.error ?? "The import failed"),
        details: null,
      });
      setStep("preview");
    }
  }, []);

  const onChange = useCallback(
    (change: JobChanged) => {
      if (followed.current === null) early.current.set(change.id, change);
      else follow(change);
    },
    [follow],
  );
  useEventSubscription(onJobChanged, onChange, open && step === "running");

  // Events are the fast path; a slow look at the job covers one that was missed.
  useEffect(() => {
    if (!open || step !== "running") return;
    const timer = window.setInterval(() => {
      const id = followed.current;
      if (id) api.getJob(id).then(follow, () => {});
    }, JOB_POLL_MS);
    return () => window.clearInterval(timer);
  }, [open, step, follow]);

  // The button that moved to the next step is gone: keep focus inside the dialog.
  const stepRef = useRef<HTMLDivElement>(null);
  const firstStep = useRef(true);
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    stepRef.current?.focus();
  }, [step]);

  const reset = () => {
    setStep("file");
    setFile(null);
    setFormat(null);
    setCsv(null);
    setMapping([]);
    setPreview(null);
    setAcceptValid(false);
    setProgress(null);
    setRetrying(null);
    setSummary(null);
    setUndone(false);
    setBusy(false);
    setError(null);
    followed.current = null;
    early.current.clear();
    finishing.current = false;
  };

  // Closing while the import runs is fine: the job goes on and shows on the Jobs page.
  const close = () => {
    reset();
    onClose();
  };

  const options = useCallback(
    (): ImportOptions => ({
      file_name: file?.name ?? null,
      format,
      mapping: format === "csv" ? { columns: mapping } : null,
      accept_valid_rows: acceptValid,
    }),
    [file, format, mapping, acceptValid],
  );

  const chooseFile = async (chosen: File | undefined) => {
    setError(null);
    setPreview(null);
    setCsv(null);
    if (!chosen) {
      setFile(null);
      return;
    }
    setBusy(true);
    try {
      const base64 = bytesToBase64(await readFile(chosen));
      setFile({ name: chosen.name, base64 });
      setFormat(await api.importsDetectFormat(base64, chosen.name));
    } catch (caught) {
      setError(toAppError(caught));
    } finally {
      setBusy(false);
    }
  };

  const loadPreview = async (columns: ColumnTarget[] | null) => {
    if (!file || !format) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.importsPreview(file.base64, {
        file_name: file.name,
        format,
        mapping: columns ? { columns } : null,
        accept_valid_rows: false,
      });
      setPreview(result);
      setAcceptValid(false);
      setStep("preview");
    } catch (caught) {
      setError(toAppError(caught));
    } finally {
      setBusy(false);
    }
  };

  const next = async () => {
    if (!file || !format) return;
    if (format !== "csv") {
      await loadPreview(null);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await api.importsCsvPreview(file.base64);
      setCsv(result);
      setMapping(result.suggested_mapping.columns);
      setStep("mapping");
    } catch (caught) {
      setError(toAppError(caught));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (!file) return;
    setError(null);
    setProgress(null);
    setRetrying(null);
    followed.current = null;
    early.current.clear();
    finishing.current = false;
    setStep("running");
    let started: JobInfo;
    try {
      started = await api.importsStart(file.base64, options());
    } catch (caught) {
      setError(toAppError(caught));
      setStep("preview");
      return;
    }
    followed.current = started.id;
    follow(started);
    const missed = early.current.get(started.id);
    early.current.clear();
    if (missed) follow(missed);
    // The job may have moved on before this window listened.
    api.getJob(started.id).then(follow, () => {});
  };

  const undo = async () => {
    if (!summary) return;
    setBusy(true);
    setError(null);
    try {
      await api.importsUndo(summary.id);
      setUndone(true);
    } catch (caught) {
      setError(toAppError(caught));
    } finally {
      setBusy(false);
    }
  };

  const counts = preview?.counts;
  const mustAccept = (counts?.invalid ?? 0) > 0;
  const writable = counts ? counts.create + counts.update + counts.merge : 0;

  const footer = (() => {
    switch (step) {
      case "file":
        return (
          <>
            <Button variant="ghost" onClick={close}>
              Cancel
            </Button>
            <Button variant="primary" onClick={next} busy={busy} disabled={!file || !format} data-testid="import-next">
              Next
            </Button>
          </>
        );
      case "mapping":
        return (
          <>
            <Button variant="ghost" onClick={() => setStep("file")} disabled={busy}>
              Back
            </Button>
            <Button variant="primary" onClick={() => loadPreview(mapping)} busy={busy} data-testid="import-mapping-next">
              Preview import
            </Button>
          </>
        );
      case "preview":
        return (
          <>
            <Button variant="ghost" onClick={() => setStep(format === "csv" ? "mapping" : "file")}>
              Back
            </Button>
            <Button
              variant="primary"
              onClick={confirm}
              disabled={(mustAccept && !acceptValid) || writable === 0}
              data-testid="import-confirm"
            >
              {writable === 0 ? "Nothing to import" : `Import ${formatNumber(writable)} ${writable === 1 ? "record" : "records"}`}
            </Button>
          </>
        );
      case "running":
        return (
          <Button variant="ghost" onClick={close} data-testid="import-background">
            Continue in the background
          </Button>
        );
      case "done":
        return (
          <>
            <Button
              variant="ghost"
              icon="undo"
              onClick={undo}
              busy={busy}
              disabled={undone}
              data-testid="import-undo"
            >
              {undone ? "Import undone" : "Undo import"}
            </Button>
            <Button variant="primary" onClick={close}>
              Close
            </Button>
          </>
        );
    }
  })();

  return (
    <Overlay open={open} onClose={close} title="Import contacts" size="lg" testId="import-dialog" footer={footer}>
      <div className="transfer" ref={stepRef} tabIndex={-1}>
        {error ? <ErrorAlert error={error} title="The file could not be imported" testId="import-error" /> : null}

        {step === "file" ? (
          <div className="transfer__step" data-testid="import-file-step">
            <div className="field">
              <label className="field__label" htmlFor={fileInputId}>
                File to import
              </label>
              <input
                id={fileInputId}
                className="input"
                type="file"
                accept=".vcf,.csv,.json"
                onChange={(event) => chooseFile(event.target.files?.[0])}
                data-testid="import-file-input"
              />
              <p className="field__hint">vCard (.vcf), Google or Outlook CSV, any other CSV, or an OmniCRM export (.json).</p>
            </div>
            {file && format ? (
              <div className="field">
                <label className="field__label" htmlFor={formatId}>
                  Format
                </label>
                <Select
                  id={formatId}
                  value={format}
                  onChange={(event) => setFormat(event.target.value as ImportFormat)}
                  options={FORMAT_OPTIONS}
                  data-testid="import-format-select"
                />
              </div>
            ) : null}
          </div>
        ) : null}

        {step === "mapping" && csv ? (
          <div className="transfer__step" data-testid="import-mapping">
            <p>Say what each column holds. Columns set to “Don't import” are left out.</p>
            <table className="simple-table">
              <caption className="visually-hidden">Column mapping</caption>
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Imported as</th>
                  <th scope="col">Sample values</th>
                </tr>
              </thead>
              <tbody>
                {csv.headers.map((header, column) => {
                  const target = mapping.find((entry) => entry.header === header);
                  return (
                    <tr key={`${header}-${column}`} data-testid="import-mapping-row">
                      <th scope="row">{header}</th>
                      <td>
                        <Select
                          size="sm"
                          aria-label={`Field for column ${header}`}
                          value={target?.field ?? "ignore"}
                          options={FIELD_OPTIONS}
                          onChange={(event) => {
                            const field = event.target.value as ImportField;
                            setMapping((current) =>
                              current.some((entry) => entry.header === header)
                                ? current.map((entry) => (entry.header === header ? { header, field } : entry))
                                : [...current, { header, field }],
                            );
                          }}
                          data-testid={`import-mapping-${column}`}
                        />
                      </td>
                      <td className="muted">
                        {csv.sample_rows
                          .map((row) => row[column] ?? "")
                          .filter((value) => value !== "")
                          .slice(0, 3)
                          .join(" · ")}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}

        {step === "preview" && preview && counts ? (
          <div className="transfer__step" data-testid="import-preview">
            <p>
              {formatNumber(preview.records)} {preview.records === 1 ? "record" : "records"} read as{" "}
              {IMPORT_FORMAT_LABELS[preview.format]}. Nothing has been written yet.
            </p>
            <dl className="transfer__counts" aria-label="What the import will do">
              {(["create", "update", "merge", "skip", "invalid"] as const).map((action) => (
                <div key={action} className={`transfer__count transfer__count--${action}`} data-testid={`import-count-${action}`}>
                  <dt>{IMPORT_ACTION_LABELS[action]}</dt>
                  <dd className="tabular">{formatNumber(counts[action])}</dd>
                </div>
              ))}
            </dl>
            {mustAccept ? (
              <label className="transfer__accept">
                <Checkbox
                  checked={acceptValid}
                  onChange={(event) => setAcceptValid(event.target.checked)}
                  data-testid="import-accept-valid"
                />
                <span>
                  Import the valid records only ({formatNumber(counts.invalid)} invalid{" "}
                  {counts.invalid === 1 ? "record is" : "records are"} left out)
                </span>
              </label>
            ) : null}
            <div className="transfer__table-wrap">
              <table className="simple-table">
                <caption className="visually-hidden">Records in the file</caption>
                <thead>
                  <tr>
                    <th scope="col">Where</th>
                    <th scope="col">Name</th>
                    <th scope="col">Action</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.items.map((item, index) => (
                    <tr key={`${item.location}-${index}`} data-testid="import-item" data-action={item.action}>
                      <td className="tabular">{item.location}</td>
                      <td>{item.display_name}</td>
                      <td>
                        <span className={`transfer__action transfer__action--${item.action}`}>
                          {IMPORT_ACTION_LABELS[item.action]}
                        </span>
                      </td>
                      <td>{fixPlurals(item.reason)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {preview.items.length < preview.records ? (
                <p className="muted">The first {formatNumber(preview.items.length)} records are listed; the counts cover all of them.</p>
              ) : null}
            </div>
          </div>
        ) : null}

        {step === "running" ? (
          <div className="transfer__step" data-testid="import-progress">
            <ProgressBar
              value={progress?.done ?? 0}
              max={progress?.total ?? 1}
              label={progress ? `Importing (${formatNumber(progress.done)} of ${formatNumber(progress.total)})` : "Importing…"}
            />
            {retrying ? (
              <p className="muted" role="status" data-testid="import-retrying">
                An attempt failed ({retrying}). Nothing was written; it will be tried again by itself.
              </p>
            ) : null}
            <p className="muted">The import runs in the background: you can close this window and follow it under Jobs.</p>
          </div>
        ) : null}

        {step === "done" && summary ? (
          <div className="transfer__step" role="status" data-testid="import-done">
            <p>
              {undone
                ? "The import was undone: the contacts it created are gone and the ones it updated are back as they were."
                : `Imported: ${formatNumber(summary.counts.create)} new, ${formatNumber(summary.counts.update)} updated, ${formatNumber(summary.counts.merge)} combined, ${formatNumber(summary.counts.skip)} already there${summary.counts.invalid > 0 ? `, ${formatNumber(summary.counts.invalid)} invalid left out` : ""}.`}
            </p>
            {undone ? null : <p className="muted">You can undo this import here or later in Settings → Data.</p>}
          </div>
        ) : null}
      </div>
    </Overlay>
  );
}
