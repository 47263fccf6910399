import { useCallback, useEffect, useId, useState } from "react";
import { api, type IgnoredIdentifier } from "../../api";
import { errorsByField } from "../../lib/fieldErrors";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { useToasts } from "../Toasts";

/** Addresses and patterns (`*@newsletter.example`) never turned into contacts. */
export function IgnoreListSection() {
  const { showError, announce } = useToasts();
  const formId = useId();
  const [entries, setEntries] = useState<IgnoredIdentifier[] | null>(null);
  const [pattern, setPattern] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [adding, setAdding] = useState(false);

  const load = useCallback(() => {
    api.listIgnored().then(setEntries, (error: unknown) => showError(error, "Could not load the ignore list"));
  }, [showError]);
  useEffect(load, [load]);

  const add = async () => {
    setAdding(true);
    setErrors({});
    try {
      await api.ignoreIdentifier(pattern.trim(), reason.trim() || null);
      setPattern("");
      setReason("");
      load();
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) setErrors(fields);
      else showError(error, "Could not add the pattern");
    } finally {
      setAdding(false);
    }
  };

  const remove = async (entry: IgnoredIdentifier) => {
    try {
      await api.unignoreIdentifier(entry.id);
      announce(`${entry.pattern} removed from the ignore list.`);
      load();
    } catch (error) {
      showError(error, "Could not remove the pattern");
    }
  };

  return (
    <div className="ignore-list" data-testid="ignore-list">
      <form
        className="compact-form compact-form--inline"
        aria-label="Ignore an address or pattern"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <div className="field">
          <label className="field__label" htmlFor={`${formId}-pattern`}>
            Address or pattern
          </label>
          <input
            id={`${formId}-pattern`}
            className="input"
            placeholder="*@newsletter.example"
            value={pattern}
            onChange={(event) => setPattern(event.target.value)}
            aria-invalid={errors.pattern ? true : undefined}
            aria-describedby={errors.pattern ? `${formId}-pattern-error` : undefined}
            data-testid="ignore-pattern-input"
          />
          <InlineError id={`${formId}-pattern-error`} field="pattern" message={errors.pattern} />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${formId}-reason`}>
            Reason (optional)
          </label>
          <input id={`${formId}-reason`} className="input" value={reason} onChange={(event) => setReason(event.target.value)} />
        </div>
        <Button type="submit" icon="plus" busy={adding} disabled={!pattern.trim()} data-testid="ignore-add-button">
          Add
        </Button>
      </form>
      {entries === null ? (
        <p className="muted">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="muted" data-testid="ignore-empty">Nothing is ignored.</p>
      ) : (
        <ul className="ignore-list__items">
          {entries.map((entry) => (
            <li key={entry.id} className="ignore-list__item" data-testid="ignore-item">
              <code>{entry.pattern}</code>
              {entry.reason ? <span className="muted small">{entry.reason}</span> : null}
              {entry.is_system ? <span className="badge">Built in</span> : null}
              <Button size="sm" variant="ghost" icon="trash" iconOnly label={`Stop ignoring ${entry.pattern}`} onClick={() => remove(entry)} data-testid="ignore-remove-button" />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
