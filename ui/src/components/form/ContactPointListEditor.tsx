import { useEffect, useRef } from "react";
import type { ContactPointRow } from "../../lib/contactFormModel";
import { Button } from "../Button";
import { describedBy, FieldErrors, type ShownError } from "./FieldErrors";

type ContactPointListEditorProps = {
  kind: "email" | "phone";
  legend: string;
  rows: ContactPointRow[];
  onChange: (rows: ContactPointRow[]) => void;
  /** Adds a blank row and returns its key. */
  onAdd: () => string;
  /** Errors for the row's main input and its label input. */
  errorsForRow: (rowKey: string, part: "value" | "label") => ShownError[];
  /** Errors about the list as a whole ("emails", or an index past the end). */
  listErrors: ShownError[];
  onRowEdited: (rowKey: string, part: "value" | "label") => void;
};

/** Repeatable email or phone entries: value, label, primary radio, remove. */
export function ContactPointListEditor({
  kind,
  legend,
  rows,
  onChange,
  onAdd,
  errorsForRow,
  listErrors,
  onRowEdited,
}: ContactPointListEditorProps) {
  const noun = kind === "email" ? "email" : "phone number";
  const listRef = useRef<HTMLUListElement>(null);
  const focusKeyRef = useRef<string | null>(null);

  // After "Add", move focus to the new entry's input.
  useEffect(() => {
    const key = focusKeyRef.current;
    if (!key) return;
    focusKeyRef.current = null;
    listRef.current?.querySelector<HTMLInputElement>(`[data-row-key="${key}"] input`)?.focus();
  }, [rows]);
  const update = (key: string, patch: Partial<ContactPointRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));

  const remove = (key: string) => {
    const remaining = rows.filter((row) => row.key !== key);
    if (remaining.length > 0 && !remaining.some((row) => row.isPrimary)) remaining[0] = { ...remaining[0], isPrimary: true };
    onChange(remaining);
  };

  const setPrimary = (key: string) => onChange(rows.map((row) => ({ ...row, isPrimary: row.key === key })));

  return (
    <fieldset className="fieldset" aria-describedby={describedBy(listErrors)}>
      <legend className="fieldset__legend">{legend}</legend>
      <FieldErrors errors={listErrors} />
      {rows.length === 0 ? <p className="muted fieldset__empty">No {noun}s yet.</p> : null}
      <ul className="point-list" ref={listRef}>
        {rows.map((row, index) => {
          const valueErrors = errorsForRow(row.key, "value");
          const labelErrors = errorsForRow(row.key, "label");
          const valueId = `${kind}-${row.key}-value`;
          const labelId = `${kind}-${row.key}-label`;
          return (
            <li key={row.key} className="point-row" data-row-key={row.key} data-testid={`${kind}-row-${index}`}>
              <div className="point-row__value field">
                <label className="visually-hidden" htmlFor={valueId}>
                  {kind === "email" ? `Email address ${index + 1}` : `Phone number ${index + 1}`}
                </label>
                <input
                  id={valueId}
                  className="input"
                  type={kind === "email" ? "text" : "tel"}
                  inputMode={kind === "email" ? "email" : "tel"}
                  autoComplete="off"
                  spellCheck={false}
                  placeholder={kind === "email" ? "name@example.com" : "+1 415 555 0123"}
                  value={row.value}
                  onChange={(event) => {
                    update(row.key, { value: event.target.value });
                    onRowEdited(row.key, "value");
                  }}
                  aria-invalid={valueErrors.length > 0 || undefined}
                  aria-describedby={describedBy(valueErrors)}
                  data-testid={`field-${kind}-${index}`}
                />
                <FieldErrors errors={valueErrors} />
              </div>
              <div className="point-row__label field">
                <label className="visually-hidden" htmlFor={labelId}>
                  {`Label for ${noun} ${index + 1}`}
                </label>
                <input
                  id={labelId}
                  className="input"
                  placeholder="Label (e.g. work)"
                  value={row.label}
                  onChange={(event) => {
                    update(row.key, { label: event.target.value });
                    onRowEdited(row.key, "label");
                  }}
                  aria-invalid={labelErrors.length > 0 || undefined}
                  aria-describedby={describedBy(labelErrors)}
                  data-testid={`field-${kind}-label-${index}`}
                />
                <FieldErrors errors={labelErrors} />
              </div>
              <label className="radio point-row__primary">
                <input
                  type="radio"
                  className="radio__control"
                  name={`${kind}-primary`}
                  checked={row.isPrimary}
                  onChange={() => setPrimary(row.key)}
                />
                <span>Primary</span>
              </label>
              <Button
                variant="ghost"
                size="sm"
                icon="trash"
                iconOnly
                label={`Remove ${noun} ${index + 1}`}
                onClick={() => remove(row.key)}
              />
            </li>
          );
        })}
      </ul>
      <Button size="sm" variant="ghost" icon="plus" onClick={() => {
          focusKeyRef.current = onAdd();
        }}
        data-testid={`contact-form-add-${kind}`}>
        Add {noun}
      </Button>
    </fieldset>
  );
}
