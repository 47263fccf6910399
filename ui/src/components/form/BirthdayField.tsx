import { useMemo } from "react";
import { dayFirst, joinBirthday, monthNames, splitBirthday, type BirthdayParts } from "../../lib/birthday";
import { Select } from "../Select";
import { describedBy, FieldErrors, type ShownError } from "./FieldErrors";

type BirthdayFieldProps = {
  id: string;
  /** "YYYY-MM-DD", "--MM-DD" without a year, missing parts empty while being filled, or "" for none. */
  value: string;
  onValueChange: (value: string) => void;
  errors: ShownError[];
  testId?: string;
};

/**
 * Date of birth as day and month menus and an optional year box, in the order the user writes
 * dates. No calendar to page back through decades, nothing to type in a fixed pattern, and a
 * birthday without its year is fine (stored as --MM-DD).
 */
export function BirthdayField({ id, value, onValueChange, errors, testId = "field-date_of_birth" }: BirthdayFieldProps) {
  const parts = splitBirthday(value);
  const months = useMemo(() => monthNames(), []);
  const order = useMemo(() => (dayFirst() ? (["day", "month"] as const) : (["month", "day"] as const)), []);
  const hintId = `${id}-hint`;
  const invalid = errors.length > 0 || undefined;
  const describedByIds = describedBy(errors, hintId);

  const change = (part: keyof BirthdayParts, next: string) => onValueChange(joinBirthday({ ...parts, [part]: next }));

  const controls = {
    day: (
      <div className="birthday__part" key="day">
        <label className="field__label field__label--sub" htmlFor={`${id}-day`}>
          Day
        </label>
        <Select
          id={`${id}-day`}
          value={parts.day}
          onChange={(event) => change("day", event.target.value)}
          options={[{ value: "", label: "—" }, ...Array.from({ length: 31 }, (_, index) => ({ value: String(index + 1), label: String(index + 1) }))]}
          aria-invalid={invalid}
          aria-describedby={describedByIds}
          data-testid={`${testId}-day`}
        />
      </div>
    ),
    month: (
      <div className="birthday__part birthday__part--month" key="month">
        <label className="field__label field__label--sub" htmlFor={`${id}-month`}>
          Month
        </label>
        <Select
          id={`${id}-month`}
          value={parts.month}
          onChange={(event) => change("month", event.target.value)}
          options={[{ value: "", label: "—" }, ...months.map((name, index) => ({ value: String(index + 1), label: name }))]}
          aria-invalid={invalid}
          aria-describedby={describedByIds}
          data-testid={`${testId}-month`}
        />
      </div>
    ),
  };

  return (
    <fieldset className="fieldset birthday" data-testid={testId}>
      <legend className="fieldset__legend">Date of birth</legend>
      <div className="birthday__parts">
        {order.map((part) => controls[part])}
        <div className="birthday__part birthday__part--year">
          <label className="field__label field__label--sub" htmlFor={`${id}-year`}>
            Year
          </label>
          <input
            id={`${id}-year`}
            className="input"
            value={parts.year}
            onChange={(event) => change("year", event.target.value.replace(/\D/g, "").slice(0, 4))}
            inputMode="numeric"
            autoComplete="off"
            placeholder="Optional"
            maxLength={4}
            aria-invalid={invalid}
            aria-describedby={describedByIds}
            data-testid={`${testId}-year`}
          />
        </div>
        {value ? (
          <button type="button" className="button button--ghost button--sm birthday__clear" onClick={() => onValueChange("")}>
            Clear
          </button>
        ) : null}
      </div>
      <p id={hintId} className="field__hint">
        The year is optional: leave it empty if you only know the birthday.
      </p>
      <FieldErrors errors={errors} />
    </fieldset>
  );
}
