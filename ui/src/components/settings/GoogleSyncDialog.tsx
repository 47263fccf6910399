import { useEffect, useState } from "react";
import { api, type IntegrationAccount, type SyncPreview } from "../../api";
import { errorsByField } from "../../lib/fieldErrors";
import { formatDateTime } from "../../lib/format";
import { DEFAULT_SYNC_FORM, settingsFromForm, type FormProblems, type SyncForm } from "../../lib/googleSync";
import { Button } from "../Button";
import type { ShownError } from "../form/FieldErrors";
import { TextField } from "../form/TextField";
import { Overlay } from "../Overlay";
import { useToasts } from "../Toasts";

type GoogleSyncDialogProps = {
  account: IntegrationAccount | null;
  /** The form to start from: the account's last settings, or the defaults. */
  initial: SyncForm | null;
  onClose: () => void;
  /** Called after the sync was approved and its jobs queued. */
  onStarted: () => void;
};

/** One input's error, linked to it for screen readers. */
function shown(field: string, elementId: string, message: string | undefined): ShownError[] {
  return message ? [{ field, message, elementId, target: field }] : [];
}

/** Maps the server's field names (`gmail.query`) to the form's. */
function serverProblems(error: unknown): FormProblems {
  const fields = errorsByField(error);
  return {
    query: fields["gmail.query"],
    sentQuery: fields["gmail.sent_query"],
    daysBack: fields["calendar.days_back"],
    daysAhead: fields["calendar.days_ahead"],
  };
}

/**
 * What a sync brings in, chosen before anything is stored: the Gmail query (Promotions, Social,
 * Forums and Updates always stay out), sent mail, the labels counted, and the calendar window.
 * "Preview" shows counts and samples without storing anything; "Approve and sync" starts it.
 */
