import { useCallback, useEffect, useId, useState } from "react";
import { api, toAppError, type AccessEntry } from "../../api";
import { accessEntryClient, parseRetention, retentionText, splitRetention, type RetentionUnit } from "../../lib/accessLog";
import { errorMessage } from "../../lib/aiErrors";
import { errorsByField } from "../../lib/fieldErrors";
import { Button } from "../Button";
import { AccessLogList } from "../contacts/AccessLogPanel";
import { InlineError } from "../form/InlineError";
import { Select } from "../Select";
import { useToasts } from "../Toasts";

/** How many of the latest entries, across all clients, the section shows. */
export const ACCESS_LOG_LATEST = 50;

const UNIT_OPTIONS: Array<{ value: RetentionUnit; label: string }> = [
  { value: "years", label: "years" },
  { value: "days", label: "days" },
];

/**
 * The access log in Settings: how long entries are kept, and the latest ones across all
 * clients with each client's name. Each client's own entries are on their page.
 */
export function AccessLogSection() {
  const { showError, announce } = useToasts();
  const baseId = useId();
  const [retentionDays, setRetentionDays] = useState<number | null>(null);
  const [amount, setAmount] = useState("");
  const [unit, setUnit] = useState<RetentionUnit>("years");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [entries, setEntries] = useState<AccessEntry[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const showRetention = (days: number) => {
    const split = splitRetention(days);
    setRetentionDays(days);
    setAmount(String(split.amount));
    setUnit(split.unit);
  };

  const loadEntries = useCallback(() => {
    api.accessLogList(null, ACCESS_LOG_LATEST).then(
      (list) => {
        setEntries(list);
        setLoadError(null);
      },
      (error: unknown) => {
        setEntries([]);
        setLoadError(errorMessage(toAppError(error)));
      },
    );
  }, []);

  useEffect(() => {
    let current = true;
    api.accessLogRetention().then(
      (days) => {
        if (current) showRetention(days);
      },
      (error: unknown) => {
        if (current) setLoadError(errorMessage(toAppError(error)));
      },
    );
    loadEntries();
    return () => {
      current = false;
    };
  }, [loadEntries]);

  const save = async () => {
    const parsed = parseRetention(amount, unit);
    if ("error" in parsed) {
      setFieldError(parsed.error);
      return;
    }
    setFieldError(null);
    setSaving(true);
    try {
      const days = await api.accessLogSetRetention(parsed.days);
      showRetention(days);
      announce(`The access log is now kept for ${retentionText(days)}.`);
      loadEntries();
    } catch (error) {
      const byField = errorsByField(error);
      if (byField.retention_days) setFieldError(`This ${byField.retention_days}.`);
      else showError(error, "Could not change how long the access log is kept");
    } finally {
      setSaving(false);
    }
  };

  const errorId = `${baseId}-retention-error`;

  return (
    <div className="access-log-settings" data-testid="access-log-section">
      <p className="muted">
        OmniCRM notes each time a client's data is viewed, exported, sent to an AI provider or shared with your team: when,
        what and on which computer. The notes cannot be edited; they are removed only once they are older than you choose
        here. Each client's own record is on their page.
      </p>
      <form
        className="compact-form"
        aria-label="How long to keep the access log"
        data-testid="access-log-retention-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <div className="compact-form__row">
          <label className="inline-field" htmlFor={`${baseId}-amount`}>
            Keep entries for
          </label>
          <input
            id={`${baseId}-amount`}
            className="input input--sm input--narrow"
            inputMode="numeric"
            value={amount}
            disabled={retentionDays === null}
            onChange={(event) => {
              setAmount(event.target.value);
              setFieldError(null);
            }}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? errorId : undefined}
            data-testid="access-log-retention-amount"
          />
          <Select
            size="sm"
            aria-label="Years or days"
            value={unit}
            options={UNIT_OPTIONS}
            disabled={retentionDays === null}
            onChange={(event) => {
              setUnit(event.target.value as RetentionUnit);
              setFieldError(null);
            }}
            data-testid="access-log-retention-unit"
          />
          <Button type="submit" size="sm" variant="primary" busy={saving} disabled={retentionDays === null} data-testid="access-log-retention-save">
            Save
          </Button>
        </div>
        <InlineError id={errorId} field="retention_days" message={fieldError ?? undefined} />
        {retentionDays !== null ? (
          <p className="muted small" data-testid="access-log-retention-current">
            Entries are kept for {retentionText(retentionDays)}; older ones are removed. Between 30 days and 100 years.
          </p>
        ) : null}
      </form>

      <h3 className="transfer__subtitle">Latest entries</h3>
      {loadError ? (
        <p className="field-error" role="alert" data-testid="access-log-section-error">
          Could not load the access log: {loadError}
        </p>
      ) : null}
      {entries === null ? (
        <p className="muted">Loading…</p>
      ) : entries.length === 0 ? (
        loadError ? null : (
          <p className="muted" data-testid="access-log-section-empty">
            Nothing yet. Entries appear here once a client's record is opened, exported, sent to an AI provider or shared with your
            team.
          </p>
        )
      ) : (
        <AccessLogList entries={entries} label="Latest access log entries" client={accessEntryClient} />
      )}
    </div>
  );
}
