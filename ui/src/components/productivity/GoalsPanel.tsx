import { useCallback, useEffect, useId, useState } from "react";
import { api, onContactsChanged, type Goal, type GoalKind, type GoalStatus } from "../../api";
import { useEventSubscription } from "../../hooks/useEventSubscription";
import { errorsByField } from "../../lib/fieldErrors";
import { formatCalendarDate } from "../../lib/format";
import { Button } from "../Button";
import { InlineError } from "../form/InlineError";
import { ProgressBar } from "../ProgressBar";
import { Select } from "../Select";
import { useToasts } from "../Toasts";
import { GOAL_KIND_LABELS, GOAL_STATUS_LABELS, optionsOf } from "./labels";
import { useUndoableDelete } from "./useUndoableDelete";

const PRACTITIONER_KINDS: Array<{ value: GoalKind; label: string }> = [
  { value: "practitioner_business", label: GOAL_KIND_LABELS.practitioner_business },
  { value: "practitioner_personal", label: GOAL_KIND_LABELS.practitioner_personal },
];

const PROGRESS_STEPS = Array.from({ length: 11 }, (_, index) => ({ value: String(index * 10), label: `${index * 10}%` }));

/**
 * Goals with their progress. With `contactId`, the client's wellness goals; without, every goal
 * (the practitioner's own business and personal goals, and clients' goals).
 */
export function GoalsPanel({ contactId }: { contactId?: string }) {
  const formId = useId();
  const { showError, announce } = useToasts();
  const [goals, setGoals] = useState<Goal[] | null>(null);
  const [reload, setReload] = useState(0);
  const [title, setTitle] = useState("");
  const [kind, setKind] = useState<GoalKind>(contactId ? "client_wellness" : "practitioner_business");
  const [targetDate, setTargetDate] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const refresh = useCallback(() => setReload((count) => count + 1), []);
  const deleteWithUndo = useUndoableDelete(refresh);

  useEffect(() => {
    let current = true;
    api.listGoals(contactId ?? null).then(
      (list) => current && setGoals(list),
      (error: unknown) => {
        if (!current) return;
        setGoals([]);
        showError(error, "Could not load goals");
      },
    );
    return () => {
      current = false;
    };
  }, [contactId, reload, showError]);

  useEventSubscription(onContactsChanged, refresh);

  const add = async () => {
    setErrors({});
    if (!title.trim()) {
      setErrors({ title: "Enter the goal" });
      return;
    }
    try {
      const goal = await api.createGoal({
        title: title.trim(),
        description: null,
        kind: contactId ? "client_wellness" : kind,
        status: null,
        contact_id: contactId ?? null,
        target_date: targetDate || null,
        progress: null,
      });
      setTitle("");
      setTargetDate("");
      announce(`Added the goal ${goal.title}.`);
      refresh();
    } catch (error) {
      const fields = errorsByField(error);
      if (Object.keys(fields).length > 0) setErrors(fields);
      else showError(error, "Could not add the goal");
    }
  };

  const change = async (goal: Goal, changes: { status?: GoalStatus; progress?: number }) => {
    try {
      await api.updateGoal(goal.id, {
        title: goal.title,
        description: goal.description,
        kind: goal.kind,
        status: changes.status ?? goal.status,
        contact_id: goal.contact_id,
        target_date: goal.target_date,
        progress: changes.progress ?? goal.progress,
      });
      refresh();
    } catch (error) {
      showError(error, "Could not change the goal");
    }
  };

  return (
    <div className="goals" data-testid="goals-panel">
      {goals === null ? (
        <p className="muted" aria-busy="true">Loading goals…</p>
      ) : goals.length === 0 ? (
        <p className="muted" data-testid="goals-empty">
          {contactId ? "No goals for this client yet. Agree on one together and note it here." : "No goals yet. Set one for your practice or for yourself."}
        </p>
      ) : (
        <ul className="goal-list" data-testid="goal-list">
          {goals.map((goal) => (
            <li key={goal.id} className={`goal goal--${goal.status}`} data-testid="goal-item">
              <div className="goal__header">
                <span className="goal__title">{goal.title}</span>
                {contactId ? null : <span className="badge">{GOAL_KIND_LABELS[goal.kind]}</span>}
                {goal.target_date ? <span className="muted small">by {formatCalendarDate(goal.target_date)}</span> : null}
                <Button size="sm" variant="ghost" icon="trash" iconOnly label={`Delete the goal ${goal.title}`} onClick={() => void deleteWithUndo(goal.title, () => api.deleteGoal(goal.id))} data-testid="goal-delete-button" />
              </div>
              <ProgressBar value={goal.progress} max={100} label={`Progress of ${goal.title}`} />
              <div className="goal__controls">
                <Select size="sm" aria-label={`Status of ${goal.title}`} value={goal.status} options={optionsOf(GOAL_STATUS_LABELS)} onChange={(event) => void change(goal, { status: event.target.value as GoalStatus })} data-testid="goal-status-select" />
                <Select size="sm" aria-label={`Progress of ${goal.title} in percent`} value={String(Math.round(goal.progress / 10) * 10)} options={PROGRESS_STEPS} onChange={(event) => void change(goal, { progress: Number(event.target.value) })} data-testid="goal-progress-select" />
              </div>
            </li>
          ))}
        </ul>
      )}
      <form
        className="quick-add quick-add--small"
        aria-label="Add a goal"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <label className="visually-hidden" htmlFor={`${formId}-title`}>
          Goal
        </label>
        <input id={`${formId}-title`} className="input input--sm" placeholder="Add a goal…" value={title} onChange={(event) => setTitle(event.target.value)} aria-invalid={errors.title ? true : undefined} aria-describedby={errors.title ? `${formId}-title-error` : undefined} data-testid="goal-title-input" />
        {contactId ? null : <Select size="sm" aria-label="Kind of goal" value={kind} options={PRACTITIONER_KINDS} onChange={(event) => setKind(event.target.value as GoalKind)} data-testid="goal-kind-select" />}
        <label className="visually-hidden" htmlFor={`${formId}-target`}>
          Target date
        </label>
        <input id={`${formId}-target`} className="input input--sm" type="date" value={targetDate} onChange={(event) => setTargetDate(event.target.value)} aria-invalid={errors.target_date ? true : undefined} aria-describedby={errors.target_date ? `${formId}-target_date-error` : undefined} />
        <Button type="submit" size="sm" icon="plus" data-testid="goal-add-button">
          Add goal
        </Button>
      </form>
      <InlineError id={`${formId}-title-error`} field="title" message={errors.title} />
      <InlineError id={`${formId}-target_date-error`} field="target_date" message={errors.target_date} />
      <InlineError id={`${formId}-contact_id-error`} field="contact_id" message={errors.contact_id} />
    </div>
  );
}
