import type { InputHTMLAttributes } from "react";
import { describedBy, FieldErrors, type ShownError } from "./FieldErrors";

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value"> & {
  id: string;
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  errors: ShownError[];
  hint?: string;
  testId?: string;
  inputRef?: React.Ref<HTMLInputElement>;
  className?: string;
};

/** A labelled text input whose errors are linked with aria-invalid/aria-describedby. */
export function TextField({
  id,
  label,
  value,
  onValueChange,
  errors,
  hint,
  testId,
  inputRef,
  className,
  required,
  ...rest
}: TextFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className={className ? `field ${className}` : "field"}>
      <label className="field__label" htmlFor={id}>
        {label}
        {required ? <span className="field__required" aria-hidden="true"> *</span> : null}
      </label>
      <input
        ref={inputRef}
        id={id}
        className="input"
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        aria-invalid={errors.length > 0 || undefined}
        aria-describedby={describedBy(errors, hintId)}
        aria-required={required || undefined}
        data-testid={testId}
        {...rest}
      />
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      <FieldErrors errors={errors} />
    </div>
  );
}