export function GoogleSyncDialog({ account, initial, onClose, onStarted }: GoogleSyncDialogProps) {
  const { showToast, showError } = useToasts();
  const [form, setForm] = useState<SyncForm>(initial ?? DEFAULT_SYNC_FORM);
  const [problems, setProblems] = useState<FormProblems>({});
  const [preview, setPreview] = useState<SyncPreview | null>(null);
  const [busy, setBusy] = useState<"preview" | "start" | null>(null);

  useEffect(() => {
    if (account) {
      setForm(initial ?? DEFAULT_SYNC_FORM);
      setProblems({});
      setPreview(null);
    }
  }, [account, initial]);

  const change = (patch: Partial<SyncForm>) => {
    setForm((current) => ({ ...current, ...patch }));
    // What the preview showed no longer matches the form.
    setPreview(null);
  };

  const checked = () => {
    const { settings, problems: found } = settingsFromForm(form);
    setProblems(found);
    return settings;
  };

  const runPreview = async () => {
    const settings = checked();
    if (!settings || !account) return;
    setBusy("preview");
    try {
      setPreview(await api.googleSyncPreview(account.id, settings));
    } catch (error) {
      setProblems(serverProblems(error));
      showError(error, "Could not preview the sync");
    } finally {
      setBusy(null);
    }
  };

  const start = async () => {
    const settings = checked();
    if (!settings || !account) return;
    setBusy("start");
    try {
      await api.googleSyncStart(account.id, settings);
      showToast({ tone: "success", message: `Syncing ${account.email}. Progress shows under the account.` });
      onStarted();
      onClose();
    } catch (error) {
      setProblems(serverProblems(error));
      showError(error, "Could not start the sync");
    } finally {
      setBusy(null);
    }
  };

  return (
    <Overlay
      open={account !== null}
      onClose={onClose}
      title={account ? `Sync ${account.email}` : "Sync"}
      size="lg"
      testId="google-sync-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button busy={busy === "preview"} disabled={busy !== null} onClick={() => void runPreview()} data-testid="google-sync-preview-button">
            Preview
          </Button>
          <Button variant="primary" busy={busy === "start"} disabled={busy !== null} onClick={() => void start()} data-testid="google-sync-approve-button">
            Approve and sync
          </Button>
        </>
      }
    >
      <form
        className="sync-form"
        onSubmit={(event) => {
          event.preventDefault();
          void runPreview();
        }}
      >
        <p className="muted small">
          Nothing is stored until you approve. Promotions, Social, Forums and Updates are always left out, and every sync can be undone.
        </p>
        {problems.providers ? <p className="notice notice--danger" role="alert">{problems.providers}</p> : null}
        <fieldset className="fieldset">
          <legend className="fieldset__legend">
            <label>
              <input type="checkbox" checked={form.gmail} onChange={(event) => change({ gmail: event.target.checked })} data-testid="google-sync-gmail" /> Gmail
            </label>
          </legend>
          <TextField
            id="google-sync-query"
            label="Mail to sync (Gmail search)"
            value={form.query}
            onValueChange={(query) => change({ query })}
            errors={shown("query", "google-sync-query-error", problems.query)}
            disabled={!form.gmail}
            testId="google-sync-query"
          />
          <label className="checkbox-line">
            <input type="checkbox" checked={form.includeSent} disabled={!form.gmail} onChange={(event) => change({ includeSent: event.target.checked })} /> Include mail I sent
          </label>
          {form.includeSent ? (
            <TextField
              id="google-sync-sent-query"
              label="Sent mail to sync"
              value={form.sentQuery}
              onValueChange={(sentQuery) => change({ sentQuery })}
              errors={shown("sentQuery", "google-sync-sent-query-error", problems.sentQuery)}
              disabled={!form.gmail}
            />
          ) : null}
          <TextField
            id="google-sync-labels"
            label="Labels to count in the preview"
            hint="Separated by commas, e.g. INBOX, IMPORTANT"
            value={form.labels}
            onValueChange={(labels) => change({ labels })}
            errors={[]}
            disabled={!form.gmail}
          />
        </fieldset>
        <fieldset className="fieldset">
          <legend className="fieldset__legend">
            <label>
              <input type="checkbox" checked={form.calendar} onChange={(event) => change({ calendar: event.target.checked })} data-testid="google-sync-calendar" /> Calendar
            </label>
          </legend>
          <div className="sync-form__row">
            <TextField
              id="google-sync-days-back"
              label="Days back"
              inputMode="numeric"
              value={form.daysBack}
              onValueChange={(daysBack) => change({ daysBack })}
              errors={shown("daysBack", "google-sync-days-back-error", problems.daysBack)}
              disabled={!form.calendar}
            />
            <TextField
              id="google-sync-days-ahead"
              label="Days ahead"
              inputMode="numeric"
              value={form.daysAhead}
              onValueChange={(daysAhead) => change({ daysAhead })}
              errors={shown("daysAhead", "google-sync-days-ahead-error", problems.daysAhead)}
              disabled={!form.calendar}
            />
          </div>
        </fieldset>
      </form>
      {preview ? <PreviewResult preview={preview} /> : null}
    </Overlay>
  );
}

function PreviewResult({ preview }: { preview: SyncPreview }) {
  return (
    <section className="sync-preview" aria-label="Preview" data-testid="google-sync-preview">
      {preview.gmail ? (
        <div>
          <h3 className="section-subtitle">Gmail: about {preview.gmail.estimated_messages} messages</h3>
          {preview.gmail.by_label.length > 0 ? (
            <ul className="sync-preview__labels">
              {preview.gmail.by_label.map((count) => (
                <li key={count.label}>
                  {count.label}: {count.messages}
                </li>
              ))}
            </ul>
          ) : null}
          {preview.gmail.sample_subjects.length > 0 ? (
            <ul className="sync-preview__samples" data-testid="google-sync-preview-subjects">
              {preview.gmail.sample_subjects.map((subject, index) => (
                <li key={`${index}-${subject}`}>{subject || "(no subject)"}</li>
              ))}
            </ul>
          ) : (
            <p className="muted small">No mail matches.</p>
          )}
        </div>
      ) : null}
      {preview.calendar ? (
        <div>
          <h3 className="section-subtitle">
            Calendar: {preview.calendar.events} events from {formatDateTime(preview.calendar.window_start)} to {formatDateTime(preview.calendar.window_end)}
          </h3>
          {preview.calendar.sample_titles.length > 0 ? (
            <ul className="sync-preview__samples" data-testid="google-sync-preview-titles">
              {preview.calendar.sample_titles.map((title, index) => (
                <li key={`${index}-${title}`}>{title || "(no title)"}</li>
              ))}
            </ul>
          ) : (
            <p className="muted small">No events in that window.</p>
          )}
        </div>
      ) : null}
    </section>
  );
}
