import { Select } from "../Select";
import { describedBy, FieldErrors, type ShownError } from "./FieldErrors";

type SelectFieldProps = {
  id: string;
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  options: ReadonlyArray<{ value: string; label: string }>;
  errors: ShownError[];
  testId?: string;
};

export function SelectField({ id, label, value, onValueChange, options, errors, testId }: SelectFieldProps) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <Select
        id={id}
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        options={options}
        aria-invalid={errors.length > 0 || undefined}
        aria-describedby={describedBy(errors)}
        data-testid={testId}
      />
      <FieldErrors errors={errors} />
    </div>
  );
}
