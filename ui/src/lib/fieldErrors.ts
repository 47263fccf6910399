import { toAppError } from "../api";

/** The server's field errors (`details.fields`) keyed by field path, for inline display. */
export function errorsByField(error: unknown): Record<string, string> {
  const appError = toAppError(error);
  const byField: Record<string, string> = {};
  for (const field of appError.details?.fields ?? []) byField[field.field] ??= field.message;
  return byField;
}

/** True when the error carries field errors the form shows inline. */
export function hasFieldErrors(error: unknown): boolean {
  return Object.keys(errorsByField(error)).length > 0;
}

/** Today in the user's local time zone, as `YYYY-MM-DD` (task due dates are calendar dates). */
export function localToday(now: Date = new Date()): string {
  const month = String(now.getMonth() + 1).padStart(2, "0");
  const day = String(now.getDate()).padStart(2, "0");
  return `${now.getFullYear()}-${month}-${day}`;
}
