import { blankKeyValueRow, type KeyValueRow } from "../../lib/contactFormModel";
import { Button } from "../Button";
import { describedBy, FieldErrors, type ShownError } from "./FieldErrors";

type KeyValueEditorProps = {
  id: string;
  legend: string;
  description: string;
  rows: KeyValueRow[];
  onChange: (rows: KeyValueRow[]) => void;
  errors: ShownError[];
  namePlaceholder: string;
  valuePlaceholder: string;
  testId: string;
};

/** Edits a flat JSON object as name/value rows. */
export function KeyValueEditor({
  id,
  legend,
  description,
  rows,
  onChange,
  errors,
  namePlaceholder,
  valuePlaceholder,
  testId,
}: KeyValueEditorProps) {
  const descriptionId = `${id}-description`;
  const update = (key: string, patch: Partial<KeyValueRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));

  return (
    <fieldset className="fieldset" aria-describedby={describedBy(errors, descriptionId)} data-testid={testId}>
      <legend className="fieldset__legend">{legend}</legend>
      <p id={descriptionId} className="field__hint">
        {description}
      </p>
      <FieldErrors errors={errors} />
      {rows.length > 0 ? (
        <ul className="kv-list">
          {rows.map((row, index) => (
            <li key={row.key} className="kv-row">
              <label className="visually-hidden" htmlFor={`${id}-${row.key}-name`}>
                {`${legend} item ${index + 1} name`}
              </label>
              <input
                id={`${id}-${row.key}-name`}
                className="input"
                placeholder={namePlaceholder}
                value={row.name}
                onChange={(event) => update(row.key, { name: event.target.value })}
                aria-invalid={errors.length > 0 || undefined}
              />
              <label className="visually-hidden" htmlFor={`${id}-${row.key}-value`}>
                {`${legend} item ${index + 1} value`}
              </label>
              <input
                id={`${id}-${row.key}-value`}
                className="input"
                placeholder={valuePlaceholder}
                value={row.value}
                onChange={(event) => update(row.key, { value: event.target.value })}
              />
              <Button
                variant="ghost"
                size="sm"
                icon="trash"
                iconOnly
                label={`Remove ${legend.toLowerCase()} item ${index + 1}`}
                onClick={() => onChange(rows.filter((item) => item.key !== row.key))}
              />
            </li>
          ))}
        </ul>
      ) : null}
      <Button size="sm" variant="ghost" icon="plus" onClick={() => onChange([...rows, blankKeyValueRow()])}>
        Add item
      </Button>
    </fieldset>
  );
}
