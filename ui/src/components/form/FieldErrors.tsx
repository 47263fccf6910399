import type { PlacedError } from "../../lib/contactFormModel";

export type ShownError = PlacedError & { elementId: string };

/** The error texts for one input. Each carries data-testid="field-error-<server path>". */
export function FieldErrors({ errors }: { errors: ShownError[] }) {
  if (errors.length === 0) return null;
  return (
    <>
      {errors.map((error) => (
        <p key={error.elementId} id={error.elementId} className="field-error" data-testid={`field-error-${error.field}`}>
          {error.message}
        </p>
      ))}
    </>
  );
}

export function describedBy(errors: ShownError[], hintId?: string): string | undefined {
  const ids = [...(hintId ? [hintId] : []), ...errors.map((error) => error.elementId)];
  return ids.length > 0 ? ids.join(" ") : undefined;
}

/** The backend's error for `field` (from `errorsByField`), placed on the input `id`. */
export function shownFieldError(byField: Record<string, string>, field: string, id: string): ShownError[] {
  const message = byField[field];
  return message ? [{ field, message, target: field, elementId: `${id}-error` }] : [];
}
