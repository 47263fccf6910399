import { useCallback, useEffect, useId, useState } from "react";
import { api, toAppError, type CadenceUnit, type DefaultScope, type KeepInTouchDefault, type LifecycleStage, type TagWithUsage } from "../../api";
import { errorMessage } from "../../lib/aiErrors";
import { CADENCE_UNIT_OPTIONS, cadenceText, parseCadence } from "../../lib/keepInTouch";
import { isLifecycleStage, LIFECYCLE_STAGES, STAGE_LABELS } from "../../lib/labels";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { Select } from "../Select";
import { useToasts } from "../Toasts";

const SCOPE_OPTIONS: Array<{ value: DefaultScope; label: string }> = [
  { value: "tag", label: "Everyone with the tag" },
  { value: "stage", label: "Everyone at the stage" },
];

/**
 * Default cadences for a tag or a lifecycle stage ("VIP Client tag: every 2 weeks"). A person's
 * own setting on their page wins over these; a tag's default wins over a stage's.
 */
export function KeepInTouchSection() {
  const { showError, announce } = useToasts();
  const baseId = useId();
  const [defaults, setDefaults] = useState<KeepInTouchDefault[] | null>(null);
  const [tags, setTags] = useState<TagWithUsage[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [scope, setScope] = useState<DefaultScope>("tag");
  const [target, setTarget] = useState("");
  const [every, setEvery] = useState("2");
  const [unit, setUnit] = useState<CadenceUnit>("week");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);

  const load = useCallback(() => {
    Promise.all([api.keepInTouchDefaults(), api.listTagsWithUsage()]).then(
      ([list, tagList]) => {
        setDefaults(list);
        setTags(tagList);
        setLoadError(null);
      },
      (error: unknown) => {
        setDefaults([]);
        setLoadError(errorMessage(toAppError(error)));
      },
    );
  }, []);

  useEffect(load, [load]);

  const tagName = (id: string) => tags.find((entry) => entry.tag.id === id)?.tag.name ?? "A deleted tag";
  const targetName = (entry: { scope: DefaultScope; target: string }) =>
    entry.scope === "tag" ? `${tagName(entry.target)} tag` : `${isLifecycleStage(entry.target) ? STAGE_LABELS[entry.target] : entry.target} stage`;

  const targetOptions =
    scope === "tag"
      ? tags.map((entry) => ({ value: entry.tag.id, label: entry.tag.name }))
      : LIFECYCLE_STAGES.map((stage: LifecycleStage) => ({ value: stage, label: STAGE_LABELS[stage] }));

  const add = async () => {
    const local: Record<string, string> = {};
    if (!target) local.target = scope === "tag" ? "Choose a tag" : "Choose a stage";
    const count = Number(every);
    if (!Number.isInteger(count) || count < 1 || count > 999) local.cadence = "Enter a whole number from 1 to 999";
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setSaving(true);
    try {
      await api.keepInTouchSetDefault(scope, target, { every: count, unit });
      announce(`${targetName({ scope, target })}: ${cadenceText({ every: count, unit })}.`);
      setTarget("");
      load();
    } catch (error) {
      showError(error, "Could not save the default");
    } finally {
      setSaving(false);
    }
  };

  const remove = async (entry: KeepInTouchDefault) => {
    try {
      await api.keepInTouchSetDefault(entry.scope, entry.target, null);
      announce(`Removed the default for the ${targetName(entry)}.`);
      load();
    } catch (error) {
      showError(error, "Could not remove the default");
    }
  };

  return (
    <div className="keep-in-touch-defaults" data-testid="keep-in-touch-defaults">
      <p className="muted">
        How often to keep in touch with everyone who has a tag or is at a lifecycle stage. A person’s own choice on their
        page comes first, then their tags, then their stage. People who are due show up on Today.
      </p>
      {loadError ? (
        <p className="field-error" role="alert" data-testid="keep-in-touch-defaults-error">
          Could not load the defaults: {loadError}
        </p>
      ) : null}
      {defaults === null ? null : defaults.length === 0 ? (
        <p className="muted small" data-testid="keep-in-touch-defaults-empty">
          No defaults yet. Add one below, for example every 2 weeks for everyone tagged VIP.
        </p>
      ) : (
        <ul className="kit-defaults" aria-label="Default cadences">
          {defaults.map((entry) => {
            const cadence = parseCadence(entry.cadence);
            return (
              <li key={entry.id} className="kit-defaults__item" data-testid="keep-in-touch-default">
                <span>{targetName(entry)}</span>
                <span>{cadence ? cadenceText(cadence) : entry.cadence}</span>
                <Button
                  size="sm"
                  variant="danger-ghost"
                  icon="trash"
                  onClick={() => void remove(entry)}
                  aria-label={`Remove the default for the ${targetName(entry)}`}
                  data-testid="keep-in-touch-default-remove"
                >
                  Remove
                </Button>
              </li>
            );
          })}
        </ul>
      )}
      <form
        className="compact-form"
        aria-label="Add a default"
        data-testid="keep-in-touch-default-form"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <div className="compact-form__row">
          <Select
            size="sm"
            aria-label="Who"
            value={scope}
            options={SCOPE_OPTIONS}
            onChange={(event) => {
              setScope(event.target.value as DefaultScope);
              setTarget("");
            }}
            data-testid="keep-in-touch-default-scope"
          />
          <Select
            size="sm"
            aria-label={scope === "tag" ? "Tag" : "Lifecycle stage"}
            value={target}
            options={[{ value: "", label: scope === "tag" ? "Choose a tag…" : "Choose a stage…" }, ...targetOptions]}
            onChange={(event) => setTarget(event.target.value)}
            aria-invalid={errors.target ? true : undefined}
            aria-describedby={errors.target ? `${baseId}-target-error` : undefined}
            data-testid="keep-in-touch-default-target"
          />
          <label className="inline-field">
            <span>every</span>
            <input
              className="input input--sm input--narrow"
              inputMode="numeric"
              value={every}
              onChange={(event) => setEvery(event.target.value)}
              aria-label="How many"
              aria-invalid={errors.cadence ? true : undefined}
              aria-describedby={errors.cadence ? `${baseId}-cadence-error` : undefined}
              data-testid="keep-in-touch-default-every"
            />
          </label>
          <Select
            size="sm"
            aria-label="Days, weeks or months"
            value={unit}
            options={CADENCE_UNIT_OPTIONS}
            onChange={(event) => setUnit(event.target.value as CadenceUnit)}
            data-testid="keep-in-touch-default-unit"
          />
          <Button type="submit" size="sm" variant="primary" icon="plus" busy={saving} data-testid="keep-in-touch-default-add">
            Add default
          </Button>
        </div>
        <InlineError id={`${baseId}-target-error`} field="target" message={errors.target} />
        <InlineError id={`${baseId}-cadence-error`} field="cadence" message={errors.cadence} />
      </form>
    </div>
  );
}
