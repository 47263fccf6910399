import type { AppError } from "../../api";
import { errorLines } from "./transferLabels";

/** An `AppError` as an alert: its message and every field problem. */
export function ErrorAlert({ error, title, testId }: { error: AppError; title: string; testId?: string }) {
  const lines = errorLines(error);
  return (
    <div className="alert alert--error" role="alert" data-testid={testId}>
      <div>
        <p className="alert__title">{title}</p>
        <p>{error.message}</p>
        {lines.length > 0 ? (
          <ul className="transfer__error-list">
            {lines.map((line, index) => (
              <li key={index}>{line}</li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
