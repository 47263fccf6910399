import { useEffect, useId, useState } from "react";
import { addDays } from "../../lib/keepInTouch";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { Overlay } from "../Overlay";

type SnoozeDialogProps = {
  open: boolean;
  /** "Snooze Ada Lovelace", "Snooze “Send the intake form”". */
  title: string;
  onClose: () => void;
  /** Receives a local date (`YYYY-MM-DD`); resolves once saved. */
  onSnooze: (until: string) => Promise<void>;
};

/** Picks the day something shows again: tomorrow, next week, or any date. */
export function SnoozeDialog({ open, title, onClose, onSnooze }: SnoozeDialogProps) {
  const baseId = useId();
  const [date, setDate] = useState(() => addDays(1));
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (open) {
      setDate(addDays(1));
      setError(undefined);
    }
  }, [open]);

  const submit = async (until: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(until)) {
      setError("Choose a date");
      return;
    }
    if (until <= addDays(0)) {
      setError("Choose a day after today");
      return;
    }
    setSaving(true);
    try {
      await onSnooze(until);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Overlay open={open} onClose={onClose} title={title} size="sm" testId="snooze-dialog">
      <form
        className="compact-form"
        aria-label={title}
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit(date);
        }}
      >
        <div className="compact-form__row">
          <Button size="sm" onClick={() => void submit(addDays(1))} disabled={saving} data-testid="snooze-tomorrow">
            Tomorrow
          </Button>
          <Button size="sm" onClick={() => void submit(addDays(7))} disabled={saving} data-testid="snooze-next-week">
            Next week
          </Button>
        </div>
        <label className="field">
          <span className="field__label">Or show again on</span>
          <input
            className="input"
            type="date"
            value={date}
            min={addDays(1)}
            autoFocus
            onChange={(event) => setDate(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${baseId}-error` : undefined}
            data-testid="snooze-date"
          />
        </label>
        <InlineError id={`${baseId}-error`} field="until" message={error} />
        <div className="compact-form__actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={saving} data-testid="snooze-save">
            Snooze
          </Button>
        </div>
      </form>
    </Overlay>
  );
}
