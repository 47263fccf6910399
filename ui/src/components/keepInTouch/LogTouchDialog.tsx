import { useEffect, useId, useRef, useState } from "react";
import type { InteractionKind } from "../../api";
import { Button } from "../Button";
import { Overlay } from "../Overlay";

/** "Message" is logged as an email: the kinds the backend knows are call, meeting and email. */
export const TOUCH_KINDS: Array<{ value: InteractionKind; label: string }> = [
  { value: "call", label: "Call" },
  { value: "meeting", label: "Meeting" },
  { value: "email", label: "Message" },
];

export function touchKindLabel(kind: InteractionKind): string {
  return TOUCH_KINDS.find((entry) => entry.value === kind)?.label ?? "Contact";
}

type LogTouchDialogProps = {
  open: boolean;
  name: string;
  onClose: () => void;
  onLog: (kind: InteractionKind, summary: string | null) => Promise<void>;
};

/** Records that the practitioner was in touch with someone just now. */
export function LogTouchDialog({ open, name, onClose, onLog }: LogTouchDialogProps) {
  const baseId = useId();
  const [kind, setKind] = useState<InteractionKind>("call");
  const [summary, setSummary] = useState("");
  const [saving, setSaving] = useState(false);
  // The chosen kind takes the focus: arrows pick another, Tab goes on to the summary.
  const firstKind = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (open) {
      setKind("call");
      setSummary("");
    }
  }, [open]);

  const submit = async () => {
    setSaving(true);
    try {
      await onLog(kind, summary.trim() || null);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Overlay open={open} onClose={onClose} title={`Log a touch with ${name}`} size="sm" testId="log-touch-dialog" initialFocusRef={firstKind}>
      <form
        className="compact-form"
        aria-label={`Log a touch with ${name}`}
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <fieldset className="fieldset">
          <legend className="fieldset__legend">How</legend>
          <div className="compact-form__row">
          {TOUCH_KINDS.map((option) => (
            <label key={option.value} className="inline-field">
              <input
                type="radio"
                name={`${baseId}-kind`}
                value={option.value}
                ref={option.value === "call" ? firstKind : undefined}
                checked={kind === option.value}
                onChange={() => setKind(option.value)}
                data-testid={`log-touch-kind-${option.label.toLowerCase()}`}
              />
              <span>{option.label}</span>
            </label>
          ))}
          </div>
        </fieldset>
        <label className="field">
          <span className="field__label">Summary (optional)</span>
          <input
            className="input"
            value={summary}
            placeholder="Check-in"
            onChange={(event) => setSummary(event.target.value)}
            data-testid="log-touch-summary"
          />
        </label>
        <div className="compact-form__actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={saving} data-testid="log-touch-save">
            Log {touchKindLabel(kind).toLowerCase()}
          </Button>
        </div>
      </form>
    </Overlay>
  );
}
