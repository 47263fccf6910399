import { useId, useState } from "react";
import type { CadenceSetting, CadenceUnit } from "../../api";
import { CADENCE_UNIT_OPTIONS } from "../../lib/keepInTouch";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { Select } from "../Select";

type Mode = CadenceSetting["kind"];

type CadenceEditorProps = {
  /** The person's own setting now. */
  setting: CadenceSetting;
  /** What "Default" means for this person: "every 2 weeks, from the VIP Client tag". */
  defaultText: string;
  onSave: (setting: CadenceSetting) => Promise<void>;
  /** Shown next to Save, e.g. Cancel in a dialog. */
  onCancel?: () => void;
  /** Focus the choice on mount (in a dialog). */
  autoFocus?: boolean;
};

/** How often to keep in touch: the tag or stage default, not at all, or every N days/weeks/months. */
export function CadenceEditor({ setting, defaultText, onSave, onCancel, autoFocus = false }: CadenceEditorProps) {
  const baseId = useId();
  const [mode, setMode] = useState<Mode>(setting.kind);
  const [every, setEvery] = useState(setting.kind === "every" ? String(setting.cadence.every) : "2");
  const [unit, setUnit] = useState<CadenceUnit>(setting.kind === "every" ? setting.cadence.unit : "week");
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    let next: CadenceSetting;
    if (mode === "every") {
      const count = Number(every);
      if (!Number.isInteger(count) || count < 1 || count > 999) {
        setError("Enter a whole number from 1 to 999");
        return;
      }
      next = { kind: "every", cadence: { every: count, unit } };
    } else {
      next = { kind: mode };
    }
    setError(undefined);
    setSaving(true);
    try {
      await onSave(next);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="compact-form cadence-editor"
      aria-label="How often to keep in touch"
      data-testid="cadence-editor"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <div className="compact-form__row">
        <label className="inline-field">
          <span>How often</span>
          <Select
            size="sm"
            aria-label="How often to keep in touch"
            value={mode}
            options={[
              { value: "default", label: `Default (${defaultText})` },
              { value: "none", label: "Not keeping in touch" },
              { value: "every", label: "Every…" },
            ]}
            onChange={(event) => setMode(event.target.value as Mode)}
            data-testid="cadence-mode"
            autoFocus={autoFocus}
          />
        </label>
        {mode === "every" ? (
          <>
            <label className="inline-field">
              <span className="visually-hidden">How many</span>
              <input
                className="input input--sm input--narrow"
                inputMode="numeric"
                value={every}
                onChange={(event) => setEvery(event.target.value)}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${baseId}-error` : undefined}
                data-testid="cadence-every"
              />
            </label>
            <Select
              size="sm"
              aria-label="Days, weeks or months"
              value={unit}
              options={CADENCE_UNIT_OPTIONS}
              onChange={(event) => setUnit(event.target.value as CadenceUnit)}
              data-testid="cadence-unit"
            />
          </>
        ) : null}
        <Button type="submit" size="sm" variant="primary" busy={saving} data-testid="cadence-save">
          Save
        </Button>
        {onCancel ? (
          <Button size="sm" onClick={onCancel}>
            Cancel
          </Button>
        ) : null}
      </div>
      <InlineError id={`${baseId}-error`} field="cadence" message={error} />
    </form>
  );
}
