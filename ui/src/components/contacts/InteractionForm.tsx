import { useEffect, useId, useRef, useState } from "react";
import { api, type Interaction, type InteractionKind } from "../../api";
import { errorsByField } from "../../lib/fieldErrors";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { Select } from "../Select";
import { useToasts } from "../Toasts";

const KIND_OPTIONS: Array<{ value: InteractionKind; label: string }> = [
  { value: "call", label: "Call" },
  { value: "meeting", label: "Meeting" },
  { value: "email", label: "Email" },
];

/** `datetime-local` value for now, in local time. */
function localNow(): string {
  const now = new Date();
  now.setSeconds(0, 0);
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

type InteractionFormProps = {
  contactId: string;
  onSaved: (interaction: Interaction) => void;
  /** Told whether anything was typed and not saved yet (so closing the contact can ask first). */
  onDirtyChange?: (dirty: boolean) => void;
};

/** Logs a call or meeting with this contact. */
export function InteractionForm({ contactId, onSaved, onDirtyChange }: InteractionFormProps) {
  const { showError, announce } = useToasts();
  const baseId = useId();
  const [kind, setKind] = useState<InteractionKind>("call");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [when, setWhen] = useState(localNow);
  const [duration, setDuration] = useState("");
  const [saving, setSaving] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const dirty = subject.trim() !== "" || body.trim() !== "" || duration.trim() !== "";
  const dirtyListener = useRef(onDirtyChange);
  dirtyListener.current = onDirtyChange;
  useEffect(() => {
    dirtyListener.current?.(dirty);
  }, [dirty]);
  useEffect(() => () => dirtyListener.current?.(false), []);

  const submit = async () => {
    const localErrors: Record<string, string> = {};
    const minutes = duration.trim() === "" ? null : Number(duration);
    if (minutes !== null && (!Number.isInteger(minutes) || minutes < 0)) localErrors.duration_minutes = "Enter whole minutes";
    const occurred = when ? new Date(when) : null;
    if (occurred && Number.isNaN(occurred.getTime())) localErrors.occurred_at = "Enter a valid date and time";
    setErrors(localErrors);
    if (Object.keys(localErrors).length > 0) return;
    setSaving(true);
    try {
      const interaction = await api.createInteraction({
        kind,
        subject: subject.trim() || null,
        body: body.trim() || null,
        occurred_at: occurred ? occurred.toISOString() : null,
        duration_minutes: minutes,
        contact_ids: [contactId],
        source: null,
        source_id: null,
        source_metadata: null,
      });
      setSubject("");
      setBody("");
      setDuration("");
      setWhen(localNow());
      announce(`${kind === "meeting" ? "Meeting" : kind === "email" ? "Email" : "Call"} logged.`);
      onSaved(interaction);
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) setErrors(fields);
      else showError(error, "Could not log the interaction");
    } finally {
      setSaving(false);
    }
  };

  const describe = (field: string) => (errors[field] ? `${baseId}-${field}-error` : undefined);

  return (
    <form
      className="compact-form"
      aria-label="Log a call or meeting"
      data-testid="interaction-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <div className="compact-form__row">
        <label className="inline-field">
          <span>Kind</span>
          <Select size="sm" aria-label="Interaction kind" value={kind} options={KIND_OPTIONS} onChange={(event) => setKind(event.target.value as InteractionKind)} data-testid="interaction-kind" />
        </label>
        <label className="inline-field">
          <span>When</span>
          <input className="input input--sm" type="datetime-local" value={when} onChange={(event) => setWhen(event.target.value)} aria-invalid={errors.occurred_at ? true : undefined} aria-describedby={describe("occurred_at")} data-testid="interaction-when" />
        </label>
        <label className="inline-field">
          <span>Minutes</span>
          <input className="input input--sm input--narrow" inputMode="numeric" value={duration} onChange={(event) => setDuration(event.target.value)} aria-invalid={errors.duration_minutes ? true : undefined} aria-describedby={describe("duration_minutes")} data-testid="interaction-duration" />
        </label>
      </div>
      <InlineError id={`${baseId}-occurred_at-error`} field="occurred_at" message={errors.occurred_at} />
      <InlineError id={`${baseId}-duration_minutes-error`} field="duration_minutes" message={errors.duration_minutes} />
      <label className="field">
        <span className="field__label">Subject</span>
        <input className="input" value={subject} onChange={(event) => setSubject(event.target.value)} aria-invalid={errors.subject ? true : undefined} aria-describedby={describe("subject")} data-testid="interaction-subject" />
      </label>
      <InlineError id={`${baseId}-subject-error`} field="subject" message={errors.subject} />
      <label className="field">
        <span className="field__label">Summary</span>
        <textarea className="input textarea" rows={2} value={body} onChange={(event) => setBody(event.target.value)} data-testid="interaction-body" />
      </label>
      <InlineError id={`${baseId}-contact_ids-error`} field="contact_ids" message={errors.contact_ids ?? errors.kind} />
      <div className="compact-form__actions">
        <Button type="submit" size="sm" variant="primary" busy={saving} data-testid="interaction-save-button">
          Log {kind === "meeting" ? "meeting" : kind === "email" ? "email" : "call"}
        </Button>
      </div>
    </form>
  );
}
