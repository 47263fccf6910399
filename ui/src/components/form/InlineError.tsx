/** One inline field error, linked to its input through `id` (use it in aria-describedby). */
export function InlineError({ id, field, message }: { id: string; field: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="field-error" data-testid={`field-error-${field}`}>
      {message}
    </p>
  );
}
